/**
 * Training: Adam (default hyper-parameters), categorical cross-entropy, batch 128, a seeded
 * validation split carved from the training images, a seeded shuffle per epoch, optional early
 * stopping. A custom batch loop so cancellation is per batch: a cancelled run keeps the weights
 * of the last completed batch. NaN loss stops with "training diverged: ...".
 */
import * as tf from '@tensorflow/tfjs';
import type { ArchName, InputScale } from '../contract/types';
import { InputError } from '../core/errors';
import type { RawImages } from '../core/image';
import { imageSize } from '../core/image';
import { modelInputShape } from './model-shape';
import { inputLayout, scaleFactors } from './scaling';
import { stratifiedCarve } from '../core/lineage';
import { mulberry32, permutation, shuffleInPlace } from './seeded';
import { buildModel } from './zoo';

export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** batches done in this epoch */
  batch: number;
  batches: number;
  /** mean loss / accuracy over this epoch's batches so far */
  loss: number;
  acc: number;
  valLoss?: number;
  valAcc?: number;
  samplesPerSec: number;
  etaMs: number;
  /** true on the report that closes an epoch (carries validation metrics) */
  epochEnd: boolean;
}

export interface TrainHistory {
  loss: number[];
  acc: number[];
  valLoss: number[];
  valAcc: number[];
}

/**
 * Training images read by index (a pixel file too large to hold: each batch is gathered from
 * disk). `gather` packs the images at `indices`, in that order.
 */
export interface GatherImages {
  shape: RawImages['shape'];
  count: number;
  gather(indices: ArrayLike<number>): Uint8Array;
}

export interface TrainOptions {
  images: RawImages | GatherImages;
  labels: Uint8Array;
  numClasses: number;
  arch: ArchName;
  epochs: number;
  seed: number;
  batchSize?: number;
  /** share of the training images held out for validation (0 = none) */
  validationShare: number;
  /** stop after this many epochs without a better validation loss and restore the best weights (0/undefined = off) */
  earlyStoppingPatience?: number;
  onProgress?: (p: TrainProgress) => void;
  /** report every N batches (default 10), besides each epoch's end */
  everyNBatches?: number;
  signal?: AbortSignal;
  inputScale?: InputScale;
  /** continue from this model instead of building `arch` from the zoo */
  model?: tf.LayersModel;
  /** Adam learning rate (default 0.001, Adam's default) */
  learningRate?: number;
  /** how the validation carve is drawn: 'random' (seeded permutation, the original behaviour) or 'stratified' (per class) */
  validationMethod?: 'random' | 'stratified';
  /** stop after exactly this many gradient updates (equal-steps budget); `epochs` is then ignored */
  maxUpdates?: number;
  /** restore the weights of the best validation loss when training ends (converge budget) */
  restoreBest?: boolean;
}

export interface TrainResult {
  model: tf.LayersModel;
  history: TrainHistory;
  valAccuracy: number | null;
  epochsRun: number;
  cancelled: boolean;
  stoppedEarly: boolean;
  elapsedMs: number;
  trainCount: number;
  valCount: number;
  /** gradient updates (batches) applied */
  updates: number;
  /** positions (into `images`) of the validation carve, ascending */
  valPositions: number[];
}

export const DEFAULT_TRAIN_BATCH = 128;

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Builds the scaled input and one-hot target tensors of the images at `idx` (caller disposes). */
function batchTensors(
  images: RawImages | GatherImages,
  labels: Uint8Array,
  idx: ArrayLike<number>,
  numClasses: number,
  scale: InputScale,
  layout: 'image' | 'flat',
): { x: tf.Tensor; y: tf.Tensor } {
  const size = imageSize(images.shape);
  const n = idx.length;
  const { mul, add } = scaleFactors(scale);
  const f = new Float32Array(n * size);
  const lab = new Int32Array(n);
  // in memory: read in place; from a file: this batch only, gathered in order
  const data = 'data' in images ? images.data : images.gather(idx);
  for (let i = 0; i < n; i++) {
    const src = ('data' in images ? idx[i] : i) * size;
    const dst = i * size;
    for (let j = 0; j < size; j++) f[dst + j] = data[src + j] * mul + add;
    lab[i] = labels[idx[i]];
  }
  const { height, width, channels } = images.shape;
  const x = layout === 'flat' ? tf.tensor2d(f, [n, size]) : tf.tensor4d(f, [n, height, width, channels]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(lab, 'int32'), numClasses).toFloat());
  return { x, y };
}

async function validate(model: tf.LayersModel, images: RawImages | GatherImages, labels: Uint8Array, idx: Int32Array, numClasses: number, scale: InputScale, layout: 'image' | 'flat'): Promise<{ loss: number; acc: number }> {
  let lossSum = 0;
  let correct = 0;
  const step = 1024;
  for (let s = 0; s < idx.length; s += step) {
    const part = idx.subarray(s, Math.min(idx.length, s + step));
    const [l, c] = tf.tidy(() => {
      const { x, y } = batchTensors(images, labels, part, numClasses, scale, layout);
      const p = (model.predict(x, { batchSize: 512 }) as tf.Tensor).clipByValue(1e-7, 1 - 1e-7);
      const loss = tf.sum(tf.mul(y, tf.log(p)).neg());
      const corr = tf.sum(tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)).toInt());
      return [loss, corr];
    });
    lossSum += (await l.data())[0];
    correct += (await c.data())[0];
    l.dispose();
    c.dispose();
  }
  return { loss: lossSum / idx.length, acc: correct / idx.length };
}

async function weightsFinite(model: tf.LayersModel): Promise<boolean> {
  const s = tf.tidy(() => tf.addN(model.trainableWeights.map((w) => tf.sum(w.read()))));
  try {
    return Number.isFinite((await s.data())[0]);
  } finally {
    s.dispose();
  }
}

export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const { images, labels, numClasses, epochs, seed } = opts;
  const batchSize = opts.batchSize ?? DEFAULT_TRAIN_BATCH;
  const scale = opts.inputScale ?? 'unit';
  const every = Math.max(1, opts.everyNBatches ?? 10);
  if (labels.length !== images.count) throw new InputError('labels', `${labels.length} labels for ${images.count} training images`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new InputError('labels', `label ${labels[i]} of image ${i} is not below the class count ${numClasses}`);
  }
  if (!(opts.validationShare >= 0 && opts.validationShare < 1)) throw new InputError('validationShare', `must be in [0, 1), got ${opts.validationShare}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError('epochs', `must be a positive integer, got ${epochs}`);
  if (opts.maxUpdates !== undefined && !(Number.isInteger(opts.maxUpdates) && opts.maxUpdates >= 1)) throw new InputError('maxUpdates', `must be a positive integer, got ${opts.maxUpdates}`);

  const model = opts.model ?? buildModel(opts.arch, images.shape, numClasses, seed);
  const layout = inputLayout(images.shape, modelInputShape(model));
  model.compile({ optimizer: tf.train.adam(opts.learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  // seeded validation split from the training images only
  let valIdx: Int32Array;
  let trainIdx: Int32Array;
  if (opts.validationMethod === 'stratified') {
    valIdx = Int32Array.from(stratifiedCarve(labels, opts.validationShare, seed));
    const inVal = new Uint8Array(images.count);
    for (const i of valIdx) inVal[i] = 1;
    trainIdx = Int32Array.from({ length: images.count - valIdx.length }, () => 0);
    for (let i = 0, k = 0; i < images.count; i++) if (!inVal[i]) trainIdx[k++] = i;
  } else {
    const perm = permutation(images.count, seed ^ 0x5eed);
    const cut = Math.floor(images.count * opts.validationShare);
    valIdx = perm.slice(0, cut).sort();
    trainIdx = perm.slice(cut).sort();
  }
  const valCount = valIdx.length;
  if (trainIdx.length === 0) throw new InputError('training data', 'no training images left after the validation split');
  const batches = Math.ceil(trainIdx.length / batchSize);
  const maxUpdates = opts.maxUpdates;
  const epochLimit = maxUpdates !== undefined ? Math.ceil(maxUpdates / batches) : epochs;
  let updates = 0;
  const shuffleRand = mulberry32(seed + 0x9e3779b9);

  const history: TrainHistory = { loss: [], acc: [], valLoss: [], valAcc: [] };
  const patience = opts.earlyStoppingPatience ?? 0;
  let best: { loss: number; weights: tf.Tensor[]; acc: number } | null = null;
  let sinceBest = 0;
  let bestEpoch = 0;
  let samplesDone = 0;
  const samplesTotal = maxUpdates !== undefined ? maxUpdates * batchSize : trainIdx.length * epochs;
  let cancelled = false;
  let stoppedEarly = false;
  let epochsRun = 0;
  const trainStart = performance.now();
  const rate = (): { samplesPerSec: number; etaMs: number } => {
    const el = performance.now() - trainStart;
    const sps = el > 0 ? (samplesDone / el) * 1000 : 0;
    return { samplesPerSec: sps, etaMs: sps > 0 ? ((samplesTotal - samplesDone) / sps) * 1000 : 0 };
  };

  try {
    for (let epoch = 1; epoch <= epochLimit && !cancelled; epoch++) {
      const order = Int32Array.from(trainIdx);
      shuffleInPlace(order, shuffleRand);
      let lossSum = 0;
      let accSum = 0;
      let batchesRun = 0;
      for (let b = 0; b < batches; b++) {
        if (maxUpdates !== undefined && updates >= maxUpdates) break;
        await yieldToEventLoop();
        if (opts.signal?.aborted) {
          cancelled = true;
          break;
        }
        const idx = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
        const { x, y } = batchTensors(images, labels, idx, numClasses, scale, layout);
        let out: number | number[];
        try {
          out = await model.trainOnBatch(x, y);
        } finally {
          x.dispose();
          y.dispose();
        }
        const [loss, acc] = Array.isArray(out) ? out : [out, NaN];
        // the loss clips probabilities (a NaN one can read as a finite -log(eps)), so NaN
        // weights are checked too: one summed scalar per batch
        if (!Number.isFinite(loss) || !(await weightsFinite(model))) throw new Error(`training diverged: loss is ${loss === Infinity || loss === -Infinity ? loss : 'NaN'} at epoch ${epoch} batch ${b + 1}`);
        lossSum += loss;
        accSum += acc;
        samplesDone += idx.length;
        updates++;
        batchesRun = b + 1;
        if ((b + 1) % every === 0 && b + 1 < batches) {
          opts.onProgress?.({ epoch, epochs: epochLimit, batch: b + 1, batches, loss: lossSum / (b + 1), acc: accSum / (b + 1), ...rate(), epochEnd: false });
        }
      }
      if (cancelled) break;
      epochsRun = epoch;
      const v = valCount > 0 ? await validate(model, images, labels, valIdx, numClasses, scale, layout) : null;
      const nb = Math.max(1, batchesRun);
      history.loss.push(lossSum / nb);
      history.acc.push(accSum / nb);
      history.valLoss.push(v ? v.loss : NaN);
      history.valAcc.push(v ? v.acc : NaN);
      opts.onProgress?.({
        epoch,
        epochs: epochLimit,
        batch: batches,
        batches,
        loss: lossSum / nb,
        acc: accSum / nb,
        ...(v ? { valLoss: v.loss, valAcc: v.acc } : {}),
        ...rate(),
        etaMs: epoch === epochLimit ? 0 : rate().etaMs,
        epochEnd: true,
      });
      if ((patience > 0 || opts.restoreBest) && v) {
        if (!best || v.loss < best.loss) {
          best?.weights.forEach((w) => w.dispose());
          best = { loss: v.loss, acc: v.acc, weights: model.getWeights().map((w) => w.clone()) };
          bestEpoch = epoch;
          sinceBest = 0;
        } else if (patience > 0 && ++sinceBest >= patience) {
          model.setWeights(best.weights);
          stoppedEarly = true;
          break;
        }
      }
      if (maxUpdates !== undefined && updates >= maxUpdates) break;
    }
    // converge: the best weights are restored at the epoch limit too
    if (opts.restoreBest && best && !stoppedEarly && !cancelled && bestEpoch !== epochsRun) model.setWeights(best.weights);
  } finally {
    best?.weights.forEach((w) => w.dispose());
  }
  const restored = (stoppedEarly || (opts.restoreBest && !cancelled)) && best;
  const valAccuracy = restored && best ? best.acc : valCount > 0 && history.valAcc.length ? history.valAcc[history.valAcc.length - 1] : null;
  return { model, history, valAccuracy, epochsRun, cancelled, stoppedEarly, elapsedMs: performance.now() - t0, trainCount: trainIdx.length, valCount, updates, valPositions: Array.from(valIdx) };
}
