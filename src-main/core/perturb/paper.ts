/**
 * The authors' scheme: k positions drawn WITH replacement, uniform over H·W (so at most k
 * distinct pixels change); every channel of a drawn pixel is set independently to a uniform
 * integer 0..254 on the raw 0..255 scale (never 255). Draw order per position: the position,
 * then one value per channel. This is the hot path of scoring, hence the hand-tuned count.
 */
import type { Scheme } from './types';
import { countChanged } from './common';

export const paper: Scheme = {
  name: 'paper',
  summary: 'k pixels drawn with replacement, each set to a random integer 0..254 (Ilie et al. 2020)',
  defaults: (shape) => ({ k: Math.round(Math.sqrt(shape.height * shape.width)) }),
  rules: () => ({ k: { min: 0, max: 1e6, integer: true, doc: 'number of draws (positions, with replacement)' } }),
  apply(src, out, shape, rng, params) {
    out.set(src);
    const c = shape.channels;
    const positions = shape.height * shape.width;
    const k = params.k;
    if (k > 64) {
      for (let i = 0; i < k; i++) {
        const base = rng.nextInt(positions) * c;
        for (let ch = 0; ch < c; ch++) out[base + ch] = rng.nextInt(255);
      }
      return countChanged(src, out, c);
    }
    // few draws: count the distinct drawn pixels that differ instead of scanning the image
    const drawn = new Array<number>(k);
    for (let i = 0; i < k; i++) {
      const base = rng.nextInt(positions) * c;
      drawn[i] = base;
      for (let ch = 0; ch < c; ch++) out[base + ch] = rng.nextInt(255);
    }
    let changed = 0;
    outer: for (let i = 0; i < k; i++) {
      const base = drawn[i];
      for (let j = 0; j < i; j++) if (drawn[j] === base) continue outer;
      for (let ch = 0; ch < c; ch++) {
        if (out[base + ch] !== src[base + ch]) {
          changed++;
          break;
        }
      }
    }
    return changed;
  },
};
