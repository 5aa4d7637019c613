/** Exactly k distinct positions (Floyd's sampling), every channel set to a uniform 0..255. */
import type { Scheme } from './types';
import { countChanged, distinctPositions } from './common';

export const pixels: Scheme = {
  name: 'pixels',
  summary: 'k distinct pixels, each set to a random value 0..255',
  defaults: (shape) => ({ k: Math.round(Math.sqrt(shape.height * shape.width)) }),
  rules: (shape) => ({ k: { min: 0, max: shape.height * shape.width, integer: true, doc: 'number of distinct positions' } }),
  apply(src, out, shape, rng, params) {
    out.set(src);
    const c = shape.channels;
    for (const pos of distinctPositions(rng, shape.height * shape.width, params.k)) {
      for (let ch = 0; ch < c; ch++) out[pos * c + ch] = rng.nextInt(256);
    }
    return countChanged(src, out, c);
  },
};
