/** `rpr import` with the image-folder options (--size, --fit, --color) and CIFAR folders, through the built CLI. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;
const rpr = (...args: string[]) => spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), ...args], { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') }, encoding: 'utf8' });

beforeAll(async () => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-cli-images-'));
  const px = (w: number, h: number, s: number) => Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * s) & 255));
  mkdirSync(join(tmp, 'photos', 'cat'), { recursive: true });
  mkdirSync(join(tmp, 'photos', 'dog'), { recursive: true });
  await sharp(px(20, 10, 3), { raw: { width: 20, height: 10, channels: 3 } }).png().toFile(join(tmp, 'photos', 'cat', 'a.png'));
  await sharp(px(30, 30, 5), { raw: { width: 30, height: 30, channels: 3 } }).webp().toFile(join(tmp, 'photos', 'dog', 'b.webp'));
  await sharp(px(12, 40, 7), { raw: { width: 12, height: 40, channels: 3 } }).jpeg().toFile(join(tmp, 'photos', 'dog', 'c.jpg'));
  mkdirSync(join(tmp, 'cifar'));
  const rec = (l: number) => Buffer.concat([Buffer.of(l), px(32, 32, l + 1)]);
  writeFileSync(join(tmp, 'cifar', 'data_batch_1.bin'), Buffer.concat([rec(1), rec(2), rec(3)]));
  writeFileSync(join(tmp, 'cifar', 'test_batch.bin'), rec(4));
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('rpr import options', () => {
  it('--size 24x16 --fit crop --color gray imports a mixed folder at that size', () => {
    const r = rpr('import', join(tmp, 'photos'), '--size', '24x16', '--fit', 'crop', '--color', 'gray', '--workspace', join(tmp, 'ws'), '--json', join(tmp, 'p.json'));
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(join(tmp, 'p.json'), 'utf8'));
    expect(out.shape).toEqual({ height: 16, width: 24, channels: 1 });
    expect(out.splits[0].count).toBe(3);
  });

  it('without --size a mixed folder is refused with a hint; bad option values are usage errors', () => {
    const r = rpr('import', join(tmp, 'photos'), '--workspace', join(tmp, 'ws'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/mixed image sizes.*--size WxH --fit resize\|crop\|pad/);
    expect(rpr('import', join(tmp, 'photos'), '--size', '32', '--workspace', join(tmp, 'ws')).stderr).toMatch(/--size must be WIDTHxHEIGHT/);
    expect(rpr('import', join(tmp, 'photos'), '--size', '8x8', '--fit', 'zoom', '--workspace', join(tmp, 'ws')).stderr).toMatch(/--fit must be resize, crop or pad/);
  });

  it('imports a CIFAR-10 binary folder (auto-detected) as 32x32x3', () => {
    const r = rpr('import', join(tmp, 'cifar'), '--workspace', join(tmp, 'ws'), '--json', join(tmp, 'c.json'));
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(join(tmp, 'c.json'), 'utf8'));
    expect(out.sourceKind).toBe('cifar');
    expect(out.shape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(out.splits.map((s: { name: string; count: number }) => [s.name, s.count])).toEqual([
      ['train', 3],
      ['test', 1],
    ]);
  });
});
