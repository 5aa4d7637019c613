/**
 * Brightness/contrast jitter: offset b uniform in [-brightness, brightness] (raw scale) and
 * factor f uniform in [1 - contrast, 1 + contrast], drawn in that order;
 * out = clamp(round((x - mean)·f + mean + b)) with mean the image's mean value (as
 * torchvision's adjust_contrast does).
 */
import type { Scheme } from './types';
import { clampByte, countChanged, uniformIn } from './common';

export const brightnessContrast: Scheme = {
  name: 'brightness-contrast',
  summary: 'random brightness offset and contrast factor',
  defaults: () => ({ brightness: 32, contrast: 0.2 }),
  rules: () => ({
    brightness: { min: 0, max: 255, doc: 'largest absolute offset on the 0..255 scale' },
    contrast: { min: 0, max: 1, doc: 'largest relative change of contrast' },
  }),
  apply(src, out, shape, rng, params) {
    const b = uniformIn(rng, -params.brightness, params.brightness);
    const f = uniformIn(rng, 1 - params.contrast, 1 + params.contrast);
    let sum = 0;
    for (let i = 0; i < src.length; i++) sum += src[i];
    const mean = src.length ? sum / src.length : 0;
    for (let i = 0; i < src.length; i++) out[i] = clampByte((src[i] - mean) * f + mean + b);
    return countChanged(src, out, shape.channels);
  },
};
