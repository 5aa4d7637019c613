import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hash32, mulhi32, philox4x32, rngFromState, streamFor } from '../../src-main/core/rng';

const hex = (words: number[]): string => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');

describe('Philox4x32 known answers', () => {
  // Random123 tests/kat_vectors (github.com/DEShawResearch/random123): columns are
  // rounds, counter (4 words), key (2 words), expected output (4 words).
  const kat: [number, string, string, string][] = [
    [10, '00000000 00000000 00000000 00000000', '00000000 00000000', '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
    [10, 'ffffffff ffffffff ffffffff ffffffff', 'ffffffff ffffffff', '408f276d 41c83b0e a20bc7c6 6d5451fd'],
    [10, '243f6a88 85a308d3 13198a2e 03707344', 'a4093822 299f31d0', 'd16cfe09 94fdcceb 5001e420 24126ea1'],
    [7, '00000000 00000000 00000000 00000000', '00000000 00000000', '5f6fb709 0d893f64 4f121f81 4f730a48'],
    [7, 'ffffffff ffffffff ffffffff ffffffff', 'ffffffff ffffffff', '5207ddc2 45165e59 4d8ee751 8c52f662'],
    [7, '243f6a88 85a308d3 13198a2e 03707344', 'a4093822 299f31d0', '4dfccaba 190a87f0 c47362ba b6b5242a'],
  ];
  const words = (s: string): number[] => s.split(' ').map((w) => parseInt(w, 16));
  it.each(kat)('philox4x32-%i %s / %s', (rounds, ctr, key, want) => {
    expect(hex(philox4x32(words(ctr), words(key), rounds))).toBe(want);
  });

  it('mulhi32 agrees with BigInt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
        expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
      }),
      { numRuns: 2000 },
    );
    expect(mulhi32(0xffffffff, 0xffffffff)).toBe(0xfffffffe);
  });
});

describe('streams', () => {
  it('the first words of a stream are the Philox block of (index, step, 0, 0) under key (seed, hash32(split))', () => {
    const r = streamFor(7, 'test', 42, 3);
    const block0 = philox4x32([42, 3, 0, 0], [7, hash32('test')]);
    const block1 = philox4x32([42, 3, 1, 0], [7, hash32('test')]);
    const got = Array.from({ length: 8 }, () => r.nextU32());
    expect(got).toEqual([...block0, ...block1]);
  });

  it('hash32 snapshot (a changed hash would change every stored score)', () => {
    expect(['train', 'test', 'curation', 'control', ''].map((s) => hash32(s).toString(16))).toMatchInlineSnapshot(`
      [
        "168017aa",
        "d3705a82",
        "fd6f89b",
        "f8ed4796",
        "ab3e7c0b",
      ]
    `);
  });

  it('stream snapshot', () => {
    const r = streamFor(0, 'test', 0, 1);
    expect([r.nextU32(), r.nextU32(), r.nextInt(784), r.nextInt(255), r.nextFloat()]).toMatchInlineSnapshot(`
      [
        2816288308,
        2001088485,
        507,
        171,
        0.38557499064195266,
      ]
    `);
  });

  it('is a pure function of (seed, split, index, step)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('train', 'test', 'x'), fc.nat(100000), fc.nat(1000), (seed, split, index, step) => {
        const a = streamFor(seed, split, index, step);
        const b = streamFor(seed, split, index, step);
        for (let i = 0; i < 9; i++) expect(a.nextU32()).toBe(b.nextU32());
      }),
      { numRuns: 200 },
    );
  });

  it('different (seed, split, index, step) give different streams', () => {
    const first = (s: number, split: string, i: number, t: number): string => {
      const r = streamFor(s, split, i, t);
      return hex([r.nextU32(), r.nextU32()]);
    };
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) for (let t = 0; t < 40; t++) seen.add(first(0, 'test', i, t));
    expect(seen.size).toBe(1600);
    expect(first(0, 'test', 1, 2)).not.toBe(first(0, 'test', 2, 1));
    expect(first(0, 'test', 1, 2)).not.toBe(first(0, 'train', 1, 2));
    expect(first(0, 'test', 1, 2)).not.toBe(first(1, 'test', 1, 2));
  });

  it('state round-trips through JSON mid-block', () => {
    const a = streamFor(3, 'train', 5, 9);
    a.nextU32();
    a.nextU32();
    a.nextU32(); // 1 word left in the block
    const b = rngFromState(JSON.parse(JSON.stringify(a.state())));
    for (let i = 0; i < 10; i++) expect(b.nextU32()).toBe(a.nextU32());
  });

  it('rejects a non-integer or out-of-range seed, index, step', () => {
    expect(() => streamFor(-1, 'a', 0, 0)).toThrow(/seed/);
    expect(() => streamFor(0, 'a', 1.5, 0)).toThrow(/index/);
    expect(() => streamFor(0, 'a', 0, 2 ** 32)).toThrow(/step/);
  });
});

describe('distributions', () => {
  it('nextInt stays in 0..n-1 for any n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), fc.nat(1000), (n, i) => {
        const r = streamFor(1, 's', i, 0);
        for (let k = 0; k < 20; k++) {
          const v = r.nextInt(n);
          expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true);
        }
      }),
    );
    expect(() => streamFor(0, 'a', 0, 0).nextInt(0)).toThrow(RangeError);
  });

  it('nextInt(n) is uniform: chi-square below the 0.999 quantile', () => {
    // 10 bins, 9 degrees of freedom: P(chi2 > 27.88) = 0.001
    for (const n of [10, 255]) {
      const counts = new Array<number>(10).fill(0);
      const draws = 50000;
      for (let i = 0; i < draws / 50; i++) {
        const r = streamFor(11, 'chi', i, 0);
        for (let k = 0; k < 50; k++) counts[Math.floor((r.nextInt(n) * 10) / n)]++;
      }
      const expected = (b: number): number => {
        let c = 0;
        for (let v = 0; v < n; v++) if (Math.floor((v * 10) / n) === b) c++;
        return (draws * c) / n;
      };
      const chi2 = counts.reduce((s, c, b) => s + (c - expected(b)) ** 2 / expected(b), 0);
      expect(chi2).toBeLessThan(27.88);
    }
  });

  it('nextFloat is in [0,1) with mean 1/2, nextGaussian has mean 0 and variance 1 (4 standard errors)', () => {
    const n = 40000;
    let fs = 0;
    let gs = 0;
    let gs2 = 0;
    for (let i = 0; i < n / 8; i++) {
      const r = streamFor(5, 'g', i, 0);
      for (let k = 0; k < 8; k++) {
        const f = r.nextFloat();
        expect(f >= 0 && f < 1).toBe(true);
        fs += f;
        const g = r.nextGaussian();
        gs += g;
        gs2 += g * g;
      }
    }
    expect(Math.abs(fs / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(gs / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(gs2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });
});
