/**
 * Seeded synthetic IDX datasets for tests and benches (never committed): `train-images-idx3-ubyte`
 * (gray) or `-idx4-` (N×H×W×C, RGB) plus labels, written in chunks so a million images never sit
 * in memory. Every pixel is a pure function of (seed, image, byte), so a test can check any
 * image it sees against `imageOf`.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SyntheticSpec {
  split: 'train' | 't10k';
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  seed: number;
  classes?: number;
}

/** A cheap integer hash (xorshift-multiply), 0..255. */
function mix(seed: number, i: number, p: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35) ^ Math.imul(p + 7, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & 255;
}

/** Image i: coarse blocks (visible structure at any zoom) with per-pixel noise. */
export function imageOf(s: SyntheticSpec, i: number): Uint8Array {
  const size = s.height * s.width * s.channels;
  const out = new Uint8Array(size);
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      for (let c = 0; c < s.channels; c++) {
        const p = (y * s.width + x) * s.channels + c;
        const block = mix(s.seed, i, ((y >> 2) * 64 + (x >> 2)) * 4 + c + 100000);
        out[p] = (block & 0xf0) | (mix(s.seed, i, p) & 0x0f);
      }
    }
  }
  return out;
}

export function labelOf(s: SyntheticSpec, i: number): number {
  return mix(s.seed + 1, i, 0) % (s.classes ?? 10);
}

function header(dims: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(h.buffer);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, k) => v.setUint32(4 + 4 * k, d, false));
  return h;
}

/** Write the split's images and labels files into `dir`; returns their paths. */
export function writeSyntheticIdx(dir: string, s: SyntheticSpec, chunk = 8192): { images: string; labels: string } {
  mkdirSync(dir, { recursive: true });
  const kind = s.channels === 1 ? 'idx3' : 'idx4';
  const images = join(dir, `${s.split}-images-${kind}-ubyte`);
  const labels = join(dir, `${s.split}-labels-idx1-ubyte`);
  const size = s.height * s.width * s.channels;
  const fd = openSync(images, 'w');
  try {
    writeSync(fd, header(s.channels === 1 ? [s.count, s.height, s.width] : [s.count, s.height, s.width, s.channels]));
    const buf = new Uint8Array(chunk * size);
    for (let from = 0; from < s.count; from += chunk) {
      const n = Math.min(chunk, s.count - from);
      for (let k = 0; k < n; k++) buf.set(imageOf(s, from + k), k * size);
      writeSync(fd, buf, 0, n * size);
    }
  } finally {
    closeSync(fd);
  }
  const lab = new Uint8Array(s.count);
  for (let i = 0; i < s.count; i++) lab[i] = labelOf(s, i);
  const lfd = openSync(labels, 'w');
  try {
    writeSync(lfd, header([s.count]));
    writeSync(lfd, lab);
  } finally {
    closeSync(lfd);
  }
  return { images, labels };
}
