/**
 * A size×size square at a uniform random position (fully inside the image) set to `value`
 * in every channel; value -1 draws one uniform 0..255 value per application (after the
 * position: top row, left column, then the value).
 */
import type { Scheme } from './types';
import { countChanged } from './common';

export const occlusion: Scheme = {
  name: 'occlusion',
  summary: 'a random square patch set to one value',
  defaults: (shape) => ({ size: Math.max(1, Math.round(Math.min(shape.height, shape.width) / 4)), value: 0 }),
  rules: (shape) => ({
    size: { min: 0, max: Math.min(shape.height, shape.width), integer: true, doc: 'side of the square in pixels' },
    value: { min: -1, max: 255, integer: true, doc: 'fill value 0..255, or -1 for a random one' },
  }),
  apply(src, out, shape, rng, params) {
    out.set(src);
    const { height: h, width: w, channels: c } = shape;
    const s = params.size;
    if (s === 0) return 0;
    const top = rng.nextInt(h - s + 1);
    const left = rng.nextInt(w - s + 1);
    const v = params.value < 0 ? rng.nextInt(256) : params.value;
    for (let y = top; y < top + s; y++) {
      out.fill(v, (y * w + left) * c, (y * w + left + s) * c);
    }
    return countChanged(src, out, c);
  },
};
