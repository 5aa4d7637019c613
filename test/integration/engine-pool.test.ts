import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, InputError } from '../../src-main/core/errors';
import { runRpr } from '../../src-main/core/scheduler';
import { initBackend } from '../../src-main/engine/backend';
import { type WorkerHandle, type WorkerHost, forkHost, threadHost } from '../../src-main/engine/hosts';
import { loadModel, saveModel } from '../../src-main/engine/model-io';
import { createPool } from '../../src-main/engine/pool';
import type { ImageResult, ProgressPayload, ScoreJob } from '../../src-main/engine/protocol';
import { createTfClassifier } from '../../src-main/engine/tf-classifier';
import { trainModel } from '../../src-main/engine/train';

const MNIST_SMALL = '../shared/datasets/mnist-small';
const SHAPE = { height: 28, width: 28, channels: 1 as const };
let tmp: string;
let modelDir: string;
const files = { trainPixels: '', trainLabels: '', testPixels: '', testLabels: '' };
let testPixels: Uint8Array;
let testLabels: Uint8Array;

function idx(name: string, offset: number): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(`${MNIST_SMALL}/${name}`)).subarray(offset));
}

/** Wraps a host so the test can reach the handles it spawned ("from outside" the pool). */
function spyHost(inner: WorkerHost): WorkerHost & { handles: WorkerHandle[] } {
  const handles: WorkerHandle[] = [];
  return { name: inner.name, handles, spawn: () => { const h = inner.spawn(); handles.push(h); return h; } };
}

function scoreJob(count: number, maxSteps = 40): ScoreJob & { kind: 'score' } {
  return {
    kind: 'score',
    modelPath: modelDir,
    pixelsPath: files.testPixels,
    shape: SHAPE,
    split: 'test',
    tasks: Array.from({ length: count }, (_, i) => ({ index: i, label: testLabels[i] })),
    scheme: { name: 'paper', params: { k: 28 } },
    seed: 11,
    maxSteps,
    batchSize: 256,
  };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rpr-engine-pool-'));
  const trainPixels = idx('train-images-idx3-ubyte.gz', 16);
  const trainLabels = idx('train-labels-idx1-ubyte.gz', 8);
  testPixels = idx('t10k-images-idx3-ubyte.gz', 16);
  testLabels = idx('t10k-labels-idx1-ubyte.gz', 8);
  Object.assign(files, {
    trainPixels: join(tmp, 'train.u8'),
    trainLabels: join(tmp, 'train.labels'),
    testPixels: join(tmp, 'test.u8'),
    testLabels: join(tmp, 'test.labels'),
  });
  writeFileSync(files.trainPixels, trainPixels);
  writeFileSync(files.trainLabels, trainLabels);
  writeFileSync(files.testPixels, testPixels);
  writeFileSync(files.testLabels, testLabels);
  // a quickly trained mlp to score with
  await initBackend({ force: 'wasm' });
  const res = await trainModel({ images: { shape: SHAPE, count: 1000, data: trainPixels }, labels: trainLabels, numClasses: 10, arch: 'mlp', epochs: 3, seed: 1, validationShare: 0 });
  modelDir = join(tmp, 'mlp');
  await saveModel(res.model, modelDir, { arch: 'mlp', inputScale: 'unit' });
  res.model.dispose();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('engine worker pool', () => {
  it('a score job gives identical results through 1 worker, 2 workers and in-process', async () => {
    const job = scoreJob(60);
    const pool1 = createPool({ size: 1, backend: 'wasm' });
    const pool2 = createPool({ size: 2, backend: 'wasm' });
    try {
      const partials: ImageResult[] = [];
      const progress: ProgressPayload[] = [];
      const r1 = await pool1.runScore(job, { onPartial: (r) => partials.push(...r), onProgress: (p) => progress.push(p) });
      const r2 = await pool2.runScore(job);
      expect((await pool2.backendInfo()).name).toBe('wasm');
      expect(r1.results).toHaveLength(60);
      expect(r1.results.map((r) => r.index)).toEqual(job.tasks.map((t) => t.index));
      expect(r2.results).toEqual(r1.results);
      expect(r2.predictions).toBeGreaterThanOrEqual(60);
      expect([...partials].sort((a, b) => a.index - b.index)).toEqual(r1.results);
      expect(progress.at(-1)?.done).toBe(60);
      expect(progress.at(-1)?.unit).toBe('predictions');
      // some robust, some fooled, some wrong: not a degenerate comparison
      expect(r1.results.some((r) => r.robust)).toBe(true);
      expect(r1.results.some((r) => !r.robust && r.steps > 0)).toBe(true);

      const { model, info } = await loadModel(modelDir);
      const inProc = await runRpr({ images: { shape: SHAPE, count: 500, data: testPixels }, tasks: job.tasks, scheme: job.scheme, seed: job.seed, split: 'test', maxSteps: job.maxSteps, batchSize: 256, classifier: createTfClassifier(model, { shape: SHAPE, inputScale: info.inputScale, batchSize: 256 }) });
      expect([...inProc.results].sort((a, b) => a.index - b.index)).toEqual(r1.results);
      model.dispose();
    } finally {
      await Promise.all([pool1.close(), pool2.close()]);
    }
  });

  it('trains and evaluates in a worker, streaming progress; bad input comes back as InputError', async () => {
    const pool = createPool({ size: 1 });
    try {
      const progress: ProgressPayload[] = [];
      const out = join(tmp, 'trained');
      const r = await pool.run(
        { kind: 'train', pixelsPath: files.trainPixels, labelsPath: files.trainLabels, shape: SHAPE, numClasses: 10, arch: 'paper-cnn', epochs: 2, seed: 3, batchSize: 32, validationShare: 0.1, everyNBatches: 10, test: { pixelsPath: files.testPixels, labelsPath: files.testLabels }, outDir: out },
        { onProgress: (p) => progress.push(p) },
      );
      expect(r.cancelled).toBe(false);
      expect(r.epochsRun).toBe(2);
      expect(r.testAccuracy).toBeGreaterThan(0.6);
      expect(r.valAccuracy).toBeGreaterThan(0.5);
      expect(r.modelJsonPath).toBe(join(out, 'model.json'));
      expect(progress.length).toBeGreaterThan(2);
      expect(progress.at(-1)).toMatchObject({ done: 1800, total: 1800, unit: 'samples' });
      expect(progress.at(-1)?.metrics?.valAcc).toBeGreaterThan(0.5);
      const ev = await pool.run({ kind: 'eval', modelPath: out, pixelsPath: files.testPixels, labelsPath: files.testLabels, shape: SHAPE, numClasses: 10 });
      expect(ev.accuracy).toBeCloseTo(r.testAccuracy as number, 10);
      expect(ev.modelHash).toBe(r.hash);
      expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(500);

      const err = await pool.run({ kind: 'eval', modelPath: out, pixelsPath: files.testPixels, labelsPath: files.testLabels, shape: SHAPE, numClasses: 7 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(/model\.json: the model predicts 10 classes but the dataset has 7 classes/);
      const missing = await pool.run({ kind: 'eval', modelPath: out, pixelsPath: join(tmp, 'nope.u8'), labelsPath: files.testLabels, shape: SHAPE, numClasses: 10 }).catch((e: unknown) => e);
      expect((missing as Error).message).toMatch(/nope\.u8: pixel file not found/);
    } finally {
      await pool.close();
    }
  });

  it('cancel: a running score job rejects as cancelled, a training job keeps its last good weights, the worker lives on', async () => {
    const pool = createPool({ size: 1 });
    try {
      const ac = new AbortController();
      const p = pool.run(scoreJob(500, 250), { signal: ac.signal, onProgress: () => ac.abort() });
      await expect(p).rejects.toBeInstanceOf(CancelledError);

      const ac2 = new AbortController();
      const r = await pool.run(
        { kind: 'train', pixelsPath: files.trainPixels, labelsPath: files.trainLabels, shape: SHAPE, numClasses: 10, arch: 'mlp', epochs: 5, seed: 3, batchSize: 50, validationShare: 0, everyNBatches: 3, outDir: join(tmp, 'cancelled') },
        { signal: ac2.signal, onProgress: () => ac2.abort() },
      );
      expect(r.cancelled).toBe(true);
      expect(r.epochsRun).toBe(0);
      const saved = await loadModel(r.modelDir);
      expect(saved.info.hash).toBe(r.hash);
      saved.model.dispose();

      // same worker, next job fine
      const bench = await pool.run({ kind: 'predict-bench', arch: 'paper-cnn', shape: SHAPE, numClasses: 10, count: 512, batchSize: 256 });
      expect(bench.images).toBe(512);
      expect(bench.imagesPerSec).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['worker_threads', (): ReturnType<typeof spyHost> => spyHost(threadHost()), (h: WorkerHandle): void => h.kill(), /engine worker exited unexpectedly \(code 1\) during predict-bench \(2000000 images\)/],
    ['fork', (): ReturnType<typeof spyHost> => spyHost(forkHost()), (h: WorkerHandle): void => void process.kill(h.pid as number, 'SIGKILL'), /engine worker exited unexpectedly \(signal SIGKILL\) during predict-bench \(2000000 images\)/],
  ] as const)('a %s worker killed from outside rejects its job with a clear message, and the pool recovers', async (_name, makeHost, kill, re) => {
    const host = makeHost();
    const pool = createPool({ size: 1, host });
    try {
      let killed = false;
      const p = pool.run(
        { kind: 'predict-bench', arch: 'mlp', shape: SHAPE, numClasses: 10, count: 2_000_000, batchSize: 1024 },
        {
          onProgress: () => {
            if (!killed) {
              killed = true;
              kill(host.handles[0]);
            }
          },
        },
      );
      await expect(p).rejects.toThrow(re);
      const again = await pool.run({ kind: 'predict-bench', arch: 'mlp', shape: SHAPE, numClasses: 10, count: 256, batchSize: 256 });
      expect(again.images).toBe(256);
      expect(host.handles).toHaveLength(2);
    } finally {
      await pool.close();
    }
  });

  it('a forced backend that cannot start fails the job instead of hanging', async () => {
    const pool = createPool({ size: 1, backend: 'tensorflow' });
    try {
      await expect(pool.run({ kind: 'predict-bench', arch: 'mlp', shape: SHAPE, numClasses: 10, count: 10, batchSize: 10 })).rejects.toThrow(/engine worker failed to start: backend "tensorflow" was requested but is unavailable/);
    } finally {
      await pool.close();
    }
  });
});
