/**
 * What an engine worker does with each job kind. Runs in the worker (or in-process for tests):
 * reads pixel files itself, reports progress/partials through the context, honours the signal.
 */
import { statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../contract/types';
import type { Classification, Classifier } from '../core/classifier';
import { CancelledError, InputError } from '../core/errors';
import type { RawImages } from '../core/image';
import { imageSize } from '../core/image';
import { etaMs, startProgress, updateProgress } from '../core/progress';
import { runRpr } from '../core/scheduler';
import { evaluateModel } from './evaluate';
import { type LoadedModelInfo, checkFit, loadModel, saveModel } from './model-io';
import type { AnyModel } from './model-shape';
import { openPixelFile, readLabelFile, WINDOW_BYTES } from './pixel-files';
import type { PixelFile } from './pixel-files';
import type {
  EngineJob,
  InspectJobResult,
  JobOf,
  EvalJob,
  EvalJobResult,
  ImageResult,
  PredictBenchJob,
  PredictBenchResult,
  ProgressPayload,
  ScoreJob,
  ScoreJobResult,
  TrainJob,
  TrainJobResult,
} from './protocol';
import { mulberry32 } from './seeded';
import { createTfClassifier } from './tf-classifier';
import { trainModel } from './train';
import type { TrainOptions } from './train';
import { buildModel } from './zoo';

export interface JobContext {
  jobId: string;
  signal: AbortSignal;
  progress(p: Omit<ProgressPayload, 'jobId'>): void;
  partial(results: ImageResult[]): void;
}

const backendName = (): BackendName => tf.getBackend() as BackendName;
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

// one cached model per worker: consecutive jobs on the same model (score shards, resumed runs)
// skip the reload. Pixels are never cached whole: jobs read their split's file by window.
let modelCache: { key: string; model: AnyModel; info: LoadedModelInfo } | null = null;

/**
 * Training holds its images in memory up to this many bytes (fast shuffled batches); a larger
 * training set is read batch by batch from the pixel file, so a worker holds one batch of
 * pixels, the labels and the model whatever the split's size.
 */
export const TRAIN_IN_MEMORY_BYTES = 256 * 1024 * 1024;

function fileKey(path: string): string {
  try {
    const st = statSync(path);
    return `${path}\u0000${st.mtimeMs}\u0000${st.size}`;
  } catch {
    return `${path}\u0000missing`;
  }
}

async function cachedModel(path: string, expect: { shape: RawImages['shape']; numClasses: number } | undefined): Promise<{ model: AnyModel; info: LoadedModelInfo }> {
  const key = fileKey(path);
  if (modelCache?.key === key) {
    // re-check the fit for this job's dataset
    checkFit(modelCache.info.path, modelCache.info.inputShape, modelCache.info.numClasses, expect);
    return modelCache;
  }
  const loaded = await loadModel(path, { expect });
  modelCache?.model.dispose();
  modelCache = { key, ...loaded };
  return loaded;
}

/** Runs `fn` on the opened pixel file and closes it. */
async function withPixelFile<T>(path: string, shape: RawImages['shape'], fn: (f: PixelFile) => Promise<T>): Promise<T> {
  const file = openPixelFile(path, shape);
  try {
    return await fn(file);
  } finally {
    file.close();
  }
}

/** Evaluation chunk: whole images of about a window's bytes. */
const evalChunk = (shape: RawImages['shape']) => Math.max(1, Math.min(4096, Math.floor(WINDOW_BYTES / imageSize(shape))));

/** Drops the cached model (tests, memory pressure). */
export function clearJobCaches(): void {
  modelCache?.model.dispose();
  modelCache = null;
}

/** Lets queued messages (cancel) in between awaits that never leave the microtask queue. */
function yieldingClassifier(c: Classifier): Classifier {
  return {
    shape: c.shape,
    numClasses: c.numClasses,
    async classify(images: Uint8Array, count: number): Promise<Classification> {
      await yieldToEventLoop();
      return c.classify(images, count);
    },
  };
}

async function runTrain(job: TrainJob, ctx: JobContext): Promise<TrainJobResult> {
  const file = openPixelFile(job.pixelsPath, job.shape);
  try {
    return await trainFrom(file, job, ctx);
  } finally {
    file.close();
  }
}

async function trainFrom(file: PixelFile, job: TrainJob, ctx: JobContext): Promise<TrainJobResult> {
  const allLabels = await readLabelFile(job.labelsPath, file.count, job.numClasses);
  const indices = job.indices ?? null;
  if (indices) for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= file.count) throw new InputError('indices', `image index ${i} is outside 0..${file.count - 1}`);
  const count = indices ? indices.length : file.count;
  const size = imageSize(job.shape);
  const images: TrainOptions['images'] =
    count * size <= TRAIN_IN_MEMORY_BYTES
      ? { shape: job.shape, count, data: indices ? file.gather(indices) : file.range(0, count) }
      : { shape: job.shape, count, gather: (idx) => file.gather(indices ? Array.from(idx, (i) => indices[i]) : idx) };
  const labels = indices ? Uint8Array.from(indices, (i) => allLabels[i]) : allLabels;
  const batchSize = job.batchSize ?? 128;
  const trainCount = images.count - Math.floor(images.count * job.validationShare);
  const total = trainCount * job.epochs;
  const res = await trainModel({
    images,
    labels,
    numClasses: job.numClasses,
    arch: job.arch,
    epochs: job.epochs,
    seed: job.seed,
    batchSize,
    validationShare: job.validationShare,
    earlyStoppingPatience: job.earlyStoppingPatience,
    everyNBatches: job.everyNBatches,
    signal: ctx.signal,
    onProgress: (p) => {
      const metrics: Record<string, number> = { epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, loss: p.loss, acc: p.acc, epochEnd: p.epochEnd ? 1 : 0 };
      if (p.valLoss !== undefined) metrics.valLoss = p.valLoss;
      if (p.valAcc !== undefined) metrics.valAcc = p.valAcc;
      ctx.progress({ done: Math.min(total, (p.epoch - 1) * trainCount + Math.min(trainCount, p.batch * batchSize)), total, rate: p.samplesPerSec, unit: 'samples', etaMs: p.etaMs, metrics });
    },
  });
  try {
    let testAccuracy: number | null = null;
    let testConfusion: number[][] | null = null;
    if (job.test && !res.cancelled) {
      const test = job.test;
      const ev = await withPixelFile(test.pixelsPath, job.shape, async (testImages) => {
        const testLabels = await readLabelFile(test.labelsPath, testImages.count, job.numClasses);
        return evaluateModel(res.model, testImages, testLabels, { numClasses: job.numClasses, batchSize: 512, inputScale: 'unit', chunk: evalChunk(job.shape) });
      });
      testAccuracy = ev.accuracy;
      testConfusion = ev.confusion;
    }
    const saved = await saveModel(res.model, job.outDir, {
      arch: job.arch,
      inputScale: 'unit',
      lineage: { ...(job.lineage ?? {}), trainCount: res.trainCount, valCount: res.valCount },
      config: {
        ...(job.config ?? {}),
        arch: job.arch,
        epochs: job.epochs,
        epochsRun: res.epochsRun,
        seed: job.seed,
        validationShare: job.validationShare,
        batchSize,
        earlyStoppingPatience: job.earlyStoppingPatience ?? 0,
        optimizer: 'adam',
        loss: 'categoricalCrossentropy',
        backend: backendName(),
        cancelled: res.cancelled,
      },
    });
    return {
      modelDir: saved.dir,
      modelJsonPath: saved.modelJsonPath,
      hash: saved.hash,
      valAccuracy: res.valAccuracy,
      testAccuracy,
      testConfusion,
      epochsRun: res.epochsRun,
      cancelled: res.cancelled,
      stoppedEarly: res.stoppedEarly,
      elapsedMs: res.elapsedMs,
      trainCount: res.trainCount,
      valCount: res.valCount,
      history: res.history,
      backend: backendName(),
    };
  } finally {
    res.model.dispose();
  }
}

async function runEval(job: EvalJob, ctx: JobContext): Promise<EvalJobResult> {
  const { model, info } = await cachedModel(job.modelPath, { shape: job.shape, numClasses: job.numClasses });
  const images = openPixelFile(job.pixelsPath, job.shape);
  try {
    const labels = await readLabelFile(job.labelsPath, images.count, job.numClasses);
    let st = startProgress(performance.now());
    const ev = await evaluateModel(model, images, labels, {
      chunk: evalChunk(job.shape),
      numClasses: job.numClasses,
      batchSize: job.batchSize ?? 512,
      inputScale: job.inputScale ?? info.inputScale,
      signal: ctx.signal,
      onProgress: (done, total) => {
        st = updateProgress(st, performance.now(), done);
        ctx.progress({ done, total, rate: st.rate, unit: 'images', etaMs: etaMs(st, done, total) });
      },
    });
    return { accuracy: ev.accuracy, confusion: ev.confusion, count: ev.count, modelHash: info.hash, backend: backendName() };
  } finally {
    images.close();
  }
}

async function runScore(job: ScoreJob, ctx: JobContext): Promise<ScoreJobResult> {
  const t0 = performance.now();
  const images = openPixelFile(job.pixelsPath, job.shape);
  try {
    return await scoreFrom(images, job, ctx, t0);
  } finally {
    images.close();
  }
}

async function scoreFrom(images: PixelFile, job: ScoreJob, ctx: JobContext, t0: number): Promise<ScoreJobResult> {
  const numClasses = job.tasks.reduce((m, t) => Math.max(m, t.label + 1), 2);
  const { model, info } = await cachedModel(job.modelPath, undefined);
  if (info.numClasses < numClasses) {
    throw new InputError(info.path, `the model predicts ${info.numClasses} classes but the scored images have labels up to ${numClasses - 1}`);
  }
  const classifier = yieldingClassifier(createTfClassifier(model, { shape: job.shape, inputScale: job.inputScale ?? info.inputScale, batchSize: job.batchSize, numClasses: info.numClasses }));
  let st = startProgress(performance.now());
  let done = 0;
  const total = job.tasks.length;
  // ascending index order: the file is read one window ahead (results do not depend on the order)
  const tasks = job.tasks.every((t, i) => i === 0 || job.tasks[i - 1].index < t.index) ? job.tasks : [...job.tasks].sort((a, b) => a.index - b.index);
  const out = await runRpr({
    images,
    tasks,
    scheme: job.scheme,
    seed: job.seed,
    split: job.split,
    maxSteps: job.maxSteps,
    batchSize: job.batchSize,
    classifier,
    signal: ctx.signal,
    onResults: (results, p) => {
      done += results.length;
      st = updateProgress(st, performance.now(), p.predictions);
      ctx.partial(results);
      const imgRate = st.rate > 0 && p.predictions > 0 ? (st.rate * done) / p.predictions : 0;
      ctx.progress({ done, total, rate: st.rate, unit: 'predictions', etaMs: imgRate > 0 ? Math.round(((total - done) / imgRate) * 1000) : null, metrics: { predictions: p.predictions } });
    },
  });
  const results = [...out.results].sort((a, b) => a.index - b.index);
  return { results, predictions: out.predictions, elapsedMs: performance.now() - t0, backend: backendName() };
}

async function runPredictBench(job: PredictBenchJob, ctx: JobContext): Promise<PredictBenchResult> {
  let model: AnyModel;
  let scale = job.inputScale ?? 'unit';
  let own = false;
  if (job.modelPath) {
    const m = await cachedModel(job.modelPath, { shape: job.shape, numClasses: job.numClasses });
    model = m.model;
    scale = job.inputScale ?? m.info.inputScale;
  } else {
    model = buildModel(job.arch ?? 'paper-cnn', job.shape, job.numClasses, job.seed ?? 0);
    own = true;
  }
  try {
    const size = imageSize(job.shape);
    // a pool of at most 8 batches of images, cycled through (no count-sized buffer)
    const poolCount = Math.max(1, Math.min(job.count, job.batchSize * 8));
    let data: Uint8Array;
    if (job.pixelsPath) {
      const have = await withPixelFile(job.pixelsPath, job.shape, async (f) => ({ count: f.count, data: f.range(0, Math.min(f.count, poolCount)) }));
      const n = Math.min(have.count, poolCount);
      data = new Uint8Array(poolCount * size);
      for (let i = 0; i < poolCount; i++) data.set(have.data.subarray((i % n) * size, ((i % n) + 1) * size), i * size);
    } else {
      const rand = mulberry32(job.seed ?? 1);
      data = new Uint8Array(poolCount * size);
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
    }
    const classifier = createTfClassifier(model, { shape: job.shape, inputScale: scale, batchSize: job.batchSize, numClasses: job.numClasses });
    await classifier.classify(data, Math.min(job.batchSize, poolCount)); // warm-up
    const t0 = performance.now();
    let done = 0;
    let at = 0;
    while (done < job.count) {
      ctx.signal.throwIfAborted();
      const n = Math.min(job.batchSize, job.count - done, poolCount - at);
      await classifier.classify(data.subarray(at * size, (at + n) * size), n);
      at = (at + n) % poolCount;
      done += n;
      await yieldToEventLoop();
      const el = performance.now() - t0;
      const rate = (done / el) * 1000;
      ctx.progress({ done, total: job.count, rate, unit: 'images', etaMs: Math.round(((job.count - done) / rate) * 1000) });
    }
    const elapsedMs = performance.now() - t0;
    return { images: job.count, elapsedMs, imagesPerSec: (job.count / elapsedMs) * 1000, backend: backendName() };
  } finally {
    if (own) model.dispose();
  }
}

async function runInspect(job: JobOf<'inspect'>): Promise<InspectJobResult> {
  const { model, info } = await loadModel(job.modelPath, { expect: job.expect, inputScale: job.inputScale });
  model.dispose();
  return { format: info.format, inputShape: info.inputShape, numClasses: info.numClasses, hash: info.hash, inputScale: info.inputScale };
}

export async function runJob(job: EngineJob, ctx: JobContext): Promise<unknown> {
  try {
    switch (job.kind) {
      case 'train':
        return await runTrain(job, ctx);
      case 'eval':
        return await runEval(job, ctx);
      case 'score':
        return await runScore(job, ctx);
      case 'predict-bench':
        return await runPredictBench(job, ctx);
      case 'inspect':
        return await runInspect(job);
      default:
        throw new Error(`unknown engine job kind ${String((job as { kind?: unknown }).kind)}`);
    }
  } catch (e) {
    if (ctx.signal.aborted && !(e instanceof CancelledError) && (e as Error)?.name === 'AbortError') throw new CancelledError();
    throw e;
  }
}
