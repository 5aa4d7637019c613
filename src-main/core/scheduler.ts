/**
 * The RPR scheduler: clean prediction, then perturbation steps t = 1.. of the ORIGINAL image
 * (stream (seed, split, index, t)) until the model first misses the label or maxSteps pass.
 *
 * Batching with early exit: every prediction batch holds up to batchSize slots (image, step).
 * While images wait in the queue, each active image gets exactly one slot per batch and new
 * images fill the rest (a new image's first slot is its clean prediction). Once the queue is
 * empty, free slots go to active images as extra consecutive steps, at most
 * floor(EXTRA_RATIO · s) for an image at step s: steps after a fooling one are wasted, so the
 * waste per image is at most EXTRA_RATIO · its steps, and
 * predictions <= (1 + EXTRA_RATIO) · Σ steps + N clean predictions.
 * A result depends only on (seed, split, index, step) and the classifier, never on the batch
 * size, the task order or how tasks are split.
 */
import type { SchemeSpec } from '../contract/types';
import type { Classifier } from './classifier';
import type { ImageSource, RawImages } from './image';
import { imageSize, rawSource } from './image';
import { CancelledError, InputError } from './errors';
import { makePerturber } from './perturb';
import { streamFor } from './rng';
import { clopperPearsonUpper } from './stats';

export interface ImageResult {
  index: number;
  label: number;
  /** 1-based step of the first fooling draw; maxSteps when robust; 0 when misclassified */
  steps: number;
  robust: boolean;
  cleanPred: number;
  cleanConf: number;
  /** label predicted on the first fooling perturbation, -1 when none */
  foolPred: number;
  /** one-sided Clopper–Pearson 95% upper bound on the per-draw fooling probability */
  foolUpper: number;
}

export interface RprOptions {
  /** in memory, or read image by image (each task's image is read once, in task order, when it enters) */
  images: RawImages | ImageSource;
  tasks: { index: number; label: number }[];
  scheme: SchemeSpec;
  seed: number;
  split: string;
  maxSteps: number;
  batchSize: number;
  classifier: Classifier;
  /** after each batch, with the images completed in it (commit them here) */
  onResults?: (results: ImageResult[], info: { predictions: number }) => void | Promise<void>;
  /** false: results are only handed to onResults, and the returned `results` is empty (a caller that
   * persists them as they come need not hold a split's worth of objects); default true */
  keepResults?: boolean;
  signal?: AbortSignal;
}

export const EXTRA_RATIO = 0.04;

/** Predictions of the authors' loop: the clean set plus every image at every step. */
export function authorsLoopPredictions(n: number, maxSteps: number): number {
  return n * (maxSteps + 1);
}

/** One-sided 95% upper bound for 1 fooling draw in `steps` draws (0 in maxSteps when robust). */
export function foolingUpperBound(steps: number, robust: boolean): number {
  if (steps === 0) return 1;
  if (robust) return 1 - Math.pow(0.05, 1 / steps);
  return clopperPearsonUpper(1, steps, 0.05);
}

interface Active {
  pos: number;
  index: number;
  label: number;
  next: number;
  cleanPred: number;
  cleanConf: number;
  done: boolean;
  /** the original image, copied when the task entered */
  src: Uint8Array;
}

function validate(opts: RprOptions): void {
  const { images, tasks, maxSteps, batchSize, classifier } = opts;
  const bad = (problem: string): never => {
    throw new InputError(`scoring ${opts.split}`, problem);
  };
  if (!Number.isInteger(maxSteps) || maxSteps < 1) bad(`maxSteps must be a positive integer, got ${maxSteps}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) bad(`batchSize must be a positive integer, got ${batchSize}`);
  const a = images.shape;
  const b = classifier.shape;
  if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    bad(`the model takes ${b.height}x${b.width}x${b.channels} images but the dataset has ${a.height}x${a.width}x${a.channels}`);
  }
  const seen = new Set<number>();
  for (const t of tasks) {
    if (!Number.isInteger(t.index) || t.index < 0 || t.index >= images.count) bad(`image index ${t.index} is outside 0..${images.count - 1}`);
    if (seen.has(t.index)) bad(`image index ${t.index} is listed twice`);
    seen.add(t.index);
    if (!Number.isInteger(t.label) || t.label < 0) bad(`image ${t.index} has an invalid label ${t.label}`);
  }
}

export async function runRpr(opts: RprOptions): Promise<{ results: ImageResult[]; predictions: number }> {
  validate(opts);
  const { tasks, seed, split, maxSteps, batchSize, classifier, signal } = opts;
  const images: ImageSource = 'data' in opts.images ? rawSource(opts.images) : opts.images;
  const perturb = makePerturber(opts.scheme, images.shape);
  const size = imageSize(images.shape);
  const upper = new Map<number, number>();
  const keep = opts.keepResults !== false;
  const results = new Array<ImageResult>(keep ? tasks.length : 0);
  let active: Active[] = [];
  let queued = 0;
  let predictions = 0;

  while (queued < tasks.length || active.length > 0) {
    if (signal?.aborted) throw new CancelledError();
    const slots: { a: Active; step: number }[] = [];
    for (const a of active) slots.push({ a, step: a.next++ });
    while (slots.length < batchSize && queued < tasks.length) {
      const t = tasks[queued];
      const a: Active = { pos: queued++, index: t.index, label: t.label, next: 0, cleanPred: -1, cleanConf: 0, done: false, src: images.image(t.index).slice() };
      active.push(a);
      slots.push({ a, step: a.next++ });
    }
    if (queued === tasks.length) {
      const firstSlots = slots.length;
      for (let j = 0; j < firstSlots && slots.length < batchSize; j++) {
        const { a, step } = slots[j];
        if (step === 0) continue;
        const extra = Math.min(Math.floor(EXTRA_RATIO * step), maxSteps - step, batchSize - slots.length);
        for (let e = 0; e < extra; e++) slots.push({ a, step: a.next++ });
      }
    }

    const batch = new Uint8Array(slots.length * size);
    slots.forEach(({ a, step }, j) => {
      const view = batch.subarray(j * size, (j + 1) * size);
      const src = a.src;
      if (step === 0) view.set(src);
      else perturb(src, view, streamFor(seed, split, a.index, step));
    });
    const out = await classifier.classify(batch, slots.length);
    if (out.classes.length < slots.length || out.confidence.length < slots.length) {
      throw new Error(`classifier returned ${out.classes.length} predictions for ${slots.length} images`);
    }
    predictions += slots.length;

    const completed: ImageResult[] = [];
    const finish = (a: Active, steps: number, robust: boolean, foolPred: number): void => {
      a.done = true;
      let bound = upper.get(robust ? -steps : steps);
      if (bound === undefined) {
        bound = foolingUpperBound(steps, robust);
        upper.set(robust ? -steps : steps, bound);
      }
      const r: ImageResult = { index: a.index, label: a.label, steps, robust, cleanPred: a.cleanPred, cleanConf: a.cleanConf, foolPred, foolUpper: bound };
      if (keep) results[a.pos] = r;
      completed.push(r);
    };
    slots.forEach(({ a, step }, j) => {
      if (a.done) return;
      const pred = out.classes[j];
      if (step === 0) {
        a.cleanPred = pred;
        a.cleanConf = out.confidence[j];
        if (pred !== a.label) finish(a, 0, false, -1);
      } else if (pred !== a.label) finish(a, step, false, pred);
      else if (step === maxSteps) finish(a, maxSteps, true, -1);
    });
    active = active.filter((a) => !a.done);
    if (opts.onResults) await opts.onResults(completed, { predictions });
  }
  return { results, predictions };
}
