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

const badScale = (scale: unknown): never => {
  throw new InputError('input scale', `expected 'unit', 'signed' or { mean, std > 0 } (per channel: lists of equal length), got ${JSON.stringify(scale)}`);
};

/** The single mul/add of a scale (per-channel lists must hold one value, or equal values). */
export function scaleFactors(scale: InputScale): { mul: number; add: number } {
  if (scale === 'unit') return { mul: 1 / 255, add: 0 };
  if (scale === 'signed') return { mul: 1 / 127.5, add: -1 };
  if (typeof scale === 'object' && scale !== null) {
    const means = Array.isArray(scale.mean) ? scale.mean : [scale.mean];
    const stds = Array.isArray(scale.std) ? scale.std : [scale.std];
    const ok = means.length >= 1 && means.length === stds.length && means.every((m) => Number.isFinite(m)) && stds.every((s) => Number.isFinite(s) && s > 0);
    if (!ok) badScale(scale);
    return { mul: 1 / (255 * stds[0]), add: -means[0] / stds[0] };
  }
  return badScale(scale);
}

/** mul/add of channel `c` of `channels`: a per-channel list must have one entry per channel. */
export function channelScale(scale: InputScale, c: number, channels: number): { mul: number; add: number } {
  const base = scaleFactors(scale);
  if (typeof scale !== 'object' || !Array.isArray(scale.mean)) return base;
  const means = scale.mean;
  const stds = scale.std as number[];
  if (means.length === 1) return base;
  if (means.length !== channels) throw new InputError('input scale', `per-channel mean/std of ${means.length} values for images of ${channels} channel(s)`);
  return { mul: 1 / (255 * stds[c]), add: -means[c] / stds[c] };
}

/** Scales `count` raw images to float32 (same layout; `channels` for per-channel scales). */
export function scalePixels(raw: Uint8Array, scale: InputScale, out?: Float32Array, channels = 1): Float32Array {
  const f = out ?? new Float32Array(raw.length);
  const perChannel = typeof scale === 'object' && Array.isArray(scale.mean) && scale.mean.length > 1;
  if (!perChannel) {
    const { mul, add } = scaleFactors(scale);
    for (let i = 0; i < raw.length; i++) f[i] = raw[i] * mul + add;
    return f;
  }
  const fac = Array.from({ length: channels }, (_, c) => channelScale(scale, c, channels));
  for (let i = 0; i < raw.length; i++) {
    const { mul, add } = fac[i % channels];
    f[i] = raw[i] * mul + add;
  }
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
  const f = scalePixels(raw.subarray(0, count * size), scale, undefined, shape.channels);
  return layout === 'flat' ? tf.tensor2d(f, [count, size], 'float32') : tf.tensor4d(f, [count, shape.height, shape.width, shape.channels], 'float32');
}
