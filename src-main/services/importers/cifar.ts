/**
 * CIFAR-10 / CIFAR-100 binary version (the `*-binary.tar.gz` downloads, unpacked):
 * CIFAR-10: `data_batch_1.bin` … `data_batch_5.bin` (split train, in batch order) and
 * `test_batch.bin` (split test); each record is 1 label byte + 3072 pixel bytes.
 * CIFAR-100: `train.bin` and `test.bin`; each record is a coarse and a fine label byte + 3072
 * pixel bytes; the fine label (0..99) is the class. Pixels are planar (1024 R, 1024 G, 1024 B,
 * rows of 32) and are stored as HWC RGB. Class names come from `batches.meta.txt` (CIFAR-10)
 * or `fine_label_names.txt` (CIFAR-100) when present. Files are read in chunks of records.
 */
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import type { ImageShape } from '../../contract/types';
import type { ImportedDataset, ImportedSplit, PixelSink, ProgressFn, StagedPixels } from '../../core/dataset';
import { InputError } from '../../core/errors';
import type { RawImages } from '../../core/image';
import { memorySink } from './sink';
import { checkAbort, compareSplits, describeFsError, fsErrorKind, numericClassNames } from './util';

export interface CifarImportOptions<P extends RawImages | StagedPixels = RawImages> {
  sink?: PixelSink<P>;
  split?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

export const CIFAR10_RE = /^(data_batch_(\d+)|test_batch)\.bin$/;
export const CIFAR100_RE = /^(train|test)\.bin$/;
const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;
const SHAPE: ImageShape = { height: SIDE, width: SIDE, channels: 3 };
/** records read at once (~4 MB) */
const RECORDS_PER_READ = 1365;

interface CifarFile {
  split: string;
  name: string;
  path: string;
  records: number;
}

export type CifarVariant = 10 | 100;

/** The CIFAR variant of the binary files in `names`, or null when there are none. */
export function cifarVariant(names: readonly string[]): CifarVariant | null {
  if (names.some((n) => CIFAR10_RE.test(n))) return 10;
  if (names.some((n) => CIFAR100_RE.test(n))) return 100;
  return null;
}

function describeLayout(v: CifarVariant): string {
  return v === 10 ? 'CIFAR-10: 1 label byte + 3072 pixel bytes' : 'CIFAR-100: 2 label bytes (coarse, fine) + 3072 pixel bytes';
}

async function readNames(path: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch {
    return null;
  }
  const names = text.split(/\r?\n/).map((l) => l.trim());
  while (names.length && names[names.length - 1] === '') names.pop();
  return names.length ? names : null;
}

export async function importCifar<P extends RawImages | StagedPixels = RawImages>(dir: string, opts: CifarImportOptions<P> = {}): Promise<ImportedDataset<P>> {
  let names: string[];
  try {
    names = (await fsp.readdir(dir)).sort();
  } catch (e) {
    throw new InputError(dir, describeFsError(e), fsErrorKind(e));
  }
  const variant = cifarVariant(names);
  if (!variant) throw new InputError(dir, 'no CIFAR binary files: expected data_batch_1.bin … and test_batch.bin (CIFAR-10) or train.bin and test.bin (CIFAR-100)');
  const labelBytes = variant === 10 ? 1 : 2;
  const record = labelBytes + PIXELS;
  const other = variant === 10 ? PIXELS + 2 : PIXELS + 1;
  const numClasses = variant === 10 ? 10 : 100;

  const files: CifarFile[] = [];
  const re = variant === 10 ? CIFAR10_RE : CIFAR100_RE;
  const batchNo = (n: string) => Number(/(\d+)/.exec(n)?.[1] ?? 0);
  for (const name of names.filter((n) => re.test(n)).sort((a, b) => batchNo(a) - batchNo(b) || (a < b ? -1 : 1))) {
    const split = name.startsWith('test') ? 'test' : 'train';
    if (opts.split !== undefined && split !== opts.split) continue;
    const path = join(dir, name);
    let size: number;
    try {
      size = (await fsp.stat(path)).size;
    } catch (e) {
      throw new InputError(path, describeFsError(e), fsErrorKind(e));
    }
    if (size === 0) throw new InputError(path, `empty file: no records (${describeLayout(variant)})`);
    if (size % record !== 0) {
      if (size % other === 0 && size >= other) {
        throw new InputError(path, `wrong record size: ${size} bytes is a whole number of ${other}-byte records but not of ${record}-byte records (${describeLayout(variant)}); is this a ${variant === 10 ? 'CIFAR-100' : 'CIFAR-10'} file?`);
      }
      throw new InputError(path, `truncated: ${size} bytes is not a whole number of ${record}-byte records (${describeLayout(variant)}); the last record has only ${size % record} bytes`);
    }
    files.push({ split, name, path, records: size / record });
  }
  if (files.length === 0) throw new InputError(dir, `no CIFAR files for split "${opts.split}" (CIFAR splits are train and test)`);

  const nameFile = variant === 10 ? 'batches.meta.txt' : 'fine_label_names.txt';
  const fileNames = await readNames(join(dir, nameFile));
  const warnings: string[] = [];
  let classNames = numericClassNames(numClasses - 1);
  if (fileNames) {
    if (fileNames.length === numClasses) classNames = fileNames;
    else warnings.push(`${join(dir, nameFile)}: ${fileNames.length} class names for ${numClasses} classes; using 0..${numClasses - 1}`);
  }

  const sink = opts.sink ?? (memorySink() as unknown as PixelSink<P>);
  const splitNames = [...new Set(files.map((f) => f.split))].sort(compareSplits);
  const total = files.reduce((a, f) => a + f.records, 0);
  let done = 0;
  const splits: ImportedSplit<P>[] = [];
  const buf = new Uint8Array(RECORDS_PER_READ * record);
  const out = new Uint8Array(RECORDS_PER_READ * PIXELS);
  for (const split of splitNames) {
    const parts = files.filter((f) => f.split === split);
    const count = parts.reduce((a, f) => a + f.records, 0);
    const labels = new Uint8Array(count);
    const writer = sink.open(split, SHAPE, count);
    let at = 0;
    try {
      for (const f of parts) {
        let fh: fsp.FileHandle;
        try {
          fh = await fsp.open(f.path, 'r');
        } catch (e) {
          throw new InputError(f.path, describeFsError(e), fsErrorKind(e));
        }
        try {
          for (let r = 0; r < f.records; r += RECORDS_PER_READ) {
            checkAbort(opts.signal);
            const n = Math.min(RECORDS_PER_READ, f.records - r);
            let got = 0;
            while (got < n * record) {
              const { bytesRead } = await fh.read(buf, got, n * record - got, r * record + got);
              if (bytesRead === 0) throw new InputError(f.path, `truncated: the file ended inside record ${r + Math.floor(got / record)} (it shrank while being read)`);
              got += bytesRead;
            }
            for (let i = 0; i < n; i++) {
              const base = i * record;
              const fine = buf[base + labelBytes - 1];
              if (variant === 100 && buf[base] >= 20) throw new InputError(f.path, `record ${r + i}: coarse label byte ${buf[base]} is out of range (0..19)`);
              if (fine >= numClasses) throw new InputError(f.path, `record ${r + i}: ${variant === 100 ? 'fine ' : ''}label byte ${fine} is out of range (0..${numClasses - 1})`);
              labels[at + r + i] = fine;
              planarToHwc(buf, base + labelBytes, out, i * PIXELS);
            }
            await writer.write(out.subarray(0, n * PIXELS));
            done += n;
            opts.onProgress?.(done, total, `reading ${f.name}`);
          }
        } finally {
          await fh.close();
        }
        at += f.records;
      }
      const images = await writer.finish();
      splits.push({ name: split, images, labels, origin: parts.map((f) => f.name).join(' + '), origins: null });
    } catch (e) {
      await writer.abort();
      throw e;
    }
  }
  opts.onProgress?.(total, total, 'done');
  return { kind: 'cifar', sourcePath: dir, shape: SHAPE, classNames, splits, warnings, datasetId: sink.datasetId };
}

/** One 32×32 planar R,G,B record at `src[off…]` → HWC RGB at `out[at…]`. */
export function planarToHwc(src: Uint8Array, off: number, out: Uint8Array, at: number): void {
  const plane = SIDE * SIDE;
  for (let p = 0; p < plane; p++) {
    out[at + 3 * p] = src[off + p];
    out[at + 3 * p + 1] = src[off + plane + p];
    out[at + 3 * p + 2] = src[off + 2 * plane + p];
  }
}

/** A CIFAR file name (for detection of a single file given as the path). */
export function isCifarFile(path: string): boolean {
  const n = basename(path);
  return CIFAR10_RE.test(n) || CIFAR100_RE.test(n);
}
