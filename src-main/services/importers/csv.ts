/**
 * CSV datasets (see core/csv.ts for the row format). A file gives the split named by
 * `opts.split`, or the splits of its `split` column (then `opts.split` keeps just that one),
 * else `train`. A folder gives one split per `<name>.csv` (e.g. train.csv + test.csv).
 * `.csv.gz` files are gunzipped. Class ids are the numeric labels; class names '0'..max.
 * Each file streams (csv-stream.ts): progress counts bytes of the files, and no split is held
 * in memory.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImageShape } from '../../contract/types';
import type { ImportedDataset, ImportedSplit, PixelSink, ProgressFn, StagedPixels } from '../../core/dataset';
import type { RawImages } from '../../core/image';
import { memorySink } from './sink';
import type { StreamedCsv } from './csv-stream';
import { streamCsvFile } from './csv-stream';
import { InputError } from '../../core/errors';
import { checkAbort, compareSplits, describeFsError, fsErrorKind, numericClassNames } from './util';
import { CSV_SPLIT_NAME_RULE, isCsvSplitName } from '../../contract/names';

export interface CsvImportOptions<P extends RawImages | StagedPixels = RawImages> {
  sink?: PixelSink<P>;
  split?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  maxBytes?: number;
}

export const CSV_RE = /\.csv(\.gz)?$/i;

export async function importCsv<P extends RawImages | StagedPixels = RawImages>(path: string, opts: CsvImportOptions<P> = {}): Promise<ImportedDataset<P>> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new InputError(path, describeFsError(e), fsErrorKind(e));
  }
  const files: { file: string; split: string | null }[] = [];
  if (isDir) {
    let names: string[];
    try {
      names = (await readdir(path)).filter((n) => CSV_RE.test(n)).sort();
    } catch (e) {
      throw new InputError(path, describeFsError(e), fsErrorKind(e));
    }
    for (const n of names) {
      const split = n.replace(CSV_RE, '').toLowerCase();
      if (!isCsvSplitName(split)) throw new InputError(join(path, n), `the file name gives split "${split}", which must match ${CSV_SPLIT_NAME_RULE}`);
      if (opts.split === undefined || opts.split === split) files.push({ file: join(path, n), split });
    }
    if (files.length === 0) throw new InputError(path, opts.split ? `no ${opts.split}.csv in this folder` : 'no .csv files in this folder');
  } else {
    if (opts.split !== undefined && !isCsvSplitName(opts.split)) throw new InputError(path, `split name "${opts.split}" must match ${CSV_SPLIT_NAME_RULE}`);
    files.push({ file: path, split: null });
  }

  // progress by bytes of the files (compressed bytes for .csv.gz)
  const sizes: number[] = [];
  for (const { file } of files) {
    try {
      sizes.push((await stat(file)).size);
    } catch (e) {
      throw new InputError(file, describeFsError(e), fsErrorKind(e));
    }
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  const sink = opts.sink ?? (memorySink() as unknown as PixelSink<P>);
  const warnings: string[] = [];
  const splits: ImportedSplit<P>[] = [];
  let expect: { shape: ImageShape; from: string } | null = null;
  let before = 0;
  let maxLabel = 0;
  for (const [k, { file, split }] of files.entries()) {
    checkAbort(opts.signal);
    const name = basename(file);
    opts.onProgress?.(before, total, `reading ${name}`, 'bytes');
    const got: StreamedCsv<P> = await streamCsvFile(file, {
      sink,
      fixedSplit: split,
      keep: opts.split,
      taken: new Set(splits.map((s) => s.name)),
      expect,
      signal: opts.signal,
      maxBytes: opts.maxBytes,
      onRead: (n, again) => opts.onProgress?.(before + n, total, again ? `reading ${name} again as 0..255 values` : `reading ${name}`, 'bytes'),
    });
    warnings.push(...got.warnings);
    expect = { shape: got.shape, from: file };
    for (const s of got.splits) {
      for (let i = 0; i < s.labels.length; i++) if (s.labels[i] > maxLabel) maxLabel = s.labels[i];
      splits.push({ name: s.name, images: s.images, labels: s.labels, origin: name, origins: null });
    }
    before += sizes[k];
  }
  splits.sort((a, b) => compareSplits(a.name, b.name));
  opts.onProgress?.(total, total, 'done', 'bytes');
  return { kind: 'csv', sourcePath: path, shape: (expect as { shape: ImageShape }).shape, classNames: numericClassNames(maxLabel), splits, warnings, datasetId: sink.datasetId };
}
