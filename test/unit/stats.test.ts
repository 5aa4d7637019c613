import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  betainc,
  betaincInv,
  binomialHalfCdf,
  clopperPearson,
  clopperPearsonUpper,
  lnGamma,
  mcnemar,
  runStats,
  wilson,
} from '../../src-main/core/stats';
import type { ImageResult } from '../../src-main/core/scheduler';

/** P(X >= x) for X ~ Bin(n, p), summed term by term (independent of the beta code). */
function binomUpperTail(x: number, n: number, p: number): number {
  let lnTerm = lnChoose(n, x) + x * Math.log(p) + (n - x) * Math.log1p(-p);
  let s = 0;
  for (let k = x; k <= n; k++) {
    s += Math.exp(lnTerm);
    lnTerm += Math.log((n - k) / (k + 1)) + Math.log(p) - Math.log1p(-p);
  }
  return s;
}
function lnChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

describe('incomplete beta', () => {
  it('lnGamma matches factorials', () => {
    let f = 0;
    for (let n = 1; n <= 30; n++) {
      expect(lnGamma(n)).toBeCloseTo(f, 10);
      f += Math.log(n);
    }
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });

  it('matches closed forms: I_x(1,b) = 1-(1-x)^b, I_x(a,1) = x^a, I_x(2,2) = 3x²-2x³, I_½(a,a) = ½', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.1, max: 500, noNaN: true }), (x, c) => {
        expect(betainc(x, 1, c)).toBeCloseTo(1 - (1 - x) ** c, 11);
        expect(betainc(x, c, 1)).toBeCloseTo(x ** c, 11);
        expect(betainc(x, 2, 2)).toBeCloseTo(3 * x * x - 2 * x ** 3, 12);
        expect(betainc(0.5, c, c)).toBeCloseTo(0.5, 11);
        expect(betainc(x, c, c + 1) + betainc(1 - x, c + 1, c)).toBeCloseTo(1, 11); // symmetry
      }),
      { numRuns: 300 },
    );
  });

  it('inverse round-trips', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (p, a, b) => {
        expect(betainc(betaincInv(p, a, b), a, b)).toBeCloseTo(p, 9);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Clopper–Pearson', () => {
  it('closed forms: x=0 → upper 1-(α/2)^(1/n); x=n → lower (α/2)^(1/n); n=1; n=2, x=1', () => {
    for (const n of [1, 2, 10, 250, 10000]) {
      expect(clopperPearson(0, n)[0]).toBe(0);
      expect(clopperPearson(0, n)[1]).toBeCloseTo(1 - 0.025 ** (1 / n), 12);
      expect(clopperPearson(n, n)[0]).toBeCloseTo(0.025 ** (1 / n), 12);
      expect(clopperPearson(n, n)[1]).toBe(1);
      expect(clopperPearsonUpper(0, n)).toBeCloseTo(1 - 0.05 ** (1 / n), 12);
    }
    expect(clopperPearson(1, 1)).toEqual([expect.closeTo(0.025, 12), 1]);
    expect(clopperPearson(1, 2)[0]).toBeCloseTo(1 - Math.sqrt(0.975), 12); // 1-(1-p)² = 0.025
    expect(clopperPearson(1, 2)[1]).toBeCloseTo(Math.sqrt(0.975), 12); // 1-p² = 0.025
    expect(clopperPearsonUpper(1, 2)).toBeCloseTo(Math.sqrt(0.95), 12); // P(X<=1) = 1-p² = 0.05
    expect(clopperPearsonUpper(1, 1)).toBe(1);
    expect(clopperPearson(0, 0)).toEqual([0, 1]);
  });

  it('R binom.test(5, 10)$conf.int = 0.1870860 0.8129140', () => {
    const [lo, hi] = clopperPearson(5, 10);
    expect(lo).toBeCloseTo(0.187086, 6);
    expect(hi).toBeCloseTo(0.812914, 6);
  });

  it('bounds solve the defining tail equations (checked by direct binomial sums) and are symmetric', () => {
    const cases: [number, number][] = [[3, 7], [1, 250], [17, 100], [249, 250], [4321, 10000], [1, 60000]];
    for (const [x, n] of cases) {
      const [lo, hi] = clopperPearson(x, n);
      expect(binomUpperTail(x, n, lo)).toBeCloseTo(0.025, 9); // P(X >= x | lo) = α/2
      expect(1 - binomUpperTail(x + 1, n, hi)).toBeCloseTo(0.025, 9); // P(X <= x | hi) = α/2
      const [lo2, hi2] = clopperPearson(n - x, n);
      expect(lo).toBeCloseTo(1 - hi2, 12);
      expect(hi).toBeCloseTo(1 - lo2, 12);
      expect(1 - binomUpperTail(x + 1, n, clopperPearsonUpper(x, n))).toBeCloseTo(0.05, 9);
    }
  });
});

describe('Wilson', () => {
  it('x=0 gives upper z²/(n+z²); contains p̂; symmetric', () => {
    const z2 = 1.959963984540054 ** 2;
    expect(wilson(0, 10)[0]).toBe(0);
    expect(wilson(0, 10)[1]).toBeCloseTo(z2 / (10 + z2), 12);
    const [lo, hi] = wilson(30, 100);
    expect(lo < 0.3 && hi > 0.3).toBe(true);
    expect(wilson(70, 100)[0]).toBeCloseTo(1 - hi, 12);
    // worked example of Newcombe (1998, Stat. Med. 17:857), 81 of 263: Wilson (0.2553, 0.3662)
    const w = wilson(81, 263);
    expect(w[0]).toBeCloseTo(0.2553, 3);
    expect(w[1]).toBeCloseTo(0.3662, 3);
  });
});

describe('McNemar exact', () => {
  it('counts discordant pairs and gives the two-sided binomial p', () => {
    expect(mcnemar([1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0])).toEqual({ b01: 0, b10: 5, p: expect.closeTo(0.0625, 14) });
    const a = [0, ...new Array(9).fill(1), 1, 0];
    const b = [1, ...new Array(9).fill(0), 1, 0];
    expect(mcnemar(a, b)).toEqual({ b01: 1, b10: 9, p: expect.closeTo((2 * 11) / 1024, 14) });
    expect(mcnemar([1, 0], [0, 1]).p).toBe(1);
    expect(mcnemar([1, 1], [1, 1])).toEqual({ b01: 0, b10: 0, p: 1 });
    expect(() => mcnemar([1], [1, 0])).toThrow(/length/);
  });

  it('large samples stay finite and match the symmetric sum', () => {
    expect(binomialHalfCdf(5000, 10000)).toBeCloseTo(0.5 + Math.exp(lnGamma(10001) - 2 * lnGamma(5001) - 10000 * Math.LN2) / 2, 10);
    expect(binomialHalfCdf(9, 10)).toBeCloseTo(1 - 1 / 1024, 14);
  });
});

describe('runStats', () => {
  const r = (index: number, label: number, steps: number, robust: boolean, cleanPred = label): ImageResult => ({
    index,
    label,
    steps,
    robust,
    cleanPred,
    cleanConf: 0.9,
    foolPred: robust || steps === 0 ? -1 : (label + 1) % 3,
    foolUpper: 0,
  });

  it('computes ratios, curve, bands, per-class figures and the histogram', () => {
    const maxSteps = 4;
    const results = [
      r(0, 0, 4, true),
      r(1, 0, 1, false),
      r(2, 1, 0, false, 2), // misclassified: fooled at 0
      r(3, 1, 3, false),
      r(4, 2, 4, false), // fooled exactly at maxSteps: not robust
      r(5, 2, 4, true),
      r(6, 2, 2, false),
      r(7, 0, 4, true),
    ];
    const s = runStats(results, 3, maxSteps, { predictions: 99, elapsedMs: 12 });
    expect(s.n).toBe(8);
    expect(s.accuracy).toBe(7 / 8);
    expect(s.robustRatio).toBe(3 / 8);
    expect(s.robustRatioCI95).toEqual(clopperPearson(3, 8));
    // survivors after t draws: steps > t (or robust at t = maxSteps)
    expect(s.curve).toEqual([6 / 8, 5 / 8, 4 / 8, 3 / 8]);
    expect(s.curve[maxSteps - 1]).toBe(s.robustRatio);
    expect(s.curveLo).toEqual([6, 5, 4, 3].map((x) => clopperPearson(x, 8)[0]));
    expect(s.curveHi).toEqual([6, 5, 4, 3].map((x) => clopperPearson(x, 8)[1]));
    expect(s.perClassCount).toEqual([3, 2, 3]);
    expect(s.perClassRobustRatio).toEqual([2 / 3, 0, 1 / 3]);
    expect(s.perClassRobustRatioCI95[1]).toEqual(clopperPearson(0, 2));
    expect(s.stepsHistogram).toEqual([1, 1, 1, 1, 4]);
    expect(s.stepsSum).toBe(22);
    expect(s.predictions).toBe(99);
    expect(s.elapsedMs).toBe(12);
  });

  it('handles an empty run and a class with no images, and rejects steps beyond maxSteps', () => {
    const s = runStats([], 2, 3, { predictions: 0, elapsedMs: 0 });
    expect(s.robustRatio).toBe(0);
    expect(s.curve).toEqual([0, 0, 0]);
    expect(s.perClassRobustRatioCI95).toEqual([[0, 1], [0, 1]]);
    expect(s.stepsHistogram).toEqual([0, 0, 0, 0]);
    expect(() => runStats([r(0, 0, 5, true)], 1, 4, { predictions: 0, elapsedMs: 0 })).toThrow(/steps 5/);
    expect(() => runStats([r(0, 3, 1, false)], 2, 4, { predictions: 0, elapsedMs: 0 })).toThrow(/label 3/);
  });

  it('curve is non-increasing, in [0,1], inside its bands, for random results', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ label: fc.nat(2), steps: fc.nat(10), robust: fc.boolean() }), { maxLength: 60 }), (rows) => {
        const results = rows.map((x, i) => r(i, x.label, x.robust ? 10 : x.steps, x.robust && true, x.steps === 0 && !x.robust ? (x.label + 1) % 3 : x.label));
        const s = runStats(results, 3, 10, { predictions: 0, elapsedMs: 0 });
        for (let t = 0; t < 10; t++) {
          expect(s.curveLo[t]).toBeLessThanOrEqual(s.curve[t] + 1e-12);
          expect(s.curveHi[t]).toBeGreaterThanOrEqual(s.curve[t] - 1e-12);
          if (t > 0) expect(s.curve[t]).toBeLessThanOrEqual(s.curve[t - 1]);
        }
        expect(s.stepsHistogram.reduce((a, b) => a + b, 0)).toBe(results.length);
      }),
      { numRuns: 50 },
    );
  });
});
