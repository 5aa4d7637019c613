/**
 * The perturbation schemes' parameters as users meet them: label, default, range and step, for
 * an image shape. One table, read by the renderer's forms, the contract's door (schemeSpec),
 * the services and the CLI; test/unit/scheme-specs.test.ts holds it against core's own rules
 * (src-main/core/perturb/*): the same keys and defaults, and ranges within core's. Where the
 * door is stricter than core it says why (k = 0 or a 0-pixel patch perturbs nothing, so every
 * correctly classified image would count as robust).
 *
 * Pure data and small functions: the renderer imports it as a value.
 */
import type { ImageShape, SchemeName } from './types';
import { numberProblem, type NumberRule } from './validate';

export interface ParamSpec extends NumberRule {
  key: string;
  /** what a form shows beside the field */
  label: string;
  doc: string;
  def: number;
  step: number;
}

export interface SchemeParamsSpec {
  name: SchemeName;
  label: string;
  params: ParamSpec[];
}

/** every scheme's name, once: the contract's doors (calls.ts, experiments.ts) make their enums from it */
export const SCHEME_NAMES = ['paper', 'pixels', 'salt-pepper', 'gaussian', 'blur', 'occlusion', 'brightness-contrast', 'fog'] as const satisfies readonly SchemeName[];

/** when no dataset is chosen yet */
export const DEFAULT_SHAPE: ImageShape = { height: 28, width: 28, channels: 1 };

const side = (s: ImageShape) => Math.min(s.height, s.width);
const sqrtArea = (s: ImageShape) => Math.round(Math.sqrt(s.height * s.width));

/** every scheme's parameters for images of `shape` */
export function schemeSpecs(shape: ImageShape = DEFAULT_SHAPE): SchemeParamsSpec[] {
  return [
    { name: 'paper', label: 'paper (k draws, with replacement)', params: [{ key: 'k', label: 'k', doc: 'number of draws (positions, with replacement); at least 1', def: sqrtArea(shape), min: 1, max: 1e6, integer: true, step: 1 }] },
    { name: 'pixels', label: 'pixels (k distinct)', params: [{ key: 'k', label: 'k', doc: 'number of distinct positions; at least 1, at most the pixels of an image', def: sqrtArea(shape), min: 1, max: shape.height * shape.width, integer: true, step: 1 }] },
    { name: 'salt-pepper', label: 'salt and pepper', params: [{ key: 'p', label: 'fraction of pixels', doc: 'fraction of pixels hit', def: 0.05, min: 0, max: 1, step: 0.01 }] },
    { name: 'gaussian', label: 'Gaussian noise', params: [{ key: 'sigma', label: 'σ (0..255 scale)', doc: 'standard deviation on the 0..255 scale', def: 25, min: 0, max: 1000, step: 1 }] },
    {
      name: 'blur',
      label: 'Gaussian blur',
      params: [
        { key: 'sigma', label: 'σ (pixels)', doc: 'blur standard deviation in pixels', def: 1, min: 0, max: 100, step: 0.1 },
        { key: 'sigmaMax', label: 'random σ up to', doc: 'upper end of a random σ; at most σ means a fixed σ', def: 1, min: 0, max: 100, step: 0.1 },
      ],
    },
    {
      name: 'occlusion',
      label: 'occlusion patch',
      params: [
        { key: 'size', label: 'patch side', doc: 'side of the square in pixels; at least 1, at most the image side', def: Math.max(1, Math.round(side(shape) / 4)), min: 1, max: side(shape), integer: true, step: 1 },
        { key: 'value', label: 'fill (−1 random)', doc: 'fill value 0..255, or -1 for a random one', def: 0, min: -1, max: 255, integer: true, step: 1 },
      ],
    },
    {
      name: 'brightness-contrast',
      label: 'brightness/contrast',
      params: [
        { key: 'brightness', label: 'brightness ± (0..255)', doc: 'largest absolute offset on the 0..255 scale', def: 32, min: 0, max: 255, step: 1 },
        { key: 'contrast', label: 'contrast ±', doc: 'largest relative change of contrast', def: 0.2, min: 0, max: 1, step: 0.05 },
      ],
    },
    {
      name: 'fog',
      label: 'fog / snow',
      params: [
        { key: 'density', label: 'density', doc: 'largest blend toward white', def: 0.5, min: 0, max: 1, step: 0.05 },
        { key: 'scale', label: 'cell size', doc: 'fog cell size in pixels (larger is smoother)', def: Math.max(2, Math.round(side(shape) / 4)), min: 1, max: 4096, integer: true, step: 1 },
        { key: 'flakes', label: 'snow flakes', doc: 'fraction of pixels turned into bright snow flakes', def: 0, min: 0, max: 1, step: 0.01 },
      ],
    },
  ];
}

export function schemeSpecOf(name: SchemeName, shape?: ImageShape): SchemeParamsSpec | undefined {
  return schemeSpecs(shape).find((s) => s.name === name);
}

/** the scheme's defaults for `shape` */
export function schemeDefaults(name: SchemeName, shape?: ImageShape): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of schemeSpecOf(name, shape)?.params ?? []) out[p.key] = p.def;
  return out;
}

/**
 * What is wrong with a scheme's parameters, per key, in words (empty when all is well). Without
 * a shape only the limits that hold for every shape are checked (e.g. k ≥ 1).
 */
export function schemeParamProblems(spec: { name: string; params: Record<string, unknown> }, shape?: ImageShape): Record<string, string> {
  const def = schemeSpecs(shape ?? { height: 1e6, width: 1e6, channels: 3 }).find((s) => s.name === spec.name);
  const out: Record<string, string> = {};
  if (!def) return out; // the name's own check reports an unknown scheme
  for (const [key, value] of Object.entries(spec.params ?? {})) {
    const p = def.params.find((x) => x.key === key);
    if (!p) {
      out[key] = `${spec.name} has no parameter "${key}" (it has ${def.params.map((x) => x.key).join(', ')})`;
      continue;
    }
    // without a shape, shape-bound maxima are those of a huge image: only the minimum, whole-number and fixed limits bite
    const problem = numberProblem(p.label, value, p);
    if (problem) out[key] = shape ? `${problem.replace(/\.$/, '')} for ${shape.height}×${shape.width} images.` : problem;
  }
  return out;
}
