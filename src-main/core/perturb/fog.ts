/**
 * Fog / snow overlay. A smooth random field (value noise: uniform values on a grid of cells of
 * `scale` pixels, bilinearly interpolated) gives alpha = density·field in [0, density]; every
 * value is blended toward white: x + (255 - x)·alpha. Then round(flakes·H·W) distinct pixels
 * (snow) become bright flakes of a uniform value 200..255. Draw order: grid values row by row,
 * then flake positions, then one value per flake.
 */
import type { Scheme } from './types';
import { clampByte, countChanged, distinctPositions } from './common';

export const fog: Scheme = {
  name: 'fog',
  summary: 'smooth random fog blended toward white, plus optional snow flakes',
  defaults: (shape) => ({ density: 0.5, scale: Math.max(2, Math.round(Math.min(shape.height, shape.width) / 4)), flakes: 0 }),
  rules: () => ({
    density: { min: 0, max: 1, doc: 'largest blend toward white' },
    scale: { min: 1, max: 4096, integer: true, doc: 'fog cell size in pixels (larger is smoother)' },
    flakes: { min: 0, max: 1, doc: 'fraction of pixels turned into bright snow flakes' },
  }),
  apply(src, out, shape, rng, params) {
    const { height: h, width: w, channels: c } = shape;
    const s = params.scale;
    const gw = Math.ceil((w - 1) / s) + 1;
    const gh = Math.ceil((h - 1) / s) + 1;
    const grid = new Float64Array(gw * gh);
    for (let i = 0; i < grid.length; i++) grid[i] = rng.nextFloat();
    for (let y = 0; y < h; y++) {
      const gy = Math.floor(y / s);
      const fy = y / s - gy;
      const gy1 = Math.min(gh - 1, gy + 1);
      for (let x = 0; x < w; x++) {
        const gx = Math.floor(x / s);
        const fx = x / s - gx;
        const gx1 = Math.min(gw - 1, gx + 1);
        const top = grid[gy * gw + gx] * (1 - fx) + grid[gy * gw + gx1] * fx;
        const bottom = grid[gy1 * gw + gx] * (1 - fx) + grid[gy1 * gw + gx1] * fx;
        const alpha = params.density * (top * (1 - fy) + bottom * fy);
        for (let ch = 0; ch < c; ch++) {
          const i = (y * w + x) * c + ch;
          out[i] = clampByte(src[i] + (255 - src[i]) * alpha);
        }
      }
    }
    const flakes = distinctPositions(rng, h * w, Math.round(params.flakes * h * w));
    for (const pos of flakes) {
      const v = 200 + rng.nextInt(56);
      for (let ch = 0; ch < c; ch++) out[pos * c + ch] = v;
    }
    return countChanged(src, out, c);
  },
};
