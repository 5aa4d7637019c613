/** round(p·H·W) distinct pixels, each set (all channels) to 0 or 255 with equal chance. */
import type { Scheme } from './types';
import { countChanged, distinctPositions } from './common';

export const saltPepper: Scheme = {
  name: 'salt-pepper',
  summary: 'a fraction p of the pixels set to black or white',
  defaults: () => ({ p: 0.05 }),
  rules: () => ({ p: { min: 0, max: 1, doc: 'fraction of pixels hit' } }),
  apply(src, out, shape, rng, params) {
    out.set(src);
    const c = shape.channels;
    const total = shape.height * shape.width;
    for (const pos of distinctPositions(rng, total, Math.round(params.p * total))) {
      const v = rng.nextU32() & 1 ? 255 : 0;
      for (let ch = 0; ch < c; ch++) out[pos * c + ch] = v;
    }
    return countChanged(src, out, c);
  },
};
