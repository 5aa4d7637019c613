/**
 * Seeded large sets for the scale benchmarks (written at bench time into a temp folder, never
 * committed):
 * - mnist1m: 1,000,000 28×28 gray images in uncompressed IDX: each MNIST training image
 *   (60,000) repeated with a seeded shift (±3 px) and rotation (±15°, nearest neighbour);
 *   the first 60,000 are MNIST itself. Plus t10k = MNIST's test split.
 * - cifar200k: 200,000 32×32 RGB images in CIFAR-10 binary format (data_batch_1..5 of 32,000
 *   + test_batch of 40,000): MNIST digits centred on 32×32, ink and background colours drawn
 *   per image from a seeded stream; label = digit.
 * Usage: npx tsx scripts/bench/make-scale-sets.ts <out> [mnist1m|cifar200k]...
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mulberry32 } from '../../src-main/core/mulberry32';

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  const raw = readFileSync(path);
  const b = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  const nd = b[3];
  const dims = Array.from({ length: nd }, (_, i) => b.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(b.buffer, b.byteOffset + 4 + 4 * nd, dims.reduce((a, d) => a * d, 1)) };
}

function idxHeader(dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 8;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

/** Image `src` (28×28) shifted by (dx, dy) and rotated by `a` radians about the centre, into `out`. */
function warp(src: Uint8Array, out: Uint8Array, dx: number, dy: number, a: number): void {
  const c = Math.cos(a);
  const s = Math.sin(a);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const u = x - 13.5 - dx;
      const v = y - 13.5 - dy;
      const sx = Math.round(c * u + s * v + 13.5);
      const sy = Math.round(-s * u + c * v + 13.5);
      out[y * 28 + x] = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? src[sy * 28 + sx] : 0;
    }
  }
}

export function makeMnist1m(mnistDir: string, out: string, count = 1_000_000): void {
  mkdirSync(out, { recursive: true });
  const imgs = readIdx(join(mnistDir, 'train-images-idx3-ubyte.gz'));
  const labs = readIdx(join(mnistDir, 'train-labels-idx1-ubyte.gz'));
  const n0 = imgs.dims[0];
  const rand = mulberry32(20261201);
  const fd = openSync(join(out, 'train-images-idx3-ubyte'), 'w');
  const labels = new Uint8Array(count);
  try {
    writeSync(fd, idxHeader([count, 28, 28]));
    const per = 8192;
    const buf = new Uint8Array(per * 784);
    for (let start = 0; start < count; start += per) {
      const n = Math.min(per, count - start);
      for (let k = 0; k < n; k++) {
        const i = start + k;
        const src = imgs.data.subarray((i % n0) * 784, (i % n0 + 1) * 784);
        const dst = buf.subarray(k * 784, (k + 1) * 784);
        if (i < n0) dst.set(src);
        else warp(src, dst, Math.round(rand() * 6 - 3), Math.round(rand() * 6 - 3), ((rand() * 30 - 15) * Math.PI) / 180);
        labels[i] = labs.data[i % n0];
      }
      writeSync(fd, buf, 0, n * 784);
    }
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(out, 'train-labels-idx1-ubyte'), Buffer.concat([idxHeader([count]), labels]));
  // the test split: MNIST's own
  const t = readIdx(join(mnistDir, 't10k-images-idx3-ubyte.gz'));
  const tl = readIdx(join(mnistDir, 't10k-labels-idx1-ubyte.gz'));
  writeFileSync(join(out, 't10k-images-idx3-ubyte'), Buffer.concat([idxHeader(t.dims), t.data]));
  writeFileSync(join(out, 't10k-labels-idx1-ubyte'), Buffer.concat([idxHeader(tl.dims), tl.data]));
}

export function makeCifar200k(mnistDir: string, out: string, trainPerBatch = 32_000, testCount = 40_000): void {
  mkdirSync(out, { recursive: true });
  const imgs = readIdx(join(mnistDir, 'train-images-idx3-ubyte.gz'));
  const labs = readIdx(join(mnistDir, 'train-labels-idx1-ubyte.gz'));
  const n0 = imgs.dims[0];
  const rand = mulberry32(32);
  let next = 0;
  const write = (name: string, count: number) => {
    const fd = openSync(join(out, name), 'w');
    try {
      const per = 1000;
      const rec = 3073;
      const buf = new Uint8Array(per * rec);
      for (let start = 0; start < count; start += per) {
        const n = Math.min(per, count - start);
        for (let k = 0; k < n; k++) {
          const i = next++ % n0;
          const base = k * rec;
          buf[base] = labs.data[i];
          const ink = [rand() * 255, rand() * 255, rand() * 255];
          const bg = [rand() * 255, rand() * 255, rand() * 255];
          for (let y = 0; y < 32; y++) {
            for (let x = 0; x < 32; x++) {
              const sy = y - 2;
              const sx = x - 2;
              const v = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? imgs.data[i * 784 + sy * 28 + sx] / 255 : 0;
              for (let ch = 0; ch < 3; ch++) buf[base + 1 + ch * 1024 + y * 32 + x] = Math.round(bg[ch] + (ink[ch] - bg[ch]) * v);
            }
          }
        }
        writeSync(fd, buf, 0, n * rec);
      }
    } finally {
      closeSync(fd);
    }
  };
  for (let b = 1; b <= 5; b++) write(`data_batch_${b}.bin`, trainPerBatch);
  write('test_batch.bin', testCount);
  writeFileSync(join(out, 'batches.meta.txt'), ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'].join('\n') + '\n');
}

if (process.argv[1]?.endsWith('make-scale-sets.ts')) {
  const [out, ...which] = process.argv.slice(2);
  const mnist = join(process.env.RPR_DATASETS ?? join(import.meta.dirname, '../../../shared/datasets'), 'mnist');
  if (!out) throw new Error('usage: make-scale-sets.ts <out> [mnist1m|cifar200k]...');
  if (which.length === 0 || which.includes('mnist1m')) makeMnist1m(mnist, join(out, 'mnist1m'));
  if (which.length === 0 || which.includes('cifar200k')) makeCifar200k(mnist, join(out, 'cifar200k'));
}
