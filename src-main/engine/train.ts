/**
 * Training: Adam (default hyper-parameters), categorical cross-entropy, batch 128, a seeded
 * validation split carved from the training images, a seeded shuffle per epoch, optional early
 * stopping. A custom batch loop so cancellation is per batch: a cancelled run keeps the weights
 * of the last completed batch. NaN loss stops with "training diverged: ...".
 */
import * as tf from '@tensorflow/tfjs';
import type { ArchName, InputScale } from '../contract/types';
import type { RawImages } from '../core/image';
import { modelInputShape } from './model-shape';
import { inputLayout } from './scaling';
import { mulberry32, shuffleInPlace } from './seeded';
import { batchTensors, carveValidation, checkTrainInputs, validate, weightsFinite } from './train-data';
import type { BatchSource, Carve } from './train-data';
import { BestWeights, Pace } from './train-state';
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

/** What every step of one run reads: its options, model, data, carve and limits, and its pace. */
interface Run {
  opts: TrainOptions;
  model: tf.LayersModel;
  src: BatchSource;
  carve: Carve;
  batchSize: number;
  /** batches per epoch */
  batches: number;
  /** epochs at most (`epochs`, or enough for `maxUpdates`) */
  epochLimit: number;
  /** report every this many batches */
  every: number;
  /** the per-epoch shuffle's generator (one draw sequence across epochs) */
  shuffleRand: () => number;
  pace: Pace;
}

/** Sums over the batches an epoch ran. */
interface EpochSums {
  lossSum: number;
  accSum: number;
  batchesRun: number;
  cancelled: boolean;
}

/** How the epoch loop ended: at its limit (epochs or updates), cancelled, or by early stopping. */
type Ending = 'limit' | 'cancelled' | 'stopped-early';

/**
 * Trains in named steps: `prepare` (check, build, carve), `epochLoop` (each epoch: `runEpoch`
 * then `closeEpoch`, with `BestWeights` deciding early stopping), restore the best weights
 * (converge budget), and `report`.
 */
export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const run = prepare(opts);
  const history: TrainHistory = { loss: [], acc: [], valLoss: [], valAcc: [] };
  const best = new BestWeights(opts.earlyStoppingPatience ?? 0, !!opts.restoreBest);
  let ended: { epochsRun: number; ending: Ending };
  try {
    ended = await epochLoop(run, history, best);
    // converge: the best weights are restored at the epoch limit too
    if (opts.restoreBest && ended.ending === 'limit' && best.epoch !== ended.epochsRun) best.restore(run.model);
  } finally {
    best.dispose();
  }
  return report(run, history, best, ended, performance.now() - t0);
}

/** Check the inputs, build (or take) and compile the model, carve the validation images. */
function prepare(opts: TrainOptions): Run {
  checkTrainInputs(opts);
  const { images, labels, numClasses, epochs, seed, maxUpdates } = opts;
  const batchSize = opts.batchSize ?? DEFAULT_TRAIN_BATCH;
  const model = opts.model ?? buildModel(opts.arch, images.shape, numClasses, seed);
  const layout = inputLayout(images.shape, modelInputShape(model));
  model.compile({ optimizer: tf.train.adam(opts.learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // seeded validation split from the training images only
  const carve = carveValidation(labels, images.count, opts.validationShare, seed, opts.validationMethod);
  const batches = Math.ceil(carve.trainIdx.length / batchSize);
  return {
    opts,
    model,
    src: { images, labels, numClasses, scale: opts.inputScale ?? 'unit', layout },
    carve,
    batchSize,
    batches,
    epochLimit: maxUpdates !== undefined ? Math.ceil(maxUpdates / batches) : epochs,
    every: Math.max(1, opts.everyNBatches ?? 10),
    shuffleRand: mulberry32(seed + 0x9e3779b9),
    pace: new Pace(maxUpdates !== undefined ? maxUpdates * batchSize : carve.trainIdx.length * epochs),
  };
}

/** False once `maxUpdates` gradient updates are done. */
function updatesLeft(run: Run): boolean {
  return run.opts.maxUpdates === undefined || run.pace.updates < run.opts.maxUpdates;
}

/** Epoch after epoch until the limit, a cancel, or early stopping. */
async function epochLoop(run: Run, history: TrainHistory, best: BestWeights): Promise<{ epochsRun: number; ending: Ending }> {
  let epochsRun = 0;
  for (let epoch = 1; epoch <= run.epochLimit; epoch++) {
    const sums = await runEpoch(run, epoch);
    if (sums.cancelled) return { epochsRun, ending: 'cancelled' };
    epochsRun = epoch;
    const v = await closeEpoch(run, epoch, sums, history);
    if (v && best.observe(run.model, epoch, v)) return { epochsRun, ending: 'stopped-early' };
    if (!updatesLeft(run)) break;
  }
  return { epochsRun, ending: 'limit' };
}

/** One epoch's batches in a fresh seeded order; stops early at the update budget or a cancel. */
async function runEpoch(run: Run, epoch: number): Promise<EpochSums> {
  const { opts, batches, batchSize } = run;
  const order = Int32Array.from(run.carve.trainIdx);
  shuffleInPlace(order, run.shuffleRand);
  const sums: EpochSums = { lossSum: 0, accSum: 0, batchesRun: 0, cancelled: false };
  for (let b = 0; b < batches; b++) {
    if (!updatesLeft(run)) break;
    await yieldToEventLoop();
    if (opts.signal?.aborted) {
      sums.cancelled = true;
      break;
    }
    const idx = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
    const { loss, acc } = await trainBatch(run, idx, epoch, b);
    sums.lossSum += loss;
    sums.accSum += acc;
    run.pace.step(idx.length);
    sums.batchesRun = b + 1;
    if ((b + 1) % run.every === 0 && b + 1 < batches) {
      opts.onProgress?.({ epoch, epochs: run.epochLimit, batch: b + 1, batches, loss: sums.lossSum / (b + 1), acc: sums.accSum / (b + 1), ...run.pace.rate(), epochEnd: false });
    }
  }
  return sums;
}

/** One gradient update on the images at `idx`; "training diverged" on a non-finite loss or weights. */
async function trainBatch(run: Run, idx: Int32Array, epoch: number, b: number): Promise<{ loss: number; acc: number }> {
  const { x, y } = batchTensors(run.src, idx);
  let out: number | number[];
  try {
    out = await run.model.trainOnBatch(x, y);
  } finally {
    x.dispose();
    y.dispose();
  }
  const [loss, acc] = Array.isArray(out) ? out : [out, NaN];
  // the loss clips probabilities (a NaN one can read as a finite -log(eps)), so NaN
  // weights are checked too: one summed scalar per batch
  if (!Number.isFinite(loss) || !(await weightsFinite(run.model))) throw new Error(`training diverged: loss is ${loss === Infinity || loss === -Infinity ? loss : 'NaN'} at epoch ${epoch} batch ${b + 1}`);
  return { loss, acc };
}

/** Validate (when images were carved), add the epoch to the history and report it. */
async function closeEpoch(run: Run, epoch: number, sums: EpochSums, history: TrainHistory): Promise<{ loss: number; acc: number } | null> {
  const { batches, epochLimit } = run;
  const v = run.carve.valIdx.length > 0 ? await validate(run.model, run.src, run.carve.valIdx) : null;
  const nb = Math.max(1, sums.batchesRun);
  history.loss.push(sums.lossSum / nb);
  history.acc.push(sums.accSum / nb);
  history.valLoss.push(v ? v.loss : NaN);
  history.valAcc.push(v ? v.acc : NaN);
  run.opts.onProgress?.({
    epoch,
    epochs: epochLimit,
    batch: batches,
    batches,
    loss: sums.lossSum / nb,
    acc: sums.accSum / nb,
    ...(v ? { valLoss: v.loss, valAcc: v.acc } : {}),
    ...run.pace.rate(),
    etaMs: epoch === epochLimit ? 0 : run.pace.rate().etaMs,
    epochEnd: true,
  });
  return v;
}

/** The result: the validation accuracy is the restored best epoch's, else the last epoch's. */
function report(run: Run, history: TrainHistory, best: BestWeights, ended: { epochsRun: number; ending: Ending }, elapsedMs: number): TrainResult {
  const cancelled = ended.ending === 'cancelled';
  const stoppedEarly = ended.ending === 'stopped-early';
  const { trainIdx, valIdx } = run.carve;
  const valCount = valIdx.length;
  const restored = (stoppedEarly || (run.opts.restoreBest && !cancelled)) && best.any;
  const valAccuracy = restored ? best.acc : valCount > 0 && history.valAcc.length ? history.valAcc[history.valAcc.length - 1] : null;
  return { model: run.model, history, valAccuracy, epochsRun: ended.epochsRun, cancelled, stoppedEarly, elapsedMs, trainCount: trainIdx.length, valCount, updates: run.pace.updates, valPositions: Array.from(valIdx) };
}
