/**
 * What an engine worker does with each job kind. Runs in the worker (or in-process for tests):
 * reads pixel files itself, reports progress/partials through the context, honours the signal.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../contract/types';
import type { Classification, Classifier } from '../core/classifier';
import { CancelledError, InputError } from '../core/errors';
import type { RawImages } from '../core/image';
import { imageSize } from '../core/image';
import { etaMs, startProgress, updateProgress } from '../core/progress';
import { runRpr } from '../core/scheduler';
import { evaluateClassifier, evaluateModel, type RangeImages } from './evaluate';
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
  ConvertJobResult,
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
import { CONVERSION_SAMPLE, convertAndCheck, convertedPath, isOnnxPath } from './onnx/inference';
import { currentProvider, loadOrt, openSession, ortLoaded } from './onnx/runtime';
import { convertLayersModel } from './onnx/convert';
import { createOrtClassifier } from './onnx/classifier';
import { encodeModel } from './onnx/proto';
import { isLayersModel } from './model-shape';
import { fileKey, selectClassifier } from './select';

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
  const batchSize0 = job.batchSize ?? 128;
  const total = job.maxUpdates !== undefined ? Math.min(job.maxUpdates * batchSize0, Number.MAX_SAFE_INTEGER) : trainCount * job.epochs;
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
    validationMethod: job.validationMethod,
    maxUpdates: job.maxUpdates,
    restoreBest: job.restoreBest,
    everyNBatches: job.everyNBatches,
    signal: ctx.signal,
    onProgress: (p) => {
      const metrics: Record<string, number> = { epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, loss: p.loss, acc: p.acc, epochEnd: p.epochEnd ? 1 : 0 };
      if (p.valLoss !== undefined) metrics.valLoss = p.valLoss;
      if (p.valAcc !== undefined) metrics.valAcc = p.valAcc;
      const perEpoch = job.maxUpdates !== undefined ? p.batches * batchSize : trainCount;
      ctx.progress({ done: Math.min(total, (p.epoch - 1) * perEpoch + Math.min(perEpoch, p.batch * batchSize)), total, rate: p.samplesPerSec, unit: 'samples', etaMs: p.etaMs, metrics });
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
        updates: res.updates,
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
      updates: res.updates,
      valIndices: job.indices ? res.valPositions.map((k) => (job.indices as number[])[k]) : res.valPositions,
      history: res.history,
      backend: backendName(),
    };
  } finally {
    res.model.dispose();
  }
}

async function runEval(job: EvalJob, ctx: JobContext): Promise<EvalJobResult> {
  const expect = { shape: job.shape, numClasses: job.numClasses };
  const file = openPixelFile(job.pixelsPath, job.shape);
  try {
    const indices = job.indices ?? null;
    // read by range (a held-out carve is gathered chunk by chunk): no whole split in memory
    const images: RangeImages = indices ? { shape: job.shape, count: indices.length, range: (s, n) => file.gather(indices.slice(s, s + n)) } : file;
    // the model first: one that does not fit the dataset is the error to report, before its labels
    const sel = await selectClassifier(
      job.modelPath,
      { shape: job.shape, inputScale: job.inputScale, numClasses: job.numClasses, batchSize: job.batchSize ?? 512, sample: sampleOf(images) },
      () => cachedModel(job.modelPath, expect),
    );
    const allLabels = await readLabelFile(job.labelsPath, file.count, job.numClasses);
    const labels = indices ? Uint8Array.from(indices, (i) => allLabels[i]) : allLabels;
    let st = startProgress(performance.now());
    const ev = await evaluateClassifier(sel.classifier, images, labels, {
      chunk: evalChunk(job.shape),
      numClasses: job.numClasses,
      batchSize: job.batchSize ?? 512,
      signal: ctx.signal,
      onProgress: (done, total) => {
        st = updateProgress(st, performance.now(), done);
        ctx.progress({ done, total, rate: st.rate, unit: 'images', etaMs: etaMs(st, done, total) });
      },
    });
    return { accuracy: ev.accuracy, confusion: ev.confusion, count: ev.count, modelHash: sel.hash, backend: sel.backend, ...(sel.executionProvider ? { executionProvider: sel.executionProvider } : {}), ...(sel.fallback ? { fallback: sel.fallback } : {}) };
  } finally {
    file.close();
  }
}

/** The first images of a file (at most CONVERSION_SAMPLE): what an ONNX conversion is checked on. */
function sampleOf(images: RangeImages): RawImages {
  const n = Math.min(CONVERSION_SAMPLE, images.count);
  return { shape: images.shape, count: n, data: images.range(0, n) };
}

async function runScore(job: ScoreJob, ctx: JobContext): Promise<ScoreJobResult> {
  const t0 = performance.now();
  // each lane reads the file through its own window, one window ahead of its tasks
  const files: PixelFile[] = [];
  const open = (): PixelFile => {
    const f = openPixelFile(job.pixelsPath, job.shape);
    files.push(f);
    return f;
  };
  try {
    return await scoreFrom(open, job, ctx, t0);
  } finally {
    for (const f of files) f.close();
  }
}

async function scoreFrom(open: () => PixelFile, job: ScoreJob, ctx: JobContext, t0: number): Promise<ScoreJobResult> {
  const numClasses = job.tasks.reduce((m, t) => Math.max(m, t.label + 1), 2);
  const first = open();
  const sel = await selectClassifier(
    job.modelPath,
    { shape: job.shape, inputScale: job.inputScale, batchSize: job.batchSize, sample: sampleOf(first), tfjsOnly: job.tfjsOnly },
    () => cachedModel(job.modelPath, undefined),
  );
  if (sel.numClasses < numClasses) {
    throw new InputError(job.modelPath, `the model predicts ${sel.numClasses} classes but the scored images have labels up to ${numClasses - 1}`);
  }
  const classifier = yieldingClassifier(sel.classifier);
  let st = startProgress(performance.now());
  let done = 0;
  let predictions = 0;
  const total = job.tasks.length;
  // ascending index order: each lane's file is read one window ahead (results do not depend on the order)
  const sorted = job.tasks.every((t, i) => i === 0 || job.tasks[i - 1].index < t.index) ? job.tasks : [...job.tasks].sort((a, b) => a.index - b.index);
  // ONNX Runtime runs off the JS thread: two lanes of tasks (interleaved) overlap one lane's
  // perturbation with the other's inference. A result never depends on how tasks are split.
  const lanes = Math.max(1, Math.min(sel.lanes, Math.ceil(sorted.length / Math.max(1, job.batchSize))));
  const parts = Array.from({ length: lanes }, (_, l) => sorted.filter((_, i) => i % lanes === l));
  const laneSeen = new Map<number, number>();
  const outs = await Promise.all(
    parts.map((tasks, lane) =>
      runRpr({
        images: lane === 0 ? first : open(),
        tasks,
        scheme: job.scheme,
        seed: job.seed,
        split: job.split,
        maxSteps: job.maxSteps,
        batchSize: job.batchSize,
        classifier,
        signal: ctx.signal,
        keepResults: !job.streamOnly,
        onResults: (results, p) => {
          done += results.length;
          predictions += p.predictions - (laneSeen.get(lane) ?? 0);
          laneSeen.set(lane, p.predictions);
          st = updateProgress(st, performance.now(), predictions);
          ctx.partial(results);
          const imgRate = st.rate > 0 && predictions > 0 ? (st.rate * done) / predictions : 0;
          ctx.progress({ done, total, rate: st.rate, unit: 'predictions', etaMs: imgRate > 0 ? Math.round(((total - done) / imgRate) * 1000) : null, metrics: { predictions } });
        },
      }),
    ),
  );
  const results = outs.flatMap((o) => o.results).sort((a, b) => a.index - b.index);
  return {
    results,
    predictions: outs.reduce((a, o) => a + o.predictions, 0),
    elapsedMs: performance.now() - t0,
    backend: sel.backend,
    ...(sel.executionProvider ? { executionProvider: sel.executionProvider } : {}),
    ...(sel.fallback ? { fallback: sel.fallback } : {}),
  };
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
    let classifier = createTfClassifier(model, { shape: job.shape, inputScale: scale, batchSize: job.batchSize, numClasses: job.numClasses });
    let backend: BackendName = backendName();
    let release: (() => Promise<void>) | null = null;
    if (job.onnx) {
      const o = await benchSession(model, job.shape);
      classifier = o.classifier;
      release = o.release;
      backend = 'onnxruntime';
    }
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
    await release?.();
    return { images: job.count, elapsedMs, imagesPerSec: (job.count / elapsedMs) * 1000, backend, ...(job.onnx ? { executionProvider: currentProvider() } : {}) };
  } finally {
    if (own) model.dispose();
  }
}

async function runConvert(job: JobOf<'convert'>): Promise<ConvertJobResult> {
  const { model, info } = await loadModel(job.modelPath, { expect: { shape: job.shape, numClasses: job.numClasses }, inputScale: job.inputScale });
  try {
    const file = openPixelFile(job.pixelsPath, job.shape);
    let images: RawImages;
    try {
      images = sampleOf(file);
    } finally {
      file.close();
    }
    if (!ortLoaded()) loadOrt();
    const rec = await convertAndCheck(model, info.path, info.hash, images, job.inputScale ?? info.inputScale);
    const found = convertedPath(info.path, info.hash);
    return { ok: rec.ok && found.path !== null, onnxPath: found.path, reason: rec.reason ?? found.reason ?? undefined, sample: rec.sample, classDiffs: rec.classDiffs, maxAbsDeltaP: rec.maxAbsDeltaP };
  } finally {
    model.dispose();
  }
}

/** Accuracy at or below 1.5 / classes counts as near chance. */
const NEAR_CHANCE = 1.5;

/** A zoo or loaded TF.js model converted to ONNX in memory, on an ONNX Runtime classifier (predict-bench, calibration). */
async function benchSession(model: AnyModel, shape: RawImages['shape']): Promise<{ classifier: Classifier; release: () => Promise<void> }> {
  if (!isLayersModel(model)) throw new InputError('predict-bench', 'only layers models convert to ONNX');
  if (!ortLoaded()) loadOrt();
  const spec = convertLayersModel(model);
  const session = await openSession(encodeModel(spec));
  const k = Number(spec.output.dims[1]);
  return { classifier: createOrtClassifier(session, { shape, inputScale: 'unit', layout: shape.channels && spec.input.dims.length === 4 ? 'nchw' : 'flat', inputName: 'input', outputName: 'output', numClasses: k }), release: () => session.release() };
}

async function runInspect(job: JobOf<'inspect'>): Promise<InspectJobResult> {
  let out: InspectJobResult;
  if (isOnnxPath(job.modelPath)) {
    const shape = job.expect?.shape;
    if (!shape) throw new InputError(job.modelPath, 'an ONNX model is inspected against a dataset (its image shape decides the layout)');
    const sel = await selectClassifier(job.modelPath, { shape, inputScale: job.inputScale, numClasses: job.expect?.numClasses, batchSize: 256, onnx: job.onnx }, () => Promise.reject(new Error('not a TF.js model')));
    const o = sel.onnx as NonNullable<typeof sel.onnx>;
    out = {
      format: 'onnx',
      inputShape: o.inputDims.slice(1),
      numClasses: sel.numClasses,
      hash: sel.hash,
      inputScale: sel.inputScale,
      onnx: { inputName: o.inputName, outputName: o.outputName, layout: o.layout, inputDims: o.inputDims, outputKind: o.outputKind, externalFiles: o.externalFiles, opTypes: o.opTypes, summary: o.summary },
    };
    if (job.sample) out.sanity = await sanity(sel.classifier, job.sample, shape, sel.numClasses);
    return out;
  }
  const { model, info } = await loadModel(job.modelPath, { expect: job.expect, inputScale: job.inputScale });
  try {
    out = { format: info.format, inputShape: info.inputShape, numClasses: info.numClasses, hash: info.hash, inputScale: info.inputScale };
    if (job.sample && job.expect) out.sanity = await sanity(createTfClassifier(model, { shape: job.expect.shape, inputScale: info.inputScale, batchSize: 256, numClasses: info.numClasses }), job.sample, job.expect.shape, info.numClasses);
    return out;
  } finally {
    model.dispose();
  }
}

async function sanity(classifier: Classifier, sample: NonNullable<JobOf<'inspect'>['sample']>, shape: RawImages['shape'], numClasses: number): Promise<NonNullable<InspectJobResult['sanity']>> {
  const file = openPixelFile(sample.pixelsPath, shape);
  try {
    const labels = await readLabelFile(sample.labelsPath, file.count, numClasses);
    // an evenly spread sample (datasets are often sorted by class), gathered from the file
    const n = Math.min(sample.count, file.count);
    const idx = Array.from({ length: n }, (_, i) => Math.floor((i * file.count) / n));
    const imgs: RawImages = { shape, count: n, data: file.gather(idx) };
    const ev = await evaluateClassifier(classifier, imgs, Uint8Array.from(idx, (i) => labels[i]), { numClasses, batchSize: 256 });
    const chance = 1 / numClasses;
    return { split: sample.split, count: n, accuracy: ev.accuracy, chance, nearChance: ev.accuracy <= NEAR_CHANCE * chance };
  } finally {
    file.close();
  }
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
      case 'convert':
        return await runConvert(job);
      default:
        throw new Error(`unknown engine job kind ${String((job as { kind?: unknown }).kind)}`);
    }
  } catch (e) {
    if (ctx.signal.aborted && !(e instanceof CancelledError) && (e as Error)?.name === 'AbortError') throw new CancelledError();
    throw e;
  }
}
