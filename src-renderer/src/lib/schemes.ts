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
  { name: 'salt-pepper', label: 'salt and pepper', params: [{ key: 'k', label: 'k', def: 28, min: 1, max: 100000, step: 1 }] },
  { name: 'gaussian', label: 'Gaussian noise', params: [{ key: 'sigma', label: 'σ', def: 25, min: 0, max: 255, step: 1 }] },
  { name: 'blur', label: 'Gaussian blur', params: [{ key: 'radius', label: 'radius', def: 1, min: 0, max: 10, step: 0.1 }] },
  { name: 'occlusion', label: 'occlusion patch', params: [{ key: 'size', label: 'patch', def: 6, min: 1, max: 64, step: 1 }] },
  {
    name: 'brightness-contrast',
    label: 'brightness/contrast',
    params: [
      { key: 'brightness', label: 'brightness ±', def: 0.2, min: 0, max: 1, step: 0.05 },
      { key: 'contrast', label: 'contrast ±', def: 0.2, min: 0, max: 1, step: 0.05 },
    ],
  },
  { name: 'fog', label: 'fog / snow', params: [{ key: 'density', label: 'density', def: 0.3, min: 0, max: 1, step: 0.05 }] },
];

export function defaultParams(name: SchemeName, shape?: { height: number; width: number }): Record<string, number> {
  const def = SCHEMES.find((s) => s.name === name);
  const out: Record<string, number> = {};
  for (const p of def?.params ?? []) out[p.key] = p.def;
  if (shape && 'k' in out) out.k = Math.round(Math.sqrt(shape.height * shape.width));
  return out;
}
