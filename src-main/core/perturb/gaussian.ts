/** Additive N(0, sigma²) noise per value on the raw scale, rounded and clamped to 0..255. */
import type { Scheme } from './types';
import { clampByte, countChanged } from './common';

export const gaussian: Scheme = {
  name: 'gaussian',
  summary: 'additive Gaussian noise of standard deviation sigma (raw 0..255 scale)',
  defaults: () => ({ sigma: 25 }),
  rules: () => ({ sigma: { min: 0, max: 1000, doc: 'standard deviation on the 0..255 scale' } }),
  apply(src, out, shape, rng, params) {
    for (let i = 0; i < src.length; i++) out[i] = clampByte(src[i] + params.sigma * rng.nextGaussian());
    return countChanged(src, out, shape.channels);
  },
};
