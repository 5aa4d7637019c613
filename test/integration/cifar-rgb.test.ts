/**
 * CIFAR-10/100 binary import (byte-exact, planar → HWC, class names) and an RGB 32×32 dataset
 * end to end through the services: import (streamed into the workspace), train paper-cnn,
 * evaluate, score with the paper scheme (k defaults to round(√(32·32)) = 32, every channel of
 * a drawn pixel perturbed) and read the scores back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, JobInfo, ModelInfo, ScoringRunSummary } from '../../src-main/contract/types';
import { makePerturber } from '../../src-main/core/perturb';
import { paper } from '../../src-main/core/perturb/paper';
import { streamFor } from '../../src-main/core/rng';
import { importDataset } from '../../src-main/services/importers/index';
import { createServices, type Services } from '../../src-main/services/index';

let tmp: string;

/** A seeded CIFAR record stream: returns the file bytes and the expected HWC pixels and labels. */
function cifarFile(count: number, labelBytes: 1 | 2, seed: number, labelOf: (i: number) => number[]): { bytes: Uint8Array; hwc: Uint8Array; labels: number[] } {
  const rec = labelBytes + 3072;
  const bytes = new Uint8Array(count * rec);
  const hwc = new Uint8Array(count * 3072);
  const labels: number[] = [];
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  for (let i = 0; i < count; i++) {
    const l = labelOf(i);
    bytes.set(l, i * rec);
    labels.push(l[l.length - 1]);
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < 1024; p++) {
        const v = next();
        bytes[i * rec + labelBytes + ch * 1024 + p] = v;
        hwc[i * 3072 + p * 3 + ch] = v;
      }
    }
  }
  return { bytes, hwc, labels };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rpr-cifar-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('CIFAR binary import', () => {
  it('reads CIFAR-10 batches byte-exactly as HWC RGB, in batch order, with the names of batches.meta.txt', async () => {
    const dir = join(tmp, 'c10');
    mkdirSync(dir);
    const b1 = cifarFile(7, 1, 1, (i) => [i % 10]);
    const b2 = cifarFile(5, 1, 2, (i) => [(i * 3) % 10]);
    const t = cifarFile(4, 1, 3, (i) => [9 - i]);
    // batch 10 sorts after batch 2 by number, not by name
    writeFileSync(join(dir, 'data_batch_10.bin'), b2.bytes);
    writeFileSync(join(dir, 'data_batch_2.bin'), b1.bytes);
    writeFileSync(join(dir, 'test_batch.bin'), t.bytes);
    const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    writeFileSync(join(dir, 'batches.meta.txt'), names.join('\n') + '\n\n');
    const ds = await importDataset(dir);
    expect(ds.kind).toBe('cifar');
    expect(ds.shape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(ds.classNames).toEqual(names);
    const [train, test] = ds.splits;
    expect(train.name).toBe('train');
    expect(train.origin).toBe('data_batch_2.bin + data_batch_10.bin');
    expect(Buffer.compare(train.images.data, Buffer.concat([b1.hwc, b2.hwc]))).toBe(0);
    expect([...train.labels]).toEqual([...b1.labels, ...b2.labels]);
    expect(test.name).toBe('test');
    expect(Buffer.compare(test.images.data, t.hwc)).toBe(0);
    expect([...test.labels]).toEqual(t.labels);
  });

  it('reads CIFAR-100 (coarse + fine label bytes): the fine label is the class, names from fine_label_names.txt', async () => {
    const dir = join(tmp, 'c100');
    mkdirSync(dir);
    const tr = cifarFile(6, 2, 4, (i) => [i % 20, (i * 17) % 100]);
    writeFileSync(join(dir, 'train.bin'), tr.bytes);
    const names = Array.from({ length: 100 }, (_, i) => `class${i}`);
    writeFileSync(join(dir, 'fine_label_names.txt'), names.join('\n'));
    const ds = await importDataset(join(dir, 'train.bin'));
    expect(ds.kind).toBe('cifar');
    expect(ds.classNames).toEqual(names);
    expect(ds.splits.map((s) => s.name)).toEqual(['train']);
    expect(Buffer.compare(ds.splits[0].images.data, tr.hwc)).toBe(0);
    expect([...ds.splits[0].labels]).toEqual(tr.labels);
  });

  it('rejects truncated files, wrong record sizes and out-of-range labels, naming the file', async () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir);
    const ok = cifarFile(2, 1, 5, () => [1]);
    writeFileSync(join(dir, 'data_batch_1.bin'), ok.bytes.subarray(0, ok.bytes.length - 10));
    await expect(importDataset(dir)).rejects.toThrow(/data_batch_1\.bin: truncated: 6136 bytes is not a whole number of 3073-byte records/);
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarFile(3, 2, 5, () => [1, 2]).bytes);
    await expect(importDataset(dir)).rejects.toThrow(/data_batch_1\.bin: wrong record size: 9222 bytes is a whole number of 3074-byte records/);
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarFile(3, 1, 5, (i) => [i === 2 ? 200 : 0]).bytes);
    await expect(importDataset(dir)).rejects.toThrow(/data_batch_1\.bin: record 2: label byte 200 is out of range \(0\.\.9\)/);
  });
});

describe('an RGB 32x32 dataset end to end', () => {
  let services: Services;
  let ds: DatasetSummary;

  async function settled(jobId: string): Promise<JobInfo> {
    const info = await services.app.jobs.settle(jobId);
    if (info.status !== 'done') throw new Error(`job ${jobId} ${info.status}: ${info.error ?? ''}`);
    return info;
  }

  beforeAll(async () => {
    // two easy classes: red-ish vs blue-ish noise, so a tiny model learns them
    const dir = join(tmp, 'rgb');
    mkdirSync(dir);
    const make = (count: number, seed: number) => {
      const f = cifarFile(count, 1, seed, (i) => [i % 2]);
      for (let i = 0; i < count; i++) {
        const hot = i % 2 === 0 ? 0 : 2; // red plane for class 0, blue for class 1
        for (let p = 0; p < 1024; p++) f.bytes[i * 3073 + 1 + hot * 1024 + p] = 200 + (f.bytes[i * 3073 + 1 + hot * 1024 + p] % 56);
      }
      return f.bytes;
    };
    writeFileSync(join(dir, 'data_batch_1.bin'), make(240, 11));
    writeFileSync(join(dir, 'test_batch.bin'), make(40, 12));
    services = createServices({ version: 'test', dataDir: join(tmp, 'data'), transport: 'loopback', workers: 1 });
    await services.call('workspace.open', { path: join(tmp, 'ws'), create: true });
    const imp = await services.call('datasets.import', { path: dir });
    ds = (await settled(imp.jobId)).result as DatasetSummary;
  }, 120_000);

  afterAll(async () => {
    await services?.app.close();
  });

  it('imports into the workspace with a sha256-checked pixel file and a label file beside it', async () => {
    expect(ds.shape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(ds.splits.map((s) => [s.name, s.count])).toEqual([
      ['train', 240],
      ['test', 40],
    ]);
    const ws = services.app.requireWorkspace();
    expect(ws.datasets.verify(ds.id)).toEqual([]);
    expect([...readFileSync(ws.datasets.pixelsPath(ds.id, 'test').replace(/\.u8$/, '.labels.u8'))].slice(0, 4)).toEqual([0, 1, 0, 1]);
  });

  it('trains paper-cnn on 32x32x3, evaluates and scores with the paper scheme perturbing every channel', async () => {
    const t = await services.call('models.train', { datasetId: ds.id, arch: 'paper-cnn', epochs: 3, seed: 1 });
    const model = (await settled(t.jobId)).result as ModelInfo;
    expect(model.inputShape ?? [32, 32, 3]).toEqual(expect.arrayContaining([32, 32, 3]));
    const ev = await services.call('models.evaluate', { modelId: model.id, datasetId: ds.id, split: 'test' });
    const evr = (await settled(ev.jobId)).result as { accuracy: number };
    expect(evr.accuracy).toBeGreaterThan(0.9);
    const { jobId, runId } = await services.call('scoring.start', { modelId: model.id, datasetId: ds.id, split: 'test', scheme: { name: 'paper', params: {} }, maxSteps: 20, seed: 3 });
    await settled(jobId);
    const run: ScoringRunSummary = await services.call('scoring.get', { runId });
    expect(run.scheme.params.k).toBe(32);
    const cols = await services.call('scoring.scores', { runId });
    expect(cols.steps.length).toBe(40);
    expect(cols.steps.every((s) => s >= 0 && s <= 20)).toBe(true);
  }, 300_000);

  it('the paper scheme draws a value for each channel of a drawn pixel; 1-channel streams are unchanged', () => {
    const shape = { height: 32, width: 32, channels: 3 as const };
    expect(paper.defaults(shape)).toEqual({ k: 32 });
    expect(paper.defaults({ height: 28, width: 28, channels: 1 })).toEqual({ k: 28 });
    const src = new Uint8Array(32 * 32 * 3).fill(255); // 255 is never drawn: every drawn channel changes
    const out = new Uint8Array(src.length);
    makePerturber({ name: 'paper', params: { k: 1 } }, shape)(src, out, streamFor(1, 'test', 0, 1));
    const changed = [...out].map((v, i) => (v !== 255 ? i : -1)).filter((i) => i >= 0);
    expect(changed.length).toBe(3);
    expect(changed[1] - changed[0]).toBe(1);
    expect(changed[2] - changed[1]).toBe(1);
    expect(changed[0] % 3).toBe(0);
  });
});
