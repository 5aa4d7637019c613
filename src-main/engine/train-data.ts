/**
 * The data side of training (engine/train.ts): checking the inputs, carving the validation
 * images out of the training images, and turning a batch of image positions into tensors.
 */
import * as tf from '@tensorflow/tfjs';
import type { InputScale } from '../contract/types';
import { InputError } from '../core/errors';
import type { RawImages } from '../core/image';
import { imageSize } from '../core/image';
import { stratifiedCarve } from '../core/lineage';
import { scaleFactors } from './scaling';
import { permutation } from './seeded';
import type { GatherImages, TrainOptions } from './train';

/** Everything a batch is built from: the images, their labels and how they enter the model. */
export interface BatchSource {
  images: RawImages | GatherImages;
  labels: Uint8Array;
  numClasses: number;
  scale: InputScale;
  layout: 'image' | 'flat';
}

/** The training images split in two, as positions into `images`, each ascending. */
export interface Carve {
  trainIdx: Int32Array;
  valIdx: Int32Array;
}

/** Refuses labels, shares and counts that cannot train, each with a sentence naming the field. */
export function checkTrainInputs(opts: TrainOptions): void {
  const { images, labels, numClasses, epochs } = opts;
  if (labels.length !== images.count) throw new InputError('labels', `${labels.length} labels for ${images.count} training images`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new InputError('labels', `label ${labels[i]} of image ${i} is not below the class count ${numClasses}`);
  }
  if (!(opts.validationShare >= 0 && opts.validationShare < 1)) throw new InputError('validationShare', `must be in [0, 1), got ${opts.validationShare}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError('epochs', `must be a positive integer, got ${epochs}`);
  if (opts.maxUpdates !== undefined && !(Number.isInteger(opts.maxUpdates) && opts.maxUpdates >= 1)) throw new InputError('maxUpdates', `must be a positive integer, got ${opts.maxUpdates}`);
}

/**
 * The seeded validation carve, from the training images only: per class ('stratified') or the
 * first `share` of a seeded permutation ('random', the original behaviour). Throws when no
 * training image is left.
 */
export function carveValidation(labels: Uint8Array, count: number, share: number, seed: number, method: TrainOptions['validationMethod']): Carve {
  let valIdx: Int32Array;
  let trainIdx: Int32Array;
  if (method === 'stratified') {
    valIdx = Int32Array.from(stratifiedCarve(labels, share, seed));
    const inVal = new Uint8Array(count);
    for (const i of valIdx) inVal[i] = 1;
    trainIdx = Int32Array.from({ length: count - valIdx.length }, () => 0);
    for (let i = 0, k = 0; i < count; i++) if (!inVal[i]) trainIdx[k++] = i;
  } else {
    const perm = permutation(count, seed ^ 0x5eed);
    const cut = Math.floor(count * share);
    valIdx = perm.slice(0, cut).sort();
    trainIdx = perm.slice(cut).sort();
  }
  if (trainIdx.length === 0) throw new InputError('training data', 'no training images left after the validation split');
  return { trainIdx, valIdx };
}

/** Builds the scaled input and one-hot target tensors of the images at `idx` (caller disposes). */
export function batchTensors(src: BatchSource, idx: ArrayLike<number>): { x: tf.Tensor; y: tf.Tensor } {
  const { images, labels, numClasses } = src;
  const size = imageSize(images.shape);
  const n = idx.length;
  const { mul, add } = scaleFactors(src.scale);
  const f = new Float32Array(n * size);
  const lab = new Int32Array(n);
  // in memory: read in place; from a file: this batch only, gathered in order
  const data = 'data' in images ? images.data : images.gather(idx);
  for (let i = 0; i < n; i++) {
    const from = ('data' in images ? idx[i] : i) * size;
    const dst = i * size;
    for (let j = 0; j < size; j++) f[dst + j] = data[from + j] * mul + add;
    lab[i] = labels[idx[i]];
  }
  const { height, width, channels } = images.shape;
  const x = src.layout === 'flat' ? tf.tensor2d(f, [n, size]) : tf.tensor4d(f, [n, height, width, channels]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(lab, 'int32'), numClasses).toFloat());
  return { x, y };
}

/** Mean cross-entropy and accuracy of the model on the images at `idx`, 1024 at a time. */
export async function validate(model: tf.LayersModel, src: BatchSource, idx: Int32Array): Promise<{ loss: number; acc: number }> {
  let lossSum = 0;
  let correct = 0;
  const step = 1024;
  for (let s = 0; s < idx.length; s += step) {
    const part = idx.subarray(s, Math.min(idx.length, s + step));
    const [l, c] = tf.tidy(() => {
      const { x, y } = batchTensors(src, part);
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

/** True when every trainable weight is finite (one summed scalar). */
export async function weightsFinite(model: tf.LayersModel): Promise<boolean> {
  const s = tf.tidy(() => tf.addN(model.trainableWeights.map((w) => tf.sum(w.read()))));
  try {
    return Number.isFinite((await s.data())[0]);
  } finally {
    s.dispose();
  }
}
