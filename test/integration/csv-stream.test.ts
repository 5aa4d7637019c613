/**
 * CSV import streams (issue 11): a file is read, gunzipped and parsed in chunks and written
 * through the PixelSink split by split, with progress by bytes and cancellation; the result is
 * exactly what the whole-text parser gives.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src-main/core/csv';
import type { PixelSink, SplitWriter } from '../../src-main/core/dataset';
import { CancelledError, InputError } from '../../src-main/core/errors';
import { gzip } from '../../src-main/core/gzip';
import type { RawImages } from '../../src-main/core/image';
import { mulberry32 } from '../../src-main/core/mulberry32';
import type { DatasetSummary } from '../../src-main/contract/types';
import { streamCsvFile } from '../../src-main/services/importers/csv-stream';
import { importDataset } from '../../src-main/services/importers/index';
import { memorySink } from '../../src-main/services/importers/sink';
import { STREAM_CHUNK } from '../../src-main/services/importers/stream';
import { createServices } from '../../src-main/services/index';
import { makeTmpDir, removeDir, writeAt } from '../helpers/fixtures';

let tmp: string;
let n = 0;
const fresh = () => join(tmp, `case${n++}`);

beforeAll(async () => {
  tmp = await makeTmpDir('rpr-csv-stream-');
});
afterAll(async () => {
  await removeDir(tmp);
});

/** A memory sink that records every write's size, and the splits opened and aborted. */
function recordingSink() {
  const inner = memorySink();
  const log = { writes: [] as number[], opened: [] as string[], aborted: [] as string[] };
  const sink: PixelSink<RawImages> = {
    open(split, shape, count): SplitWriter<RawImages> {
      log.opened.push(split);
      const w = inner.open(split, shape, count);
      return {
        write: async (chunk) => {
          log.writes.push(chunk.length);
          await w.write(chunk);
        },
        finish: () => w.finish(),
        abort: async () => {
          log.aborted.push(split);
          await w.abort();
        },
      };
    },
  };
  return { sink, log };
}

/** Seeded 28x28 digits-like rows: label, then 784 values (mostly 0, some 1..255). */
function bigCsv(rows: number, seed: number, opts: { header?: boolean; splits?: string[] } = {}): string {
  const rand = mulberry32(seed);
  const lines: string[] = [];
  if (opts.header) lines.push(['label', ...Array.from({ length: 784 }, (_, i) => `p${i}`), ...(opts.splits ? ['split'] : [])].join(','));
  for (let r = 0; r < rows; r++) {
    const cells: (number | string)[] = [Math.floor(rand() * 10)];
    for (let i = 0; i < 784; i++) cells.push(rand() < 0.8 ? 0 : 1 + Math.floor(rand() * 255));
    if (opts.splits) cells.push(opts.splits[Math.floor(rand() * opts.splits.length)]);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

describe('CSV import streams', () => {
  const text = bigCsv(5000, 11);

  it('a file larger than one read chunk is written in bounded chunks and equals the whole-text parse; progress counts bytes', async () => {
    expect(text.length).toBeGreaterThan(2 * STREAM_CHUNK);
    const file = await writeAt(fresh(), 'big.csv', text);
    const { sink, log } = recordingSink();
    const progress: [number, number, string | undefined, string | undefined][] = [];
    const ds = await importDataset(file, { sink, onProgress: (d, t, m, u) => progress.push([d, t, m, u]) });
    const want = parseCsv(text, file);
    expect(ds.splits).toHaveLength(1);
    expect(ds.splits[0].images.count).toBe(5000);
    expect(Buffer.from(ds.splits[0].images.data).equals(Buffer.from(want.pixels))).toBe(true);
    expect(Array.from(ds.splits[0].labels)).toEqual(Array.from(want.labels));
    // several writes, none near the size of the split
    expect(log.writes.length).toBeGreaterThan(1);
    expect(Math.max(...log.writes)).toBeLessThanOrEqual(STREAM_CHUNK);
    expect(Math.max(...log.writes)).toBeLessThan(want.pixels.length / 2);
    // progress: bytes of the file, never decreasing, ending at the file's size
    expect(progress.every(([, , , u]) => u === 'bytes')).toBe(true);
    expect(progress.every(([, t]) => t === text.length)).toBe(true);
    const done = progress.map(([d]) => d);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.filter(([d]) => d > 0 && d < text.length).length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([text.length, text.length, 'done', 'bytes']);
  });

  it('a .csv.gz streams through gunzip to the same pixels; progress counts compressed bytes', async () => {
    const gz = gzip(new TextEncoder().encode(text), 1);
    const file = await writeAt(fresh(), 'big.csv.gz', gz);
    const progress: number[][] = [];
    const ds = await importDataset(file, { onProgress: (d, t) => progress.push([d, t]) });
    expect(Buffer.from(ds.splits[0].images.data).equals(Buffer.from(parseCsv(text, file).pixels))).toBe(true);
    expect(progress.at(-1)).toEqual([gz.length, gz.length]);
  });

  it('cancelling stops the import with CancelledError and aborts the open writer', async () => {
    const file = await writeAt(fresh(), 'big.csv', text);
    const { sink, log } = recordingSink();
    const ctl = new AbortController();
    const run = importDataset(file, { sink, signal: ctl.signal, onProgress: (d) => d > STREAM_CHUNK && ctl.abort() });
    // aborted once the second chunk is read: the first one's rows are in the writer by then
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(log.aborted).toEqual(['train']);
  });

  it('an error late in the file aborts the writers and names the file and line', async () => {
    const file = await writeAt(fresh(), 'late.csv', `${text}1,2,3\n`);
    const { sink, log } = recordingSink();
    const e = await importDataset(file, { sink }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(`${file}: line 5001: ragged row: 3 columns, expected 785 like the first row`);
    expect(log.writes.length).toBeGreaterThan(0);
    expect(log.aborted).toEqual(['train']);
  });

  it('a split column streams each split to its own writer; `split` keeps one', async () => {
    const withSplits = bigCsv(300, 5, { header: true, splits: ['train', 'test', 'val'] });
    const file = await writeAt(fresh(), 's.csv', withSplits);
    const want = parseCsv(withSplits, file);
    const ds = await importDataset(file);
    expect(ds.splits.map((s) => s.name)).toEqual(['train', 'test', 'val']);
    for (const s of ds.splits) {
      const rows = (want.splitOf as string[]).flatMap((name, r) => (name === s.name ? [r] : []));
      expect(Array.from(s.labels)).toEqual(rows.map((r) => want.labels[r]));
      expect(Buffer.from(s.images.data).equals(Buffer.concat(rows.map((r) => want.pixels.subarray(r * 784, (r + 1) * 784))))).toBe(true);
    }
    const only = await importDataset(file, { split: 'val' });
    expect(only.splits.map((s) => s.name)).toEqual(['val']);
    expect(Buffer.from(only.splits[0].images.data).equals(Buffer.from(ds.splits[2].images.data))).toBe(true);
    await expect(importDataset(file, { split: 'holdout' })).rejects.toThrow(/s\.csv: no rows of split "holdout" in the split column/);
  });

  it('maxBytes refuses a file over the limit before reading it (plain: its size; gzip: the size its trailer declares)', async () => {
    const plain = await writeAt(fresh(), 'm.csv', '1,2,3,4,5\n');
    await expect(importDataset(plain, { maxBytes: 5 })).rejects.toThrow(/m\.csv: 10 bytes, over the limit of 5 bytes/);
    const gz = await writeAt(fresh(), 'm.csv.gz', gzip(new TextEncoder().encode('1,2,3,4,5\n'.repeat(100))));
    await expect(importDataset(gz, { maxBytes: 500 })).rejects.toThrow(/m\.csv\.gz: gzip payload declares 1000 bytes, over the limit of 500 bytes/);
    expect((await importDataset(gz, { maxBytes: 1000 })).splits[0].images.count).toBe(100);
  });
});

describe('the value range while streaming', () => {
  /** `blank` rows of 0/1 values (`width` pixels), then one row with 200: the range settles late. */
  const lateByte = (blank: number, width = 4) =>
    Array.from({ length: blank }, (_, r) => `${r % 10},${Array.from({ length: width }, (_, i) => (i + r) % 3 === 0 ? 1 : 0).join(',')}`).join('\n') + `\n7,200${',1'.repeat(width - 1)}\n`;

  it('settled before anything was written: the held rows are converted in place, read once', async () => {
    const t = lateByte(50);
    const file = await writeAt(fresh(), 'late.csv', t);
    const { sink, log } = recordingSink();
    const got = await streamCsvFile(file, { sink, fixedSplit: null, taken: new Set(), expect: null, openHold: 1 << 20 });
    expect(Array.from(got.splits[0].images.data)).toEqual(Array.from(parseCsv(t, file).pixels));
    expect(got.warnings).toEqual([]);
    expect(log.aborted).toEqual([]);
  });

  it('settled after rows were written as [0,1]: the file is read again as 0..255, same result', async () => {
    // 1000 rows of 28x28 (1.6 MB) gzipped: gunzip hands them over in 1 MiB chunks, so rows are written before the 200 shows
    const t = lateByte(1000, 784);
    const file = await writeAt(fresh(), 'late.csv.gz', gzip(new TextEncoder().encode(t), 1));
    const { sink, log } = recordingSink();
    const again: boolean[] = [];
    const got = await streamCsvFile(file, { sink, fixedSplit: null, taken: new Set(), expect: null, openHold: 64, onRead: (_, a) => again.push(a) });
    const want = parseCsv(t, file);
    expect(Array.from(got.splits[0].images.data)).toEqual(Array.from(want.pixels));
    expect(Array.from(got.splits[0].labels)).toEqual(Array.from(want.labels));
    expect(log.aborted).toEqual(['train']);
    expect(log.opened).toEqual(['train', 'train']);
    expect(again.at(-1)).toBe(true);
  });

  it('a [0,1] file longer than the hold is written as it goes, scaled, with the warning', async () => {
    const rand = mulberry32(3);
    const t = Array.from({ length: 3000 }, (_, r) => `${r % 10},${Array.from({ length: 4 }, () => (rand() < 0.5 ? '0.25' : '1')).join(',')}`).join('\n');
    const file = await writeAt(fresh(), 'unit.csv', t);
    const { sink, log } = recordingSink();
    const got = await streamCsvFile(file, { sink, fixedSplit: null, taken: new Set(), expect: null, openHold: 64 });
    expect(Array.from(got.splits[0].images.data)).toEqual(Array.from(parseCsv(t, file).pixels));
    expect(got.warnings).toEqual([`${file}: every pixel value is at most 1.0, so values were read as [0,1] and scaled by 255`]);
    expect(log.aborted).toEqual([]);
  });
});

describe('datasets.import of a CSV (the service)', () => {
  it('reports job progress in bytes and stores the same pixels', async () => {
    const text = bigCsv(200, 9, { header: true });
    const file = await writeAt(fresh(), 'svc.csv', text);
    const services = createServices({ version: 'test', dataDir: join(tmp, 'svc-data'), transport: 'loopback', workers: 1 });
    try {
      await services.call('workspace.open', { path: join(tmp, 'svc-ws'), create: true });
      const units = new Set<string>();
      const off = services.app.events.on('job.progress', (p) => units.add(p.unit));
      const { jobId } = await services.call('datasets.import', { path: file });
      const info = await services.app.jobs.settle(jobId);
      off();
      expect(info.status).toBe('done');
      expect([...units]).toEqual(['bytes']);
      const ds = info.result as DatasetSummary;
      const want = parseCsv(text, file);
      const got = services.app.requireWorkspace().datasets.readImageIndices(ds.id, 'train', [0, 199]).data;
      expect(Array.from(got)).toEqual([...want.pixels.subarray(0, 784), ...want.pixels.subarray(199 * 784)]);
    } finally {
      await services.app.close();
    }
  });
});
