/** Builders of dataset fixtures for tests: IDX layouts, image folders, CSV files, in tmp dirs. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { gzip } from '../../src-main/core/gzip';
import { encodeIdx } from '../../src-main/core/idx';
import { encodePng } from '../../src-main/core/png';

export async function makeTmpDir(prefix = 'rpr-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Write `bytes` to `root/rel`, creating folders. */
export async function writeAt(root: string, rel: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

/** Deterministic test pixels: value of byte i of image `seed`. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 37 + seed * 101) & 0xff;
  return out;
}

export interface IdxSplitSpec {
  prefix: 'train' | 't10k' | 'test';
  count: number;
  height: number;
  width: number;
  /** 3 → idx4 RGB */
  channels?: 1 | 3;
  labels: number[] | Uint8Array;
  gz?: boolean;
}

/** Write `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]`; returns the pixel bytes. */
export async function writeIdxSplit(dir: string, s: IdxSplitSpec): Promise<Uint8Array> {
  const c = s.channels ?? 1;
  const pixels = pattern(s.count * s.height * s.width * c, s.count);
  const dims = c === 3 ? [s.count, s.height, s.width, 3] : [s.count, s.height, s.width];
  const images = encodeIdx(dims, pixels);
  const labels = encodeIdx([s.labels.length], Uint8Array.from(s.labels));
  const ext = s.gz ? '.gz' : '';
  const kind = c === 3 ? 'idx4' : 'idx3';
  await writeAt(dir, `${s.prefix}-images-${kind}-ubyte${ext}`, s.gz ? gzip(images) : images);
  await writeAt(dir, `${s.prefix}-labels-idx1-ubyte${ext}`, s.gz ? gzip(labels) : labels);
  return pixels;
}

/** An IDX header only (no data): declares `dims` of type u8. */
export function idxHeader(dims: number[], type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return out;
}

export function pngOf(width: number, height: number, channels: 1 | 3, seed: number): { bytes: Uint8Array; pixels: Uint8Array } {
  const pixels = pattern(width * height * channels, seed);
  return { bytes: encodePng({ width, height, channels, data: pixels }), pixels };
}

/** A (3-component) JPEG of RGB pixels, quality 100; returns its bytes. */
export function jpegOf(width: number, height: number, rgb: Uint8Array, quality = 100): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba[4 * p] = rgb[3 * p];
    rgba[4 * p + 1] = rgb[3 * p + 1];
    rgba[4 * p + 2] = rgb[3 * p + 2];
    rgba[4 * p + 3] = 255;
  }
  const enc = jpeg.encode({ width, height, data: rgba }, quality);
  return new Uint8Array(enc.data.buffer, enc.data.byteOffset, enc.data.byteLength);
}

/** CSV text of rows `label,p0,p1,...`, optionally with a header and a split column. */
export function csvText(rows: { label: number; pixels: ArrayLike<number>; split?: string }[], opts: { header?: boolean; splitColumn?: boolean } = {}): string {
  const npix = rows[0].pixels.length;
  const lines: string[] = [];
  if (opts.header) lines.push(['label', ...Array.from({ length: npix }, (_, i) => `pixel${i}`), ...(opts.splitColumn ? ['split'] : [])].join(','));
  for (const r of rows) lines.push([r.label, ...Array.from(r.pixels), ...(opts.splitColumn ? [r.split ?? 'train'] : [])].join(','));
  return lines.join('\n') + '\n';
}

/** Counts of each class id 0..n-1 in `labels`. */
export function classCounts(labels: Uint8Array, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const l of labels) out[l]++;
  return out;
}
