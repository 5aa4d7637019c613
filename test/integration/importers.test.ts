import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, InputError } from '../../src-main/core/errors';
import { gzip } from '../../src-main/core/gzip';
import { encodeIdx } from '../../src-main/core/idx';
import { encodePng } from '../../src-main/core/png';
import { detectFormat, importDataset } from '../../src-main/services/importers/index';
import { classCounts, csvText, idxHeader, jpegOf, makeTmpDir, pattern, pngOf, removeDir, writeAt, writeIdxSplit } from '../helpers/fixtures';
import { MNIST_SMALL } from '../helpers/paths';

let tmp: string;
let n = 0;
const fresh = () => join(tmp, `case${n++}`);

beforeAll(async () => {
  tmp = await makeTmpDir('rpr-importers-');
});
afterAll(async () => {
  await removeDir(tmp);
});

/** The InputError `p` rejects with; fails the test when it resolves or throws something else. */
async function inputError(p: Promise<unknown>): Promise<InputError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe('IDX import', () => {
  it('imports mnist-small with the published per-digit counts', async () => {
    const progress: number[][] = [];
    const ds = await importDataset(MNIST_SMALL, { onProgress: (d, t) => progress.push([d, t]) });
    expect(ds.kind).toBe('idx');
    expect(ds.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.splits.map((s) => s.name)).toEqual(['train', 'test']);
    const [train, test] = ds.splits;
    expect(train.images.count).toBe(1000);
    expect(train.images.data.length).toBe(1000 * 784);
    expect(classCounts(train.labels, 10)).toEqual([97, 116, 99, 93, 105, 92, 94, 117, 87, 100]);
    expect(test.images.count).toBe(500);
    expect(classCounts(test.labels, 10)).toEqual([42, 67, 55, 45, 55, 50, 43, 49, 40, 54]);
    expect(train.origin).toBe('train-images-idx3-ubyte.gz + train-labels-idx1-ubyte.gz');
    expect(train.origins).toBeNull();
    // first training image is a 5 (MNIST record 0) with ink in the middle
    expect(train.labels[0]).toBe(5);
    expect(train.images.data.subarray(0, 784).reduce((a, b) => a + b, 0)).toBe(27525);
    expect(progress.at(-1)).toEqual([1500, 1500]);
  });

  it('imports only the split asked for', async () => {
    const ds = await importDataset(MNIST_SMALL, { split: 'test' });
    expect(ds.splits.map((s) => s.name)).toEqual(['test']);
  });

  it('reads uncompressed files, the test- prefix, any size and idx4 RGB', async () => {
    const dir = fresh();
    const px = await writeIdxSplit(dir, { prefix: 'test', count: 3, height: 2, width: 5, channels: 3, labels: [0, 11, 4] });
    await writeIdxSplit(dir, { prefix: 'train', count: 2, height: 2, width: 5, channels: 3, labels: [1, 1], gz: true });
    expect(await detectFormat(dir)).toBe('idx');
    const ds = await importDataset(dir);
    expect(ds.shape).toEqual({ height: 2, width: 5, channels: 3 });
    expect(ds.classNames).toHaveLength(12);
    expect(ds.splits.map((s) => [s.name, s.images.count])).toEqual([
      ['train', 2],
      ['test', 3],
    ]);
    expect(ds.splits[1].images.data).toEqual(px);
  });

  it('images/labels count mismatch names both files', async () => {
    const dir = fresh();
    await writeIdxSplit(dir, { prefix: 'train', count: 3, height: 2, width: 2, labels: [0, 1], gz: true });
    const e = await inputError(importDataset(dir));
    expect(e.message).toMatch(/train-images-idx3-ubyte\.gz: images\/labels count mismatch: 3 images but .*train-labels-idx1-ubyte\.gz has 2 labels/);
  });

  it('truncated IDX names the file', async () => {
    const dir = fresh();
    await writeIdxSplit(dir, { prefix: 'train', count: 2, height: 2, width: 2, labels: [0, 1] });
    const full = encodeIdx([2, 2, 2], pattern(8, 1));
    await writeAt(dir, 'train-images-idx3-ubyte', full.subarray(0, full.length - 3));
    const e = await inputError(importDataset(dir));
    expect(e.message).toMatch(/train-images-idx3-ubyte: truncated: header declares 2x2x2 u8 \(8 bytes\) but only 5 bytes follow/);
  });

  it('wrong magic names the file', async () => {
    const dir = fresh();
    await writeIdxSplit(dir, { prefix: 't10k', count: 1, height: 2, width: 2, labels: [0], gz: true });
    await writeAt(dir, 't10k-labels-idx1-ubyte.gz', gzip(Uint8Array.from([0x12, 0x34, 8, 1, 0, 0, 0, 1, 0])));
    const e = await inputError(importDataset(dir));
    expect(e.message).toMatch(/t10k-labels-idx1-ubyte\.gz: wrong magic: .*12 34 08 01/);
  });

  it('dimensions that overflow the memory limit are refused before allocating', async () => {
    const dir = fresh();
    await writeIdxSplit(dir, { prefix: 'train', count: 1, height: 2, width: 2, labels: [0] });
    await writeAt(dir, 'train-images-idx3-ubyte', idxHeader([4000000, 1000, 1000]));
    const e = await inputError(importDataset(dir));
    expect(e.message).toMatch(/train-images-idx3-ubyte: declared dimensions 4000000x1000x1000 of u8 need 4000000000000 bytes, over the limit of 68719476736 bytes/);
    const e2 = await inputError(importDataset(MNIST_SMALL, { maxBytes: 100000 }));
    expect(e2.message).toMatch(/train-images-idx3-ubyte\.gz: .*over the limit of 100000 bytes/);
  });

  it('a .gz file that is not gzip names the file', async () => {
    const dir = fresh();
    await writeIdxSplit(dir, { prefix: 'train', count: 1, height: 2, width: 2, labels: [0], gz: true });
    await writeAt(dir, 'train-images-idx3-ubyte.gz', encodeIdx([1, 2, 2], pattern(4, 0)));
    const e = await inputError(importDataset(dir));
    expect(e.message).toMatch(/train-images-idx3-ubyte\.gz: not gzip: .*starts with 00 00 08 03/);
  });

  it('a lone images file without labels is named', async () => {
    const dir = fresh();
    await writeAt(dir, 'train-images-idx3-ubyte', encodeIdx([1, 1, 1], Uint8Array.of(0)));
    const e = await inputError(importDataset(dir));
    expect(e.message).toMatch(/train-images-idx3-ubyte: no matching labels file/);
  });

  it('honours cancellation', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(importDataset(MNIST_SMALL, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('ImageFolder import', () => {
  it('gray PNGs in train/ and test/ → two splits, sorted files, class ids by sorted folder name', async () => {
    const root = fresh();
    const a = pngOf(4, 3, 1, 1);
    const b = pngOf(4, 3, 1, 2);
    const c = pngOf(4, 3, 1, 3);
    await writeAt(root, 'train/cat/b.png', b.bytes);
    await writeAt(root, 'train/cat/a.png', a.bytes);
    await writeAt(root, 'train/ant/x.img', c.bytes); // recognised by magic, not extension
    await writeAt(root, 'train/cat/.DS_Store', 'junk');
    await writeAt(root, 'test/dog/z.png', a.bytes);
    await writeAt(root, 'README.txt', 'ignored');
    expect(await detectFormat(root)).toBe('imagefolder');
    const ds = await importDataset(root);
    expect(ds.kind).toBe('imagefolder');
    expect(ds.shape).toEqual({ height: 3, width: 4, channels: 1 });
    expect(ds.classNames).toEqual(['ant', 'cat', 'dog']);
    const [train, test] = ds.splits;
    expect(train.name).toBe('train');
    expect(train.origin).toBe('train/');
    expect(train.origins).toEqual(['train/ant/x.img', 'train/cat/a.png', 'train/cat/b.png']);
    expect(Array.from(train.labels)).toEqual([0, 1, 1]);
    expect(train.images.data).toEqual(Uint8Array.from([...c.pixels, ...a.pixels, ...b.pixels]));
    expect(test.name).toBe('test');
    expect(test.origins).toEqual(['test/dog/z.png']);
    expect(Array.from(test.labels)).toEqual([2]);
    expect(ds.warnings.some((w) => /split test has no images of classes ant, cat/.test(w))).toBe(true);
  });

  it('a root of class folders → split train; any colour image makes the set RGB (gray replicated, alpha on black)', async () => {
    const root = fresh();
    const gray = pngOf(2, 2, 1, 5);
    const rgb = new Uint8Array(2 * 2 * 3);
    for (let p = 0; p < 4; p++) rgb.set([250, 10, 10], 3 * p); // flat colour survives JPEG
    await writeAt(root, '0/g.png', gray.bytes);
    await writeAt(root, '1/c.jpg', jpegOf(2, 2, rgb));
    const ds = await importDataset(root);
    expect(ds.shape).toEqual({ height: 2, width: 2, channels: 3 });
    expect(ds.splits.map((s) => s.name)).toEqual(['train']);
    const data = ds.splits[0].images.data;
    expect(Array.from(data.subarray(0, 12))).toEqual(Array.from(gray.pixels).flatMap((v) => [v, v, v]));
    for (let i = 0; i < 12; i++) expect(Math.abs(data[12 + i] - rgb[i])).toBeLessThanOrEqual(3);
    expect(Array.from(ds.splits[0].labels)).toEqual([0, 1]);
  });

  it('RGB PNGs keep their pixels exactly', async () => {
    const root = fresh();
    const a = pngOf(3, 3, 3, 7);
    await writeAt(root, 'x/a.png', a.bytes);
    const ds = await importDataset(root, { format: 'imagefolder' });
    expect(ds.splits[0].images.data).toEqual(a.pixels);
  });

  it('non-image files → InputError listing the first few and the count', async () => {
    const root = fresh();
    await writeAt(root, 'a/ok.png', pngOf(2, 2, 1, 0).bytes);
    for (let i = 0; i < 7; i++) await writeAt(root, `b/note${i}.txt`, 'hello');
    const e = await inputError(importDataset(root));
    expect(e.file).toBe(root);
    expect(e.message).toMatch(/7 files are not PNG, JPEG, WebP, TIFF, GIF or AVIF images: b\/note0\.txt, b\/note1\.txt, b\/note2\.txt, b\/note3\.txt, b\/note4\.txt and 2 more/);
  });

  it('mixed sizes → InputError naming the odd files and the expected size', async () => {
    const root = fresh();
    await writeAt(root, 'a/1.png', pngOf(4, 4, 1, 0).bytes);
    await writeAt(root, 'a/2.png', pngOf(4, 4, 1, 1).bytes);
    await writeAt(root, 'b/3.png', encodePng({ width: 5, height: 4, channels: 1, data: new Uint8Array(20) }));
    const e = await inputError(importDataset(root));
    expect(e.message).toMatch(/mixed image sizes: expected 4x4 .* but 1 file differs: b\/3\.png \(5x4\)/);
  });

  it('a corrupt PNG is named by its relative path', async () => {
    const root = fresh();
    const bytes = pngOf(2, 2, 1, 0).bytes.slice();
    bytes[20] ^= 1;
    await writeAt(root, 'a/bad.png', bytes);
    const e = await inputError(importDataset(root));
    expect(e.message).toMatch(/^a\/bad\.png: corrupt PNG: CRC mismatch/);
  });
});

describe('CSV import', () => {
  const rows = [
    { label: 1, pixels: [0, 255, 3, 4], split: 'train' },
    { label: 0, pixels: [9, 8, 7, 6], split: 'test' },
    { label: 2, pixels: [1, 2, 3, 200], split: 'train' },
  ];

  it('a file without header → split train', async () => {
    const file = await writeAt(fresh(), 'data.csv', csvText(rows));
    expect(await detectFormat(file)).toBe('csv');
    const ds = await importDataset(file);
    expect(ds.kind).toBe('csv');
    expect(ds.shape).toEqual({ height: 2, width: 2, channels: 1 });
    expect(ds.classNames).toEqual(['0', '1', '2']);
    expect(ds.splits).toHaveLength(1);
    expect(ds.splits[0].name).toBe('train');
    expect(Array.from(ds.splits[0].labels)).toEqual([1, 0, 2]);
    expect(Array.from(ds.splits[0].images.data)).toEqual(rows.flatMap((r) => r.pixels));
  });

  it('a file with header goes to opts.split', async () => {
    const file = await writeAt(fresh(), 'x.csv', csvText(rows, { header: true }));
    const ds = await importDataset(file, { split: 'holdout' });
    expect(ds.splits.map((s) => [s.name, s.images.count])).toEqual([['holdout', 3]]);
  });

  it('a split column makes one split per value', async () => {
    const file = await writeAt(fresh(), 'x.csv', csvText(rows, { header: true, splitColumn: true }));
    const ds = await importDataset(file);
    expect(ds.splits.map((s) => [s.name, Array.from(s.labels)])).toEqual([
      ['train', [1, 2]],
      ['test', [0]],
    ]);
    expect(Array.from(ds.splits[0].images.data)).toEqual([0, 255, 3, 4, 1, 2, 3, 200]);
  });

  it('a folder of train.csv and test.csv → two splits; [0,1] values scaled with a warning', async () => {
    const dir = fresh();
    await writeAt(dir, 'train.csv', 'label,a,b,c,d\n1,0,0.5,1,1\n');
    await writeAt(dir, 'test.csv', 'label,a,b,c,d\n0,1,1,0,0\n');
    expect(await detectFormat(dir)).toBe('csv');
    const ds = await importDataset(dir);
    expect(ds.splits.map((s) => s.name)).toEqual(['train', 'test']);
    expect(Array.from(ds.splits[0].images.data)).toEqual([0, 128, 255, 255]);
    expect(ds.warnings).toHaveLength(2);
    expect(ds.warnings.filter((w) => /(train|test)\.csv: every pixel value is at most 1\.0/.test(w))).toHaveLength(2);
  });

  it('ragged rows → InputError naming the file and the line', async () => {
    const file = await writeAt(fresh(), 'r.csv', '1,2,3,4,5\n1,2,3,4\n');
    const e = await inputError(importDataset(file));
    expect(e.file).toBe(file);
    expect(e.message).toMatch(/r\.csv: line 2: ragged row: 4 columns, expected 5/);
  });

  it('non-numeric pixels → InputError naming the file, line and column', async () => {
    const file = await writeAt(fresh(), 'n.csv', 'label,a,b,c,d\n1,2,3,4,5\n1,2,3,four,5\n');
    const e = await inputError(importDataset(file));
    expect(e.message).toMatch(/n\.csv: line 3, column 4 \(c\): non-numeric pixel value "four"/);
  });
});

describe('format detection', () => {
  it('a missing path or an unrecognised folder is an InputError', async () => {
    const missing = join(tmp, 'nope');
    expect((await inputError(importDataset(missing))).message).toMatch(/nope: no such file or folder/);
    const dir = fresh();
    await writeAt(dir, 'notes.txt', 'x');
    expect((await inputError(importDataset(dir))).message).toMatch(/not a recognised dataset folder/);
  });
});
