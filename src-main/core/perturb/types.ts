/** What every perturbation scheme is: defaults, validation and a pure apply on one image. */
import type { ImageShape, SchemeName } from '../../contract/types';
import type { Rng } from '../rng';

export type Params = Record<string, number>;

export interface ParamRule {
  /** inclusive bounds */
  min: number;
  max: number;
  integer?: boolean;
  doc: string;
}

export interface Scheme {
  name: SchemeName;
  /** one line for reports and the UI */
  summary: string;
  defaults(shape: ImageShape): Params;
  /** bounds may depend on the shape (e.g. a patch no larger than the image) */
  rules(shape: ImageShape): Record<string, ParamRule>;
  /**
   * Write the perturbed `src` into `out` (same length; `out` is fully overwritten) drawing only
   * from `rng`, and return the number of pixel positions whose value differs from `src`.
   * `params` are already validated and complete.
   */
  apply(src: Uint8Array, out: Uint8Array, shape: ImageShape, rng: Rng, params: Params): number;
}

/** A scheme bound to its validated parameters and one image shape. */
export type Perturber = (src: Uint8Array, out: Uint8Array, rng: Rng) => number;
