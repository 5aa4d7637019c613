/**
 * Separable Gaussian blur, borders clamped to the edge, kernel radius ceil(3·sigma).
 * Randomness: none when sigmaMax <= sigma (then every step gives the same image, so RPR is 1
 * or "robust"); otherwise one draw, the sigma used, uniform in [sigma, sigmaMax].
 */
import type { Scheme } from './types';
import { clampByte, countChanged, uniformIn } from './common';

export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

export const blur: Scheme = {
  name: 'blur',
  summary: 'Gaussian blur of standard deviation sigma (random in [sigma, sigmaMax] when sigmaMax > sigma)',
  defaults: () => ({ sigma: 1, sigmaMax: 1 }),
  rules: () => ({
    sigma: { min: 0, max: 100, doc: 'blur standard deviation in pixels (kernel radius ceil(3 sigma))' },
    sigmaMax: { min: 0, max: 100, doc: 'upper end of a random sigma; <= sigma means a fixed sigma' },
  }),
  apply(src, out, shape, rng, params) {
    const sigma = params.sigmaMax > params.sigma ? uniformIn(rng, params.sigma, params.sigmaMax) : params.sigma;
    if (sigma <= 0) {
      out.set(src);
      return 0;
    }
    const { height: h, width: w, channels: c } = shape;
    const kernel = gaussianKernel(sigma);
    const r = (kernel.length - 1) / 2;
    const tmp = new Float64Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let i = -r; i <= r; i++) {
            const xx = Math.min(w - 1, Math.max(0, x + i));
            acc += kernel[i + r] * src[(y * w + xx) * c + ch];
          }
          tmp[(y * w + x) * c + ch] = acc;
        }
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let i = -r; i <= r; i++) {
            const yy = Math.min(h - 1, Math.max(0, y + i));
            acc += kernel[i + r] * tmp[(yy * w + x) * c + ch];
          }
          out[(y * w + x) * c + ch] = clampByte(acc);
        }
      }
    }
    return countChanged(src, out, c);
  },
};
