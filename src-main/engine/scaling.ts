/**
 * Raw uint8 HWC images → the float32 input a model expects, per its InputScale:
 * 'unit' x/255, 'signed' x/127.5 − 1, {mean, std} (x/255 − mean)/std. Flat models get
 * flattened images; any other shape mismatch is an InputError naming both shapes.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageShape, InputScale } from '../contract/types';
import { InputError } from '../core/errors';
import { imageSize } from '../core/image';

/** Model input shape without the batch dimension; null = any size. */
export type ModelInputShape = (number | null)[];

export function scaleFactors(scale: InputScale): { mul: number; add: number } {
  if (scale === 'unit') return { mul: 1 / 255, add: 0 };
  if (scale === 'signed') return { mul: 1 / 127.5, add: -1 };
  if (typeof scale === 'object' && scale !== null && Number.isFinite(scale.mean) && Number.isFinite(scale.std) && scale.std > 0) {
    return { mul: 1 / (255 * scale.std), add: -scale.mean / scale.std };
  }
  throw new InputError('input scale', `expected 'unit', 'signed' or { mean, std > 0 }, got ${JSON.stringify(scale)}`);
}

/** Scales `count` raw images to float32 (same layout). */
export function scalePixels(raw: Uint8Array, scale: InputScale, out?: Float32Array): Float32Array {
  const { mul, add } = scaleFactors(scale);
  const f = out ?? new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) f[i] = raw[i] * mul + add;
  return f;
}

export function formatShape(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null || d === -1 ? '?' : d)).join(', ')}]`;
}

/**
 * How images of `shape` enter a model of input shape `modelShape` (batch dim excluded):
 * 'image' as NHWC, 'flat' as [N, H·W·C]; InputError when neither fits.
 */
export function inputLayout(shape: ImageShape, modelShape: ModelInputShape, what = 'model'): 'image' | 'flat' {
  const fits = (d: number | null, v: number): boolean => d === null || d === -1 || d === v;
  const dims = [shape.height, shape.width, shape.channels];
  if (modelShape.length === 3 && modelShape.every((d, i) => fits(d, dims[i]))) return 'image';
  if (modelShape.length === 1 && fits(modelShape[0], imageSize(shape))) return 'flat';
  throw new InputError(
    what,
    `model input shape ${formatShape(modelShape)} does not fit the dataset's images ${formatShape(dims)} (${shape.height}×${shape.width}×${shape.channels}, or flat [${imageSize(shape)}])`,
  );
}

/** A float32 input tensor for `count` raw images (caller disposes). */
export function toInputTensor(
  raw: Uint8Array,
  count: number,
  shape: ImageShape,
  scale: InputScale,
  layout: 'image' | 'flat' = 'image',
): tf.Tensor {
  const size = imageSize(shape);
  if (raw.length < count * size) throw new InputError('images', `expected ${count * size} bytes for ${count} images of ${formatShape([shape.height, shape.width, shape.channels])}, got ${raw.length}`);
  const f = scalePixels(raw.subarray(0, count * size), scale);
  return layout === 'flat' ? tf.tensor2d(f, [count, size], 'float32') : tf.tensor4d(f, [count, shape.height, shape.width, shape.channels], 'float32');
}
