/**
 * A seeded large CSV for the scale bench (written at bench time into a temp folder, never
 * committed): `count` rows of `label,pixel0,…,pixel783` (a header like Kaggle's MNIST CSV), each
 * an MNIST training image (cycled) shifted by a seeded (dx, dy) in ±2 px; the first 60,000 rows
 * are MNIST itself. 200,000 rows make about 400 MB of text.
 * Usage: npx tsx scripts/bench/make-csv-set.ts <out.csv> [count]
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mulberry32 } from '../../src-main/core/mulberry32';

function readIdxGz(path: string): { count: number; data: Uint8Array } {
  const b = gunzipSync(readFileSync(path));
  const nd = b[3];
  return { count: b.readUInt32BE(4), data: new Uint8Array(b.buffer, b.byteOffset + 4 + 4 * nd, b.length - 4 - 4 * nd) };
}

/** Writes the CSV; returns its size in bytes. */
export function makeCsv200k(mnistDir: string, outFile: string, count = 200_000): number {
  mkdirSync(dirname(outFile), { recursive: true });
  const imgs = readIdxGz(join(mnistDir, 'train-images-idx3-ubyte.gz'));
  const labs = readIdxGz(join(mnistDir, 'train-labels-idx1-ubyte.gz'));
  const n0 = imgs.count;
  const rand = mulberry32(20261202);
  const fd = openSync(outFile, 'w');
  try {
    writeSync(fd, `label,${Array.from({ length: 784 }, (_, i) => `pixel${i}`).join(',')}\n`);
    const cells = new Array<number>(785);
    let batch: string[] = [];
    for (let i = 0; i < count; i++) {
      const src = (i % n0) * 784;
      const dx = i < n0 ? 0 : Math.floor(rand() * 5) - 2;
      const dy = i < n0 ? 0 : Math.floor(rand() * 5) - 2;
      cells[0] = labs.data[i % n0];
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const sx = x - dx;
          const sy = y - dy;
          cells[1 + y * 28 + x] = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? imgs.data[src + sy * 28 + sx] : 0;
        }
      }
      batch.push(cells.join(','));
      if (batch.length === 1000 || i === count - 1) {
        writeSync(fd, batch.join('\n') + '\n');
        batch = [];
      }
    }
  } finally {
    closeSync(fd);
  }
  return statSync(outFile).size;
}

if (process.argv[1] && process.argv[1].endsWith('make-csv-set.ts')) {
  const [out, count] = process.argv.slice(2);
  if (!out) throw new Error('usage: make-csv-set.ts <out.csv> [count]');
  const bytes = makeCsv200k(join(process.env.RPR_DATASETS ?? join(import.meta.dirname, '../../../shared/datasets'), 'mnist'), out, count ? Number(count) : undefined);
  console.log(`${out}: ${bytes} bytes`);
}
