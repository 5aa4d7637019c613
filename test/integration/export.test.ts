/**
 * The export service: round trips through the importers (IDX, ImageFolder), CSV / JSONL
 * manifests, refusals (non-empty, missing, read-only targets), disk full and cancellation
 * leaving nothing behind, and the speed of a large export.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportedDataset, ImportedSplit } from '../../src-main/core/dataset';
import { seededSample } from '../../src-main/core/curation';
import { CancelledError, InputError } from '../../src-main/core/errors';
import { maybeGunzip } from '../../src-main/core/gzip';
import type { RawImages } from '../../src-main/core/image';
import { decodePng } from '../../src-main/core/png';
import { MANIFEST_COLUMNS, checkExportTarget, exportImages, safeName } from '../../src-main/services/export';
import type { ExportItem, ExportOptions } from '../../src-main/services/export';
import { importDataset } from '../../src-main/services/importers/index';
import type * as fsutil from '../../src-main/store/fsutil';
import { probeWritable } from '../../src-main/store/fsutil';
import { makeTmpDir, pattern, removeDir } from '../helpers/fixtures';
import { MNIST_SMALL } from '../helpers/paths';

// the real probe, replaceable per test to simulate a read-only place
vi.mock('../../src-main/store/fsutil', async (importOriginal) => {
  const real = await importOriginal<typeof fsutil>();
  return { ...real, probeWritable: vi.fn(real.probeWritable) };
});

const SHAPE = { height: 28, width: 28, channels: 1 as const };
const SIZE = 784;
const META = { scheme: { name: 'paper' as const, params: { k: 28 } }, k: 28, maxSteps: 250, seed: 12345, modelHash: 'sha256:0f1e2d3c4b5a' };
const PER_CLASS = 40;

let tmp: string;
let n = 0;
const fresh = () => join(tmp, `case${n++}`);

let ds: ImportedDataset;
let train: ImportedSplit;
let test: ImportedSplit;
let curated: ExportItem[];

/** Deterministic scores: every third image robust (250 steps), the rest fooled at 1..249. */
function scored(index: number, label: number): ExportItem {
  return index % 3 === 0 ? { index, label, steps: 250, robust: 1 } : { index, label, steps: 1 + ((index * 7) % 249), robust: 0 };
}

beforeAll(async () => {
  tmp = await makeTmpDir('rpr-export-');
  ds = await importDataset(MNIST_SMALL);
  [train, test] = ds.splits;
  // a seeded class-balanced subset of the train split, ascending like a curated set
  const members: number[] = [];
  for (let c = 0; c < 10; c++) {
    const ofClass: number[] = [];
    train.labels.forEach((l, i) => l === c && ofClass.push(i));
    members.push(...seededSample(ofClass, PER_CLASS, 7, 'curation', c));
  }
  members.sort((a, b) => a - b);
  curated = members.map((i) => scored(i, train.labels[i]));
});
afterAll(async () => {
  await removeDir(tmp);
});
beforeEach(() => {
  vi.mocked(probeWritable).mockClear();
});

function baseOptions(outDir: string, over: Partial<ExportOptions> = {}): ExportOptions {
  return { outDir, format: 'idx', shape: SHAPE, classNames: ds.classNames, split: 'train', images: train.images, items: curated, meta: META, ...over };
}

function pixelsOf(images: RawImages, i: number): Uint8Array {
  const size = images.shape.height * images.shape.width * images.shape.channels;
  return images.data.subarray(i * size, (i + 1) * size);
}

/** RFC 4180 CSV (quoted cells may hold commas, quotes, line breaks) → header-keyed rows. */
function parseCsvRows(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  expect(cell).toBe(''); // the file ends with a newline
  const [header, ...body] = rows;
  expect(header).toEqual([...MANIFEST_COLUMNS]);
  for (const r of body) expect(r.length).toBe(header.length);
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** The manifest row (as CSV strings) the curated item should give. */
function expectedCsvRow(it: ExportItem, file: string): Record<string, string> {
  return {
    file,
    label: String(it.label),
    split: 'train',
    id: `train/${it.index}`,
    rpr_steps: String(it.steps),
    robust: String(it.robust),
    scheme: 'paper',
    scheme_params: '{"k":28}',
    k: '28',
    max_steps: '250',
    seed: '12345',
    model_hash: 'sha256:0f1e2d3c4b5a',
  };
}

/** Entries of `dir` that look like leftovers of an export (temp folders). */
function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((e) => e.includes('.tmp-rpr-'));
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

/** A writer that fails like a full disk once `after` files have been written. */
function fullDiskAfter(after: number): { writeFile: NonNullable<ExportOptions['writeFile']>; written: () => number } {
  let count = 0;
  return {
    written: () => count,
    writeFile: (path, data) => {
      if (count >= after) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      fs.writeFileSync(path, data);
      count++;
    },
  };
}

describe('round trip through the importers', () => {
  it('the curated set is what the test means it to be', () => {
    expect(curated.length).toBe(10 * PER_CLASS);
    const perClass = new Array<number>(10).fill(0);
    for (const it of curated) perClass[it.label]++;
    expect(perClass).toEqual(new Array<number>(10).fill(PER_CLASS));
    expect(curated.filter((it) => it.robust === 1).length).toBeGreaterThan(100);
  });

  it('IDX: re-imports to the same images, labels and counts; t10k is the test split byte for byte; the manifest matches', async () => {
    const out = fresh();
    const progress: number[][] = [];
    const res = await exportImages(baseOptions(out, { testSplit: { images: test.images, labels: test.labels }, onProgress: (d, t) => progress.push([d, t]) }));
    expect(res).toEqual({
      path: out,
      format: 'idx',
      count: 400,
      files: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'manifest.csv'],
    });
    expect(fs.readdirSync(out).sort()).toEqual([...res.files].sort());
    expect(leftovers(tmp)).toEqual([]);
    expect(progress.at(-1)).toEqual([5, 5]);

    const back = await importDataset(out);
    expect(back.kind).toBe('idx');
    expect(back.shape).toEqual(SHAPE);
    expect(back.classNames).toEqual(ds.classNames);
    expect(back.splits.map((s) => [s.name, s.images.count])).toEqual([
      ['train', 400],
      ['test', 500],
    ]);
    const [btrain, btest] = back.splits;
    const wantPixels = new Uint8Array(400 * SIZE);
    curated.forEach((it, r) => wantPixels.set(pixelsOf(train.images, it.index), r * SIZE));
    expect(Buffer.compare(btrain.images.data, wantPixels)).toBe(0);
    expect(Array.from(btrain.labels)).toEqual(curated.map((it) => it.label));
    expect(Buffer.compare(btest.images.data, test.images.data)).toBe(0);
    expect(Buffer.compare(btest.labels, test.labels)).toBe(0);

    // the t10k files hold the published test files' bytes exactly (the gzip wrapping may differ)
    for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      const mine = maybeGunzip(fs.readFileSync(join(out, f)), f);
      const orig = maybeGunzip(fs.readFileSync(join(MNIST_SMALL, f)), f);
      expect(mine.length).toBe(orig.length);
      expect(Buffer.compare(mine, orig)).toBe(0);
    }

    const rows = parseCsvRows(fs.readFileSync(join(out, 'manifest.csv'), 'utf8'));
    expect(rows).toEqual(curated.map((it, r) => expectedCsvRow(it, `train-images-idx3-ubyte.gz#${r}`)));
  });

  it('IDX keeps the order of the items it is given (record r = item r)', async () => {
    const out = fresh();
    const reversed = curated.slice(0, 25).reverse();
    await exportImages(baseOptions(out, { items: reversed }));
    const back = await importDataset(out);
    expect(back.splits.map((s) => s.name)).toEqual(['train']); // no testSplit, no t10k
    const [b] = back.splits;
    reversed.forEach((it, r) => expect(Buffer.compare(pixelsOf(b.images, r), pixelsOf(train.images, it.index))).toBe(0));
    expect(Array.from(b.labels)).toEqual(reversed.map((it) => it.label));
  });

  it('ImageFolder: re-imports to the same images, labels and counts, matched through the manifest', async () => {
    const out = fresh();
    const res = await exportImages(baseOptions(out, { format: 'imagefolder' }));
    expect(res.count).toBe(400);
    expect(fs.readdirSync(out).sort()).toEqual([...ds.classNames, 'manifest.csv'].sort());
    for (let c = 0; c < 10; c++) expect(fs.readdirSync(join(out, String(c))).length).toBe(PER_CLASS);
    expect(leftovers(tmp)).toEqual([]);

    const back = await importDataset(out);
    expect(back.kind).toBe('imagefolder');
    expect(back.shape).toEqual(SHAPE);
    expect(back.classNames).toEqual(ds.classNames);
    expect(back.splits.length).toBe(1);
    const [b] = back.splits;
    expect(b.images.count).toBe(400);

    const rows = parseCsvRows(fs.readFileSync(join(out, 'manifest.csv'), 'utf8'));
    expect(rows.length).toBe(400);
    const byFile = new Map(rows.map((r) => [r.file, r]));
    expect(byFile.size).toBe(400);
    const seen = new Set<number>();
    (b.origins as string[]).forEach((file, j) => {
      const row = byFile.get(file);
      expect(row, file).toBeDefined();
      const index = Number((row as Record<string, string>).id.split('/')[1]);
      seen.add(index);
      expect(Buffer.compare(pixelsOf(b.images, j), pixelsOf(train.images, index)), file).toBe(0);
      expect(back.classNames[b.labels[j]]).toBe(ds.classNames[train.labels[index]]);
      expect(file.split('/')[0]).toBe(ds.classNames[train.labels[index]]);
    });
    expect([...seen].sort((x, y) => x - y)).toEqual(curated.map((it) => it.index));
    // rows in item order, each matching its curated item exactly
    expect(rows).toEqual(curated.map((it) => expectedCsvRow(it, `${it.label}/train-${String(it.index).padStart(3, '0')}.png`)));
  });
});

describe('CSV and JSONL manifests', () => {
  it('csv: PNGs under images/<class>/ and a manifest that parses back to the curated set', async () => {
    const out = fresh();
    const res = await exportImages(baseOptions(out, { format: 'csv' }));
    expect(res.files).toEqual(['images/<class>/*.png', 'manifest.csv']);
    expect(fs.readdirSync(out).sort()).toEqual(['images', 'manifest.csv']);
    const rows = parseCsvRows(fs.readFileSync(join(out, 'manifest.csv'), 'utf8'));
    expect(rows).toEqual(curated.map((it) => expectedCsvRow(it, `images/${it.label}/train-${String(it.index).padStart(3, '0')}.png`)));
    for (const [r, it] of curated.entries()) {
      const img = decodePng(fs.readFileSync(join(out, rows[r].file)), rows[r].file);
      expect([img.width, img.height, img.channels]).toEqual([28, 28, 1]);
      expect(Buffer.compare(img.data, pixelsOf(train.images, it.index))).toBe(0);
    }
  });

  it('jsonl: one typed object per line, numbers as numbers, scheme_params as an object', async () => {
    const out = fresh();
    const res = await exportImages(baseOptions(out, { format: 'jsonl' }));
    expect(res.files).toEqual(['images/<class>/*.png', 'manifest.jsonl']);
    const text = fs.readFileSync(join(out, 'manifest.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(400);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objs) expect(Object.keys(o)).toEqual([...MANIFEST_COLUMNS]);
    expect(objs).toEqual(
      curated.map((it) => ({
        file: `images/${it.label}/train-${String(it.index).padStart(3, '0')}.png`,
        label: it.label,
        split: 'train',
        id: `train/${it.index}`,
        rpr_steps: it.steps,
        robust: it.robust,
        scheme: 'paper',
        scheme_params: { k: 28 },
        k: 28,
        max_steps: 250,
        seed: 12345,
        model_hash: 'sha256:0f1e2d3c4b5a',
      })),
    );
    for (const o of objs.slice(0, 20)) expect(fs.existsSync(join(out, o.file as string))).toBe(true);
  });

  it('a set without scores or run metadata gives empty CSV cells and JSON nulls', async () => {
    const items = curated.slice(0, 3).map(({ index, label }) => ({ index, label }));
    const csvOut = fresh();
    await exportImages(baseOptions(csvOut, { format: 'csv', items, meta: undefined }));
    const rows = parseCsvRows(fs.readFileSync(join(csvOut, 'manifest.csv'), 'utf8'));
    expect(rows[0]).toEqual({ ...expectedCsvRow(curated[0], rows[0].file), rpr_steps: '', robust: '', scheme: '', scheme_params: '', k: '', max_steps: '', seed: '', model_hash: '' });
    const jsonOut = fresh();
    await exportImages(baseOptions(jsonOut, { format: 'jsonl', items, meta: undefined }));
    const first = JSON.parse(fs.readFileSync(join(jsonOut, 'manifest.jsonl'), 'utf8').split('\n')[0]) as Record<string, unknown>;
    expect(first).toMatchObject({ label: items[0].label, id: `train/${items[0].index}`, rpr_steps: null, robust: null, scheme: null, scheme_params: null, k: null, max_steps: null, seed: null, model_hash: null });
  });

  it('awkward class names become distinct, importable folders; commas and quotes survive the CSV', async () => {
    const names = ['a,b', '.hidden', 'A', 'a', 'x/y', 'CON', 'say "hi"', 'Thumbs.db'];
    const shape = { height: 4, width: 5, channels: 3 as const };
    const count = names.length * 2;
    const images: RawImages = { shape, count, data: pattern(count * 60, 3) };
    const items = Array.from({ length: count }, (_, i) => ({ index: i, label: i % names.length }));
    const out = fresh();
    await exportImages({ outDir: out, format: 'imagefolder', shape, classNames: names, split: 'train', images, items });
    const folders = fs.readdirSync(out).filter((f) => f !== 'manifest.csv');
    expect(folders.length).toBe(names.length);
    expect(new Set(folders.map((f) => f.toLowerCase())).size).toBe(names.length);
    for (const f of folders) expect(f.startsWith('.')).toBe(false);
    const rows = parseCsvRows(fs.readFileSync(join(out, 'manifest.csv'), 'utf8'));
    expect(rows.map((r) => r.id)).toEqual(items.map((it) => `train/${it.index}`));
    expect(rows.map((r) => Number(r.label))).toEqual(items.map((it) => it.label));
    const back = await importDataset(out);
    expect(back.shape).toEqual(shape);
    const [b] = back.splits;
    expect(b.images.count).toBe(count);
    const byFile = new Map(rows.map((r) => [r.file, r]));
    (b.origins as string[]).forEach((file, j) => {
      const row = byFile.get(file) as Record<string, string>;
      const index = Number(row.id.split('/')[1]);
      expect(Buffer.compare(pixelsOf(b.images, j), pixelsOf(images, index))).toBe(0);
    });
  });

  it('safeName keeps ordinary names and fixes dangerous ones', () => {
    expect(safeName('7')).toBe('7');
    expect(safeName('golden retriever')).toBe('golden retriever');
    expect(safeName('a/b\\c')).toBe('a_b_c');
    expect(safeName('.')).toBe('_');
    expect(safeName('..')).toBe('__');
    expect(safeName('.git')).toBe('_git');
    expect(safeName('')).toBe('class_');
    expect(safeName('nul')).toBe('nul_');
    expect(safeName('end. ')).toBe('end__');
  });
});

describe('bad input leaves nothing behind', () => {
  it('refuses a non-empty folder, naming it, and changes nothing in it', async () => {
    const out = fresh();
    fs.mkdirSync(out);
    fs.writeFileSync(join(out, 'keep.txt'), 'precious');
    const before = fs.statSync(join(out, 'keep.txt')).mtimeMs;
    for (const format of ['idx', 'imagefolder', 'csv', 'jsonl'] as const) {
      const err = await rejection(exportImages(baseOptions(out, { format })));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toContain(out);
      expect(err.message).toMatch(/not empty/);
      expect(err.message).toContain('keep.txt');
    }
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
    expect(fs.readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('precious');
    expect(fs.statSync(join(out, 'keep.txt')).mtimeMs).toBe(before);
    expect(leftovers(tmp)).toEqual([]);
  });

  it('accepts an existing empty folder and fills it', async () => {
    const out = fresh();
    fs.mkdirSync(out);
    const res = await exportImages(baseOptions(out, { format: 'imagefolder' }));
    expect(res.path).toBe(out);
    expect(fs.readdirSync(out).length).toBe(11);
    expect(leftovers(tmp)).toEqual([]);
  });

  it('refuses a target that is a file, a parent that does not exist, and a parent that is a file', async () => {
    const file = join(tmp, `plain${n++}.txt`);
    fs.writeFileSync(file, 'x');
    let err = await rejection(exportImages(baseOptions(file)));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${file}: exists and is not a folder: refusing to overwrite it`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');

    const missing = join(tmp, `missing${n++}`);
    err = await rejection(exportImages(baseOptions(join(missing, 'out'))));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(new RegExp(`^${escapeRe(missing)}: folder does not exist`));
    expect(fs.existsSync(missing)).toBe(false);

    err = await rejection(exportImages(baseOptions(join(file, 'out'))));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/file, not a folder/);
    expect(leftovers(tmp)).toEqual([]);
  });

  it('refuses a read-only place (write probe says so) without creating anything', async () => {
    const out = fresh();
    vi.mocked(probeWritable).mockReturnValueOnce('read-only file system');
    const err = await rejection(exportImages(baseOptions(out)));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${tmp}: cannot write here: read-only file system`);
    expect(vi.mocked(probeWritable)).toHaveBeenCalledWith(tmp);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(tmp)).toEqual([]);
  });

  describe('on a real read-only mount', () => {
    let ro: string | null = null;
    beforeAll(() => {
      if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
      const dir = join(tmp, 'ro-mount');
      fs.mkdirSync(dir);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'ignore', timeout: 10_000 });
        ro = dir;
      } catch {
        ro = null; // no privilege to mount here: the injected probe above covers the path
      }
    });
    afterAll(() => {
      if (ro) execFileSync('umount', [ro], { stdio: 'ignore', timeout: 10_000 });
    });

    it('refuses it with "read-only file system"', async (ctx) => {
      if (!ro) return ctx.skip();
      const err = await rejection(exportImages(baseOptions(join(ro, 'out'))));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toBe(`${ro}: cannot write here: read-only file system`);
      expect(fs.readdirSync(ro)).toEqual([]);
    });
  });

  it('a full disk during an ImageFolder export leaves neither the target nor a temp folder', async () => {
    const out = fresh();
    const disk = fullDiskAfter(57);
    const err = await rejection(exportImages(baseOptions(out, { format: 'imagefolder', writeFile: disk.writeFile })));
    expect(disk.written()).toBe(57);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${out}: export failed (disk full); nothing was written`);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(tmp)).toEqual([]);
  });

  it('a full disk while writing the IDX files or the manifest leaves nothing; an empty target folder stays as it was', async () => {
    for (const after of [0, 1, 2, 4]) {
      const out = fresh();
      fs.mkdirSync(out);
      const disk = fullDiskAfter(after);
      const err = await rejection(exportImages(baseOptions(out, { testSplit: { images: test.images, labels: test.labels }, writeFile: disk.writeFile })));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(/disk full/);
      expect(disk.written()).toBe(after);
      expect(fs.readdirSync(out)).toEqual([]);
      expect(leftovers(tmp)).toEqual([]);
    }
  });

  it('a full disk on the JSONL manifest (the last file) leaves nothing', async () => {
    const out = fresh();
    const disk = fullDiskAfter(400);
    const err = await rejection(exportImages(baseOptions(out, { format: 'jsonl', writeFile: disk.writeFile })));
    expect(err.message).toMatch(/disk full/);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(tmp)).toEqual([]);
  });

  it('cancellation mid-way leaves nothing (PNG formats and IDX), and so does an already-aborted signal', async () => {
    // 1,200 synthetic images, so the export runs several batches
    const count = 1200;
    const images: RawImages = { shape: SHAPE, count, data: pattern(count * SIZE, 11) };
    const items = Array.from({ length: count }, (_, i) => ({ index: i, label: i % 10 }));
    for (const format of ['imagefolder', 'csv'] as const) {
      const out = fresh();
      const ac = new AbortController();
      let written = 0;
      const writeFile = (p: string, d: Uint8Array | string) => {
        fs.writeFileSync(p, d);
        if (++written === 300) ac.abort();
      };
      const err = await rejection(exportImages({ ...baseOptions(out, { format, images, items, writeFile }), signal: ac.signal }));
      expect(err).toBeInstanceOf(CancelledError);
      expect(written).toBeGreaterThanOrEqual(300);
      expect(written).toBeLessThan(count); // stopped early, not after writing everything
      expect(fs.existsSync(out)).toBe(false);
      expect(leftovers(tmp)).toEqual([]);
    }

    const idxOut = fresh();
    const ac = new AbortController();
    const err = await rejection(exportImages(baseOptions(idxOut, { testSplit: { images: test.images, labels: test.labels }, signal: ac.signal, onProgress: (d) => d === 1 && ac.abort() })));
    expect(err).toBeInstanceOf(CancelledError);
    expect(fs.existsSync(idxOut)).toBe(false);

    const pre = fresh();
    const err2 = await rejection(exportImages(baseOptions(pre, { signal: AbortSignal.abort() })));
    expect(err2).toBeInstanceOf(CancelledError);
    expect(fs.existsSync(pre)).toBe(false);
    expect(leftovers(tmp)).toEqual([]);
  });

  it('refuses bad sets before touching the disk: empty, index out of range, duplicate, bad label, wrong shape', async () => {
    const cases: [Partial<ExportOptions>, RegExp][] = [
      [{ items: [] }, /nothing to export/],
      [{ items: [{ index: 1000, label: 1 }] }, /image index 1000 is outside the split train \(0\.\.999\)/],
      [{ items: [{ index: -1, label: 1 }] }, /image index -1/],
      [{ items: [{ index: 5, label: 2 }, { index: 5, label: 2 }] }, /train\/5 appears twice/],
      [{ items: [{ index: 5, label: 10 }] }, /label 10 outside 0\.\.9/],
      [{ shape: { height: 28, width: 28, channels: 3 } }, /28x28x1 but the export shape is 28x28x3/],
      [{ testSplit: { images: test.images, labels: test.labels.subarray(0, 10) } }, /500 images but 10 labels/],
    ];
    for (const [over, re] of cases) {
      const out = fresh();
      const err = await rejection(exportImages(baseOptions(out, over)));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(re);
      expect(fs.existsSync(out)).toBe(false);
    }
    expect(leftovers(tmp)).toEqual([]);
  });

  it('checkExportTarget returns the absolute path of an acceptable target', () => {
    const out = fresh();
    expect(checkExportTarget(out)).toBe(out);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('at scale', () => {
  // how fast: `npm run bench -- export-speed` (42,000 images); here: every image accounted for
  it('exports 4,200 28x28 images to IDX and a tenth of that to ImageFolder, every image accounted for', async () => {
    const count = 4_200;
    const data = new Uint8Array(count * SIZE);
    const distinct = Array.from({ length: 97 }, (_, i) => pattern(SIZE, i));
    for (let i = 0; i < count; i++) data.set(distinct[i % distinct.length], i * SIZE);
    const images: RawImages = { shape: SHAPE, count, data };
    const items = Array.from({ length: count }, (_, i) => ({ index: i, label: i % 10, steps: 250, robust: 1 as const }));

    const idx = await exportImages(baseOptions(fresh(), { images, items }));
    expect(idx.count).toBe(count);
    const back = await importDataset(idx.path);
    const train = back.splits.find((s) => s.name === 'train')!;
    expect(train.images.count).toBe(count);
    expect(Array.from(pixelsOf(train.images, count - 1))).toEqual(Array.from(distinct[(count - 1) % 97]));

    const tenth = items.slice(0, count / 10);
    const folder = await exportImages(baseOptions(fresh(), { format: 'imagefolder', images, items: tenth }));
    expect(folder.count).toBe(tenth.length);
    for (let c = 0; c < 10; c++) expect(fs.readdirSync(join(folder.path, String(c))).length).toBe(42);
    await removeDir(idx.path);
    await removeDir(folder.path);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
