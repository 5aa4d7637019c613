/**
 * The perturbation schemes and their parameters, as the forms show them: read from the
 * contract's one table (src-main/contract/schemes.ts), which a test holds against core's rules.
 */
import type { ImageShape, SchemeName } from '../../../src-main/contract';
import { DEFAULT_SHAPE, schemeDefaults, schemeSpecs } from '../../../src-main/contract/schemes';
import type { SchemeParamsSpec } from '../../../src-main/contract/schemes';

export type SchemeDef = SchemeParamsSpec;

/** the schemes with the ranges of a 28×28 image (labels and the scheme list do not depend on the shape) */
export const SCHEMES: SchemeDef[] = schemeSpecs(DEFAULT_SHAPE);

/** the schemes with ranges and defaults for images of `shape` */
export function schemesFor(shape?: ImageShape | null): SchemeDef[] {
  return schemeSpecs(shape ?? DEFAULT_SHAPE);
}

export function defaultParams(name: SchemeName, shape?: Pick<ImageShape, 'height' | 'width'> | null): Record<string, number> {
  return schemeDefaults(name, shape ? { channels: 1, ...shape } : DEFAULT_SHAPE);
}
