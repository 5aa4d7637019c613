/**
 * ImageFolder import decoded by sharp: a folder of mixed-size JPEG/PNG/WebP files (generated
 * here with sharp) imports at a chosen size and fit; PNG and lossless WebP files already of the
 * target size decode to exactly the pixels written; 16-bit, palette, interlaced and alpha PNGs
 * import correctly; a same-size gray folder imports unresized as 1 channel; without sharp the
 * pure decoders take over and the dataset says so.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImportedDataset } from '../../src-main/core/dataset';
import { encodePng } from '../../src-main/core/png';
import { importDataset } from '../../src-main/services/importers/index';
import { resetSharpForTests } from '../../src-main/services/native/sharp-loader';

let tmp: string;
let n = 0;
const fresh = () => {
  const d = join(tmp, `case${n++}`);
  mkdirSync(d);
  return d;
};

function pixels(w: number, h: number, c: number, seed: number): Buffer {
  const b = Buffer.alloc(w * h * c);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 17 + ((i * i) >> 4)) & 0xff;
  return b;
}

const raw = (w: number, h: number, c: 1 | 3 | 4) => ({ raw: { width: w, height: h, channels: c } });

async function put(dir: string, rel: string, bytes: Uint8Array | Buffer): Promise<void> {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), bytes);
}

/** The pixels of the image whose origin is `rel`. */
function imageOf(ds: ImportedDataset, rel: string): Uint8Array {
  const size = ds.shape.height * ds.shape.width * ds.shape.channels;
  for (const s of ds.splits) {
    const i = s.origins?.indexOf(rel) ?? -1;
    if (i >= 0) return s.images.data.subarray(i * size, (i + 1) * size);
  }
  throw new Error(`no image ${rel}`);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rpr-import-images-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env.RPR_NO_SHARP;
  resetSharpForTests();
});

describe('mixed sizes and formats at a chosen size and fit', () => {
  let root: string;
  const exactPng = pixels(16, 16, 3, 1);
  const exactWebp = pixels(16, 16, 3, 2);

  beforeAll(async () => {
    root = fresh();
    await put(root, 'cat/a-exact.png', await sharp(exactPng, raw(16, 16, 3)).png().toBuffer());
    await put(root, 'cat/b-wide.jpg', await sharp(pixels(40, 20, 3, 3), raw(40, 20, 3)).jpeg({ quality: 90 }).toBuffer());
    await put(root, 'cat/c-tall.webp', await sharp(pixels(10, 30, 3, 4), raw(10, 30, 3)).webp({ quality: 80 }).toBuffer());
    await put(root, 'dog/a-exact.webp', await sharp(exactWebp, raw(16, 16, 3)).webp({ lossless: true }).toBuffer());
    await put(root, 'dog/b-big.png', await sharp(pixels(64, 48, 3, 5), raw(64, 48, 3)).png().toBuffer());
    await put(root, 'dog/c-small.jpg', await sharp(pixels(8, 8, 3, 6), raw(8, 8, 3)).jpeg().toBuffer());
  });

  it('refuses mixed sizes without a target size, saying how to choose one', async () => {
    await expect(importDataset(root)).rejects.toThrow(/mixed image sizes: .*choose a target size and fit/);
  });

  it.each(['resize', 'crop', 'pad'] as const)('fit %s: every image becomes 16x16x3; exact-size PNG and lossless WebP keep their pixels', async (fit) => {
    const ds = await importDataset(root, { size: { width: 16, height: 16 }, fit });
    expect(ds.shape).toEqual({ height: 16, width: 16, channels: 3 });
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.splits[0].images.count).toBe(6);
    expect(Buffer.compare(imageOf(ds, 'cat/a-exact.png'), exactPng)).toBe(0);
    expect(Buffer.compare(imageOf(ds, 'dog/a-exact.webp'), exactWebp)).toBe(0);
    expect(ds.warnings).toEqual([]);
  });

  it('the fits differ as they should: pad leaves black bars on a wide image, crop and resize fill it', async () => {
    const rows = async (fit: 'resize' | 'crop' | 'pad') => {
      const ds = await importDataset(root, { size: { width: 16, height: 16 }, fit });
      const img = imageOf(ds, 'cat/b-wide.jpg');
      return { top: img.subarray(0, 16 * 3), middle: img.subarray(8 * 16 * 3, 9 * 16 * 3) };
    };
    const pad = await rows('pad');
    expect(pad.top.every((v) => v === 0)).toBe(true); // 40x20 → 16x8 centred: rows 0..3 are bars
    expect(pad.middle.some((v) => v !== 0)).toBe(true);
    for (const fit of ['resize', 'crop'] as const) expect((await rows(fit)).top.some((v) => v !== 0)).toBe(true);
  });

  it('colour gray turns the set into 1 channel', async () => {
    const ds = await importDataset(root, { size: { width: 8, height: 8 }, fit: 'crop', color: 'gray' });
    expect(ds.shape).toEqual({ height: 8, width: 8, channels: 1 });
  });
});

describe('PNG variants import correctly', () => {
  it('16-bit, palette, interlaced and alpha PNGs', async () => {
    const root = fresh();
    const rgb = pixels(12, 10, 3, 7);
    // 16-bit: the 8-bit values scaled by 257 come back exactly
    await put(root, 'a/deep16.png', await sharp(rgb, raw(12, 10, 3)).toColourspace('rgb16').png().toBuffer());
    // palette of 4 colours: quantisation keeps them exactly
    const four = Buffer.alloc(12 * 10 * 3);
    const colours = [
      [255, 0, 0],
      [0, 128, 255],
      [20, 200, 40],
      [250, 250, 250],
    ];
    for (let p = 0; p < 120; p++) four.set(colours[(p * 7) % 4], p * 3);
    await put(root, 'a/palette.png', await sharp(four, raw(12, 10, 3)).png({ palette: true, colours: 4, dither: 0 }).toBuffer());
    // Adam7 interlaced
    await put(root, 'b/interlaced.png', await sharp(rgb, raw(12, 10, 3)).png({ progressive: true }).toBuffer());
    // RGBA: composited on black, v·a/255
    const rgba = pixels(12, 10, 4, 8);
    await put(root, 'b/alpha.png', await sharp(rgba, raw(12, 10, 4)).png().toBuffer());
    const ds = await importDataset(root);
    expect(ds.shape).toEqual({ height: 10, width: 12, channels: 3 });
    expect(Buffer.compare(imageOf(ds, 'a/deep16.png'), rgb)).toBe(0);
    expect(Buffer.compare(imageOf(ds, 'a/palette.png'), four)).toBe(0);
    expect(Buffer.compare(imageOf(ds, 'b/interlaced.png'), rgb)).toBe(0);
    const want = new Uint8Array(120 * 3);
    for (let p = 0; p < 120; p++) for (let c = 0; c < 3; c++) want[p * 3 + c] = Math.round((rgba[p * 4 + c] * rgba[p * 4 + 3]) / 255);
    expect(Buffer.compare(imageOf(ds, 'b/alpha.png'), want)).toBe(0);
  });

  it('a same-size gray folder imports unresized as 1 channel, pixel-exact (8- and 16-bit)', async () => {
    const root = fresh();
    const g = pixels(9, 7, 1, 9);
    await put(root, 'x/g8.png', await sharp(g, raw(9, 7, 1)).toColourspace('b-w').png().toBuffer());
    await put(root, 'y/g16.png', await sharp(g, raw(9, 7, 1)).toColourspace('grey16').png().toBuffer());
    const ds = await importDataset(root);
    expect(ds.shape).toEqual({ height: 7, width: 9, channels: 1 });
    expect(Buffer.compare(imageOf(ds, 'x/g8.png'), g)).toBe(0);
    expect(Buffer.compare(imageOf(ds, 'y/g16.png'), g)).toBe(0);
  });
});

describe('without sharp', () => {
  it('falls back to the pure PNG/JPEG decoders and warns on the dataset; resizing needs sharp', async () => {
    process.env.RPR_NO_SHARP = '1';
    resetSharpForTests();
    const root = fresh();
    const g = pixels(6, 5, 1, 10);
    await put(root, 'a/one.png', encodePng({ width: 6, height: 5, channels: 1, data: g }));
    await put(root, 'b/two.png', encodePng({ width: 6, height: 5, channels: 1, data: g }));
    const ds = await importDataset(root);
    expect(Buffer.compare(imageOf(ds, 'a/one.png'), g)).toBe(0);
    expect(ds.warnings.join()).toMatch(/decoded with the built-in PNG\/JPEG decoders because sharp \(libvips\) could not be loaded \(disabled by RPR_NO_SHARP=1\)/);
    await expect(importDataset(root, { size: { width: 3, height: 3 } })).rejects.toThrow(/resizing to 3x3 needs sharp/);
  });
});
