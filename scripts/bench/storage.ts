/**
 * `npm run bench -- store export-speed`: the figures two tests used to assert as wall-clock
 * ceilings (test/integration/store.test.ts "scale", test/integration/export.test.ts "speed").
 * The tests keep checking what the code produces; the times are printed here, and saved.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportedDataset } from '../../src-main/core/dataset';
import { exportImages } from '../../src-main/services/export';
import { openWorkspace } from '../../src-main/store/workspace';
import { pattern } from '../../test/helpers/fixtures';

const SHAPE = { height: 28, width: 28, channels: 1 as const };
const SIZE = 784;

/** A 70k × 784 dataset into a fresh workspace: insert, reopen, list + columns, read the train pixels. */
export function storeScaleBench(): Record<string, number> {
  const tmp = mkdtempSync(join(tmpdir(), 'rpr-bench-store-'));
  try {
    const mk = (name: string, n: number) => {
      const data = new Uint8Array(n * SIZE);
      for (let i = 0; i < data.length; i += 97) data[i] = i & 255;
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) labels[i] = i % 10;
      return { name, images: { shape: SHAPE, count: n, data }, labels, origin: `${name}.idx`, origins: null };
    };
    const imported: ImportedDataset = { kind: 'idx', sourcePath: '/data/big', shape: SHAPE, classNames: Array.from({ length: 10 }, (_, i) => String(i)), splits: [mk('train', 60000), mk('test', 10000)], warnings: [] };
    let ws = openWorkspace(join(tmp, 'ws'), { create: true });
    let t = performance.now();
    const s = ws.datasets.insert(imported, 'big');
    const insertMs = performance.now() - t;
    ws.close();
    t = performance.now();
    ws = openWorkspace(join(tmp, 'ws'));
    const openMs = performance.now() - t;
    t = performance.now();
    ws.datasets.list();
    ws.datasets.columns(s.id);
    const listColumnsMs = performance.now() - t;
    t = performance.now();
    ws.datasets.readImages(s.id, 'train', 0, 60000);
    const pixelsMs = performance.now() - t;
    ws.close();
    console.log(`store, 70k x 784: insert ${insertMs.toFixed(0)} ms, open ${openMs.toFixed(0)} ms, list+columns ${listColumnsMs.toFixed(0)} ms, read train pixels ${pixelsMs.toFixed(0)} ms`);
    return { insertMs, openMs, listColumnsMs, pixelsMs };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** 42,000 digit-like 28×28 images to IDX, and a tenth of them to ImageFolder (PNG files). */
export async function exportSpeedBench(): Promise<Record<string, number>> {
  const tmp = mkdtempSync(join(tmpdir(), 'rpr-bench-export-'));
  try {
    const count = 42_000;
    const data = new Uint8Array(count * SIZE);
    // a dark border and noisy strokes, so deflate works about as hard as on MNIST
    const distinct = Array.from({ length: 997 }, (_, i) => pattern(SIZE, i).map((v, p) => (p % 28 < 4 || p % 28 > 23 || p < 112 || p >= 672 ? 0 : v)));
    for (let i = 0; i < count; i++) data.set(distinct[i % distinct.length], i * SIZE);
    const images = { shape: SHAPE, count, data };
    const items = Array.from({ length: count }, (_, i) => ({ index: i, label: i % 10, steps: 250, robust: 1 as const }));
    const base = { shape: SHAPE, classNames: Array.from({ length: 10 }, (_, i) => String(i)), split: 'train', images };
    let t = performance.now();
    await exportImages({ ...base, outDir: join(tmp, 'idx'), format: 'idx', items });
    const idxSeconds = (performance.now() - t) / 1000;
    const tenth = items.slice(0, count / 10);
    t = performance.now();
    await exportImages({ ...base, outDir: join(tmp, 'folder'), format: 'imagefolder', items: tenth });
    const folderSeconds = (performance.now() - t) / 1000;
    const files = readdirSync(join(tmp, 'folder', '0')).length;
    console.log(`export: IDX ${count} images ${idxSeconds.toFixed(2)} s; ImageFolder ${tenth.length} images ${folderSeconds.toFixed(2)} s (${Math.round(tenth.length / folderSeconds)} images/s, ${files} files in class 0)`);
    return { idxImages: count, idxSeconds, folderImages: tenth.length, folderSeconds, folderImagesPerSec: tenth.length / folderSeconds };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
