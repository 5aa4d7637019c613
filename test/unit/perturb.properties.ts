/**
 * The property suite every perturbation scheme must pass (reused by perturb.test.ts for each
 * scheme and parameter set). `out` is a Float64Array during these checks so a value outside
 * 0..255 or a non-integer would show instead of wrapping silently as in a Uint8Array.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import type { ImageShape, SchemeSpec } from '../../src-main/contract/types';
import { countChanged, makePerturber } from '../../src-main/core/perturb';
import { streamFor } from '../../src-main/core/rng';

export const propertyShapes: ImageShape[] = [
  { height: 28, width: 28, channels: 1 },
  { height: 5, width: 8, channels: 3 },
  { height: 1, width: 1, channels: 1 },
  { height: 3, width: 7, channels: 1 },
];

const imageAndStream = fc
  .record({ shapeIndex: fc.nat(propertyShapes.length - 1), seed: fc.nat(), index: fc.nat(60000), step: fc.integer({ min: 1, max: 250 }) })
  .chain((r) => {
    const shape = propertyShapes[r.shapeIndex];
    const len = shape.height * shape.width * shape.channels;
    return fc.record({ src: fc.uint8Array({ minLength: len, maxLength: len }), shape: fc.constant(shape), seed: fc.constant(r.seed), index: fc.constant(r.index), step: fc.constant(r.step) });
  });

/** `spec(shape)` gives the scheme spec to test on that shape (params may depend on it). */
export function perturbationProperties(spec: (shape: ImageShape) => SchemeSpec, numRuns = 30): void {
  it('writes every value of out, as an integer in 0..255, and leaves src and the shape alone', () => {
    fc.assert(
      fc.property(imageAndStream, ({ src, shape, seed, index, step }) => {
        const before = src.slice();
        const out = new Float64Array(src.length).fill(-1);
        const changed = makePerturber(spec(shape), shape)(src, out as unknown as Uint8Array, streamFor(seed, 'p', index, step));
        expect(out.length).toBe(src.length);
        expect(Array.from(out).filter((v) => !(Number.isInteger(v) && v >= 0 && v <= 255))).toEqual([]);
        expect(src).toEqual(before);
        expect(changed).toBe(countChanged(src, Uint8Array.from(out), shape.channels));
        expect(changed).toBeLessThanOrEqual(shape.height * shape.width);
      }),
      { numRuns },
    );
  });

  it('is a pure function of (src, params, stream): same stream gives the same image whatever out held', () => {
    fc.assert(
      fc.property(imageAndStream, ({ src, shape, seed, index, step }) => {
        const perturb = makePerturber(spec(shape), shape);
        const a = new Uint8Array(src.length);
        const b = new Uint8Array(src.length).fill(77);
        const ca = perturb(src, a, streamFor(seed, 'p', index, step));
        const cb = perturb(src, b, streamFor(seed, 'p', index, step));
        expect(b).toEqual(a);
        expect(cb).toBe(ca);
      }),
      { numRuns },
    );
  });
}
