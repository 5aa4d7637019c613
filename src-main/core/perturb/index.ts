/**
 * The perturbation schemes by name: defaults, validation, descriptions, and perturbers bound
 * to validated parameters. A perturbation is a pure function of (source image, params, rng).
 */
import type { ImageShape, SchemeName, SchemeSpec } from '../../contract/types';
import { InputError } from '../errors';
import { streamFor } from '../rng';
import type { Rng } from '../rng';
import type { Params, Perturber, Scheme } from './types';
import { countChanged } from './common';
import { paper } from './paper';
import { pixels } from './pixels';
import { saltPepper } from './salt-pepper';
import { gaussian } from './gaussian';
import { blur } from './blur';
import { occlusion } from './occlusion';
import { brightnessContrast } from './brightness-contrast';
import { fog } from './fog';

export type { Params, Perturber, Scheme } from './types';
export { countChanged, distinctPositions } from './common';

export const schemes: Readonly<Record<SchemeName, Scheme>> = {
  paper,
  pixels,
  'salt-pepper': saltPepper,
  gaussian,
  blur,
  occlusion,
  'brightness-contrast': brightnessContrast,
  fog,
};

export const schemeNames = Object.keys(schemes) as SchemeName[];

function schemeOf(name: string): Scheme {
  if (!Object.prototype.hasOwnProperty.call(schemes, name)) {
    throw new InputError(`scheme ${name}`, `unknown scheme; known: ${schemeNames.join(', ')}`);
  }
  return schemes[name as SchemeName];
}

/** core's defaults of a scheme for `shape` (the contract's schemeDefaults must equal them: test/unit/scheme-specs.test.ts) */
export function coreSchemeDefaults(name: SchemeName, shape: ImageShape): Params {
  return schemeOf(name).defaults(shape);
}

/** The spec's params over the defaults, every one checked; throws InputError naming the scheme. */
export function resolveParams(spec: SchemeSpec, shape: ImageShape): Params {
  const scheme = schemeOf(spec.name);
  const rules = scheme.rules(shape);
  const params = { ...scheme.defaults(shape) };
  for (const [key, value] of Object.entries(spec.params ?? {})) {
    const rule = rules[key];
    if (!rule) throw new InputError(`scheme ${spec.name}`, `unknown parameter "${key}"; known: ${Object.keys(rules).join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(`scheme ${spec.name}`, `parameter ${key} must be a finite number, got ${String(value)}`);
    if (rule.integer && !Number.isInteger(value)) throw new InputError(`scheme ${spec.name}`, `parameter ${key} must be an integer, got ${value}`);
    if (value < rule.min || value > rule.max) {
      throw new InputError(`scheme ${spec.name}`, `parameter ${key} must be in ${rule.min}..${rule.max} for ${shape.height}x${shape.width} images, got ${value}`);
    }
    params[key] = value;
  }
  return params;
}

/** e.g. `paper (k=28)`: the scheme with every resolved parameter, for reports and run.json. */
export function describeScheme(spec: SchemeSpec, shape?: ImageShape): string {
  const params = shape ? resolveParams(spec, shape) : spec.params;
  const list = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join(', ');
  return list ? `${spec.name} (${list})` : spec.name;
}

/** Validate once, then perturb many images of `shape` quickly. */
export function makePerturber(spec: SchemeSpec, shape: ImageShape): Perturber {
  const scheme = schemeOf(spec.name);
  const params = resolveParams(spec, shape);
  return (src, out, rng) => scheme.apply(src, out, shape, rng, params);
}

/**
 * Several schemes applied in order to the same image with ONE rng stream (each draws after the
 * previous one); returns the pixels changed relative to the original source.
 */
export function compose(specs: SchemeSpec[], shape: ImageShape): Perturber {
  if (specs.length === 0) throw new InputError('scheme composition', 'needs at least one scheme');
  const steps = specs.map((s) => makePerturber(s, shape));
  return (src, out, rng) => {
    steps[0](src, out, rng);
    if (steps.length > 1) {
      const tmp = new Uint8Array(out.length);
      for (let i = 1; i < steps.length; i++) {
        tmp.set(out);
        steps[i](tmp, out, rng);
      }
    }
    return countChanged(src, out, shape.channels);
  };
}

/** One-off convenience: perturb `src` into a new array. */
export function perturbImage(spec: SchemeSpec, src: Uint8Array, shape: ImageShape, rng: Rng): { image: Uint8Array; changed: number } {
  const image = new Uint8Array(src.length);
  const changed = makePerturber(spec, shape)(src, image, rng);
  return { image, changed };
}

/**
 * The perturbation scoring applies at (seed, split, index, step): regenerates exactly what the
 * model saw, for previews and the fooling view.
 */
export function perturbationAt(
  spec: SchemeSpec,
  src: Uint8Array,
  shape: ImageShape,
  at: { seed: number; split: string; index: number; step: number },
): { image: Uint8Array; changed: number } {
  return perturbImage(spec, src, shape, streamFor(at.seed, at.split, at.index, at.step));
}
