/**
 * Export a set of images (a curated set or any filtered view) as MNIST-format IDX,
 * ImageFolder PNGs, or PNGs with a CSV / JSONL manifest. The output folder appears whole or
 * not at all: everything is written into a sibling temp folder that is renamed at the end,
 * and removed on any error (disk full included). A non-empty or read-only target is refused.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ExportFormat, ImageShape, SchemeSpec } from '../contract/types';
import { CancelledError, InputError } from '../core/errors';
import { gzip } from '../core/gzip';
import { encodeIdx } from '../core/idx';
import { imageSize, type RawImages } from '../core/image';
import { encodePng } from '../core/png';
import { probeWritable } from '../store/fsutil';

export interface ExportItem {
  index: number;
  label: number;
  steps?: number;
  robust?: 0 | 1;
}

export interface ManifestMeta {
  scheme?: SchemeSpec;
  k?: number;
  maxSteps?: number;
  seed?: number;
  modelHash?: string;
}

export interface ExportOptions {
  outDir: string;
  format: ExportFormat;
  shape: ImageShape;
  classNames: string[];
  /** the split the items index into */
  split: string;
  images: RawImages;
  items: ExportItem[];
  /** IDX: the dataset's test split, written unchanged as t10k-* */
  testSplit?: { images: RawImages; labels: Uint8Array };
  meta?: ManifestMeta;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** file writer, replaceable in tests (e.g. to simulate a full disk) */
  writeFile?: (path: string, data: Uint8Array | string) => void;
}

export interface ExportResult {
  path: string;
  format: ExportFormat;
  count: number;
  files: string[];
}

export const MANIFEST_COLUMNS = ['file', 'label', 'split', 'id', 'rpr_steps', 'robust', 'scheme', 'scheme_params', 'k', 'max_steps', 'seed', 'model_hash'] as const;

/** Refuse targets we must not touch; returns the absolute path. */
export function checkExportTarget(outDir: string): string {
  const out = resolve(outDir);
  if (fs.existsSync(out)) {
    if (!fs.statSync(out).isDirectory()) throw new InputError(out, 'exists and is not a folder: refusing to overwrite it');
    if (fs.readdirSync(out).length > 0) throw new InputError(out, 'folder is not empty: refusing to overwrite it (choose an empty or new folder)');
  }
  const parent = dirname(out);
  if (!fs.existsSync(parent)) throw new InputError(parent, 'folder does not exist');
  const why = probeWritable(parent);
  if (why) throw new InputError(parent, `cannot write here: ${why}`);
  return out;
}

export async function exportImages(opts: ExportOptions): Promise<ExportResult> {
  const out = checkExportTarget(opts.outDir);
  const tmp = join(dirname(out), `.${basename(out)}.tmp-rpr-${randomBytes(4).toString('hex')}`);
  const write = opts.writeFile ?? ((p: string, d: Uint8Array | string) => fs.writeFileSync(p, d));
  fs.mkdirSync(tmp);
  try {
    const files = opts.format === 'idx' ? await writeIdx(tmp, opts, write) : await writePngs(tmp, opts, write);
    if (fs.existsSync(out)) fs.rmdirSync(out); // an empty folder the user picked
    fs.renameSync(tmp, out);
    return { path: out, format: opts.format, count: opts.items.length, files };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function checkCancel(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError('export cancelled: nothing was written');
}

async function writeIdx(dir: string, o: ExportOptions, write: NonNullable<ExportOptions['writeFile']>): Promise<string[]> {
  const { height, width, channels } = o.shape;
  const size = imageSize(o.shape);
  const n = o.items.length;
  const pixels = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  o.items.forEach((it, r) => {
    pixels.set(o.images.data.subarray(it.index * size, (it.index + 1) * size), r * size);
    labels[r] = it.label;
  });
  const dims = (count: number) => (channels === 1 ? [count, height, width] : [count, height, width, channels]);
  const files: [string, Uint8Array][] = [
    ['train-images-idx3-ubyte.gz', gzip(encodeIdx(dims(n), pixels))],
    ['train-labels-idx1-ubyte.gz', gzip(encodeIdx([n], labels))],
  ];
  if (o.testSplit) {
    files.push(['t10k-images-idx3-ubyte.gz', gzip(encodeIdx(dims(o.testSplit.images.count), o.testSplit.images.data))]);
    files.push(['t10k-labels-idx1-ubyte.gz', gzip(encodeIdx([o.testSplit.labels.length], o.testSplit.labels))]);
  }
  if (channels === 3) files.forEach((f) => (f[0] = f[0].replace('idx3', 'idx4')));
  for (const [name, bytes] of files) {
    checkCancel(o.signal);
    write(join(dir, name), bytes);
  }
  const rows = o.items.map((it, r) => manifestRow(`train-images-idx3-ubyte.gz#${r}`, it, o));
  write(join(dir, 'manifest.csv'), manifestCsv(rows));
  o.onProgress?.(n, n);
  return [...files.map((f) => f[0]), 'manifest.csv'];
}

async function writePngs(dir: string, o: ExportOptions, write: NonNullable<ExportOptions['writeFile']>): Promise<string[]> {
  const size = imageSize(o.shape);
  const n = o.items.length;
  const digits = String(Math.max(0, o.images.count - 1)).length;
  const root = o.format === 'imagefolder' ? dir : join(dir, 'images');
  if (root !== dir) fs.mkdirSync(root);
  const made = new Set<string>();
  const rows: string[][] = [];
  for (let r = 0; r < n; r++) {
    if (r % 512 === 0) {
      checkCancel(o.signal);
      o.onProgress?.(r, n);
      await new Promise((ok) => setImmediate(ok));
    }
    const it = o.items[r];
    const cls = o.classNames[it.label] ?? String(it.label);
    const folder = join(root, safeName(cls));
    if (!made.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    const name = `${o.split}-${String(it.index).padStart(digits, '0')}.png`;
    const png = encodePng({ width: o.shape.width, height: o.shape.height, channels: o.shape.channels, data: o.images.data.subarray(it.index * size, (it.index + 1) * size) });
    write(join(folder, name), png);
    const rel = (root === dir ? '' : 'images/') + `${safeName(cls)}/${name}`;
    rows.push(manifestRow(rel, it, o));
  }
  const files = [o.format === 'imagefolder' ? '<class>/*.png' : 'images/<class>/*.png'];
  if (o.format === 'jsonl') {
    write(join(dir, 'manifest.jsonl'), rows.map((row) => JSON.stringify(Object.fromEntries(MANIFEST_COLUMNS.map((c, i) => [c, jsonValue(c, row[i])])))).join('\n') + '\n');
    files.push('manifest.jsonl');
  } else {
    write(join(dir, 'manifest.csv'), manifestCsv(rows));
    files.push('manifest.csv');
  }
  o.onProgress?.(n, n);
  return files;
}

function manifestRow(file: string, it: ExportItem, o: ExportOptions): string[] {
  const m = o.meta ?? {};
  return [
    file,
    String(it.label),
    o.split,
    `${o.split}/${it.index}`,
    it.steps === undefined ? '' : String(it.steps),
    it.robust === undefined ? '' : String(it.robust),
    m.scheme?.name ?? '',
    m.scheme ? JSON.stringify(m.scheme.params) : '',
    m.k === undefined ? '' : String(m.k),
    m.maxSteps === undefined ? '' : String(m.maxSteps),
    m.seed === undefined ? '' : String(m.seed),
    m.modelHash ?? '',
  ];
}

function jsonValue(column: string, v: string): unknown {
  if (v === '') return null;
  if (column === 'scheme_params') return JSON.parse(v);
  if (['label', 'rpr_steps', 'robust', 'k', 'max_steps', 'seed'].includes(column)) return Number(v);
  return v;
}

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function manifestCsv(rows: string[][]): string {
  return [MANIFEST_COLUMNS.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

/** A class name as a folder name: no separators, no dot-only names. */
export function safeName(name: string): string {
  const s = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
  return s === '' || s === '.' || s === '..' ? `class_${s.length}` : s;
}
