import type { SchemeName } from '../../../src-main/contract';

export interface SchemeParam {
  key: string;
  label: string;
  def: number;
  min: number;
  max: number;
  step: number;
}

export interface SchemeDef {
  name: SchemeName;
  label: string;
  params: SchemeParam[];
}

/** The perturbation schemes and their parameters, as the forms show them. */
export const SCHEMES: SchemeDef[] = [
  { name: 'paper', label: 'paper (k draws, with replacement)', params: [{ key: 'k', label: 'k', def: 28, min: 1, max: 100000, step: 1 }] },
  { name: 'pixels', label: 'pixels (k distinct)', params: [{ key: 'k', label: 'k', def: 28, min: 1, max: 100000, step: 1 }] },
  { name: 'salt-pepper', label: 'salt and pepper', params: [{ key: 'p', label: 'fraction of pixels', def: 0.05, min: 0, max: 1, step: 0.01 }] },
  { name: 'gaussian', label: 'Gaussian noise', params: [{ key: 'sigma', label: 'σ (0..255 scale)', def: 25, min: 0, max: 255, step: 1 }] },
  {
    name: 'blur',
    label: 'Gaussian blur',
    params: [
      { key: 'sigma', label: 'σ (pixels)', def: 1, min: 0, max: 10, step: 0.1 },
      { key: 'sigmaMax', label: 'random σ up to', def: 1, min: 0, max: 10, step: 0.1 },
    ],
  },
  {
    name: 'occlusion',
    label: 'occlusion patch',
    params: [
      { key: 'size', label: 'patch side', def: 7, min: 0, max: 64, step: 1 },
      { key: 'value', label: 'fill (−1 random)', def: 0, min: -1, max: 255, step: 1 },
    ],
  },
  {
    name: 'brightness-contrast',
    label: 'brightness/contrast',
    params: [
      { key: 'brightness', label: 'brightness ± (0..255)', def: 32, min: 0, max: 255, step: 1 },
      { key: 'contrast', label: 'contrast ±', def: 0.2, min: 0, max: 1, step: 0.05 },
    ],
  },
  {
    name: 'fog',
    label: 'fog / snow',
    params: [
      { key: 'density', label: 'density', def: 0.5, min: 0, max: 1, step: 0.05 },
      { key: 'scale', label: 'cell size', def: 7, min: 1, max: 64, step: 1 },
      { key: 'flakes', label: 'snow flakes', def: 0, min: 0, max: 1, step: 0.01 },
    ],
  },
];

export function defaultParams(name: SchemeName, shape?: { height: number; width: number }): Record<string, number> {
  const def = SCHEMES.find((s) => s.name === name);
  const out: Record<string, number> = {};
  for (const p of def?.params ?? []) out[p.key] = p.def;
  if (shape && 'k' in out) out.k = Math.round(Math.sqrt(shape.height * shape.width));
  return out;
}
