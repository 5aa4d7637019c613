/**
 * CSV datasets (see core/csv.ts for the row format). A file gives the split named by
 * `opts.split`, or the splits of its `split` column (then `opts.split` keeps just that one),
 * else `train`. A folder gives one split per `<name>.csv` (e.g. train.csv + test.csv).
 * `.csv.gz` files are gunzipped. Class ids are the numeric labels; class names '0'..max.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImageShape } from '../../contract/types';
import type { ImportedDataset, ImportedSplit, PixelSink, ProgressFn, StagedPixels } from '../../core/dataset';
import type { RawImages } from '../../core/image';
import { memorySink } from './sink';
import { STREAM_CHUNK } from './stream';
import type { CsvTable } from '../../core/csv';
import { parseCsv } from '../../core/csv';
import { InputError } from '../../core/errors';
import { CSV_SPLIT_NAME_RULE, isCsvSplitName } from '../../contract/names';
import { maybeGunzip } from '../../core/gzip';
import { checkAbort, compareSplits, describeFsError, fsErrorKind, numericClassNames, readInput } from './util';

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

  const warnings: string[] = [];
  const parts: { split: string; table: CsvTable; rows: number[] | null; file: string }[] = [];
  let shape: ImageShape | null = null;
  let shapeFrom = '';
  for (const [k, { file, split }] of files.entries()) {
    checkAbort(opts.signal);
    opts.onProgress?.(k, files.length, `reading ${basename(file)}`);
    const bytes = maybeGunzip(await readInput(file), file, { maxBytes: opts.maxBytes });
    if (opts.maxBytes !== undefined && bytes.length > opts.maxBytes) throw new InputError(file, `${bytes.length} bytes, over the limit of ${opts.maxBytes} bytes`);
    const table = parseCsv(new TextDecoder('utf-8').decode(bytes), file);
    warnings.push(...table.warnings);
    if (shape && (shape.height !== table.shape.height || shape.width !== table.shape.width || shape.channels !== table.shape.channels)) {
      throw new InputError(file, `images are ${table.shape.height}x${table.shape.width}x${table.shape.channels} but ${shapeFrom} has ${shape.height}x${shape.width}x${shape.channels}`);
    }
    shape = table.shape;
    shapeFrom = file;
    if (table.splitOf && split === null) {
      const names = [...new Set(table.splitOf)].filter((s) => opts.split === undefined || s === opts.split);
      if (names.length === 0) throw new InputError(file, `no rows of split "${opts.split}" in the split column`);
      for (const s of names) {
        const rows: number[] = [];
        table.splitOf.forEach((n, r) => n === s && rows.push(r));
        parts.push({ split: s, table, rows, file });
      }
    } else {
      parts.push({ split: split ?? opts.split ?? 'train', table, rows: null, file });
    }
  }

  const seen = new Set<string>();
  for (const p of parts) {
    if (seen.has(p.split)) throw new InputError(p.file, `split "${p.split}" comes from more than one file`);
    seen.add(p.split);
  }
  parts.sort((a, b) => compareSplits(a.split, b.split));
  const size = (shape as ImageShape).height * (shape as ImageShape).width * (shape as ImageShape).channels;
  let maxLabel = 0;
  const sink = opts.sink ?? (memorySink() as unknown as PixelSink<P>);
  const splits: ImportedSplit<P>[] = [];
  for (const { split, table, rows, file } of parts) {
    let data: Uint8Array;
    let labels: Uint8Array;
    if (rows === null) {
      data = table.pixels;
      labels = table.labels;
    } else {
      data = new Uint8Array(rows.length * size);
      labels = new Uint8Array(rows.length);
      rows.forEach((r, k) => {
        data.set(table.pixels.subarray(r * size, (r + 1) * size), k * size);
        labels[k] = table.labels[r];
      });
    }
    for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
    const writer = sink.open(split, shape as ImageShape, labels.length);
    try {
      const step = Math.max(size, STREAM_CHUNK - (STREAM_CHUNK % size));
      for (let off = 0; off < data.length; off += step) await writer.write(data.subarray(off, Math.min(data.length, off + step)));
      splits.push({ name: split, images: await writer.finish(), labels, origin: basename(file), origins: null });
    } catch (e) {
      await writer.abort();
      throw e;
    }
  }
  opts.onProgress?.(files.length, files.length, 'done');
  return { kind: 'csv', sourcePath: path, shape: shape as ImageShape, classNames: numericClassNames(maxLabel), splits, warnings, datasetId: sink.datasetId };
}
