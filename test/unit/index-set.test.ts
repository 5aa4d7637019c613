/** Run-length encoded index sets (overrides, tags, selections): the one codec in the contract. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as main from '../../src-main/contract/index-set';

const setOf = (runs: number[]) => new Set(main.indicesOf(runs));

describe('index sets (RLE)', () => {
  it('known answers: varints of (gap, length) after the run count', () => {
    expect(Array.from(main.encodeRuns([]))).toEqual([0]);
    expect(Array.from(main.encodeRuns([0, 1]))).toEqual([1, 0, 1]);
    expect(Array.from(main.encodeRuns([5, 3, 10, 1]))).toEqual([2, 5, 3, 2, 1]);
    // a million images in one range: 5 bytes
    expect(Array.from(main.encodeRuns([0, 1_000_000]))).toEqual([1, 0, 0xc0, 0x84, 0x3d]);
    expect(main.runsOf([3, 1, 2, 2, 9, 10, 0])).toEqual([0, 4, 9, 2]);
    expect(main.runsOfBitmap([0, 1, 1, 0, 1])).toEqual([1, 2, 4, 1]);
    expect(main.countRuns([0, 4, 9, 2])).toBe(6);
    expect(main.unionRuns([0, 2], [2, 3])).toEqual([0, 5]);
    expect(main.subtractRuns([0, 10], [3, 2])).toEqual([0, 3, 5, 5]);
    expect(main.intersectRuns([0, 10], [8, 5])).toEqual([8, 2]);
    expect(main.decodeIndexSet(main.encodeIndexSet([7, 3]))).toEqual([7, 3]);
  });

  it('properties: encode/decode round-trips; set algebra matches Set', () => {
    const indices = fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 300 });
    fc.assert(
      fc.property(indices, indices, (a, b) => {
        const ra = main.runsOf(a);
        const rb = main.runsOf(b);
        expect(main.decodeRuns(main.encodeRuns(ra))).toEqual(ra);
        expect(main.decodeRuns(main.encodeRuns(rb))).toEqual(rb);
        expect(setOf(ra)).toEqual(new Set(a));
        expect(main.countRuns(ra)).toBe(new Set(a).size);
        const sa = new Set(a);
        const sb = new Set(b);
        expect(setOf(main.unionRuns(ra, rb))).toEqual(new Set([...sa, ...sb]));
        expect(setOf(main.subtractRuns(ra, rb))).toEqual(new Set([...sa].filter((x) => !sb.has(x))));
        expect(setOf(main.intersectRuns(ra, rb))).toEqual(new Set([...sa].filter((x) => sb.has(x))));
        // canonical: runs sorted, disjoint, not touching
        const u = main.unionRuns(ra, rb);
        for (let k = 2; k < u.length; k += 2) expect(u[k]).toBeGreaterThan(u[k - 2] + u[k - 1]);
        const bits = main.toBitmap(ra, 5001);
        expect(main.runsOfBitmap(bits)).toEqual(ra);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses damaged encodings', () => {
    expect(() => main.decodeRuns(new Uint8Array([2, 0, 1]))).toThrow(/truncated/);
    expect(() => main.decodeRuns(new Uint8Array([1, 0, 0]))).toThrow(/empty/);
    expect(() => main.decodeRuns(new Uint8Array([2, 0, 1, 0, 1]))).toThrow(/touches/);
    expect(() => main.decodeRuns(new Uint8Array([1, 0, 1, 9]))).toThrow(/trailing/);
    expect(() => main.decodeRuns(new Uint8Array([200]))).toThrow(/truncated/);
    expect(() => main.runsOf([-1])).toThrow(/bad index/);
  });
});
