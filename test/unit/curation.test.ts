import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CurationRules } from '../../src-main/contract/types';
import { curate, randomBalancedSubset, seededSample } from '../../src-main/core/curation';
import { InputError } from '../../src-main/core/errors';

/** 3 classes; image i has label i % 3; robust when i % 4 != 0; steps = i % 10 (robust: 50) */
function scores(n: number): { index: number[]; label: number[]; steps: number[]; robust: number[] } {
  const index = Array.from({ length: n }, (_, i) => i);
  return {
    index,
    label: index.map((i) => i % 3),
    robust: index.map((i) => (i % 4 !== 0 ? 1 : 0)),
    steps: index.map((i) => (i % 4 !== 0 ? 50 : i % 10)),
  };
}
const rules = (balance: CurationRules['balance'], minSteps: number | null = null, seed = 1): CurationRules => ({ minSteps, balance, seed });

describe('curate', () => {
  const s = scores(24); // per class 8 images; robust: i%4 != 0
  const robustIdx = s.index.filter((i) => i % 4 !== 0);

  it('keeps robust images only by default, and robust || steps >= minSteps otherwise', () => {
    const p = curate(s, rules({ mode: 'all' }), [], 3);
    expect(p.members).toEqual(robustIdx);
    expect(p.before).toEqual([8, 8, 8]);
    expect(p.after).toEqual([6, 6, 6]);
    expect(p.total).toBe(18);
    expect(p.short).toEqual([]);
    // non-robust: 0,4,8,12,16,20 with steps 0,4,8,2,6,0
    expect(curate(s, rules({ mode: 'all' }, 5), [], 3).members).toEqual([...robustIdx, 8, 16].sort((a, b) => a - b));
    // --min-steps 0 keeps every correctly classified image, never the misclassified ones (steps 0: 0 and 20)
    expect(curate(s, rules({ mode: 'all' }, 0), [], 3).total).toBe(22);
    expect(curate(s, rules({ mode: 'all' }, 0), [], 3).members).not.toContain(0);
    expect(curate(s, { ...rules({ mode: 'all' }, 0), keepMisclassified: true }, [], 3).total).toBe(24);
  });

  it('per-class n samples n of each class without replacement, deterministic in the seed', () => {
    const p = curate(s, rules({ mode: 'per-class', n: 4 }), [], 3);
    expect(p.after).toEqual([4, 4, 4]);
    expect(p.members.every((i) => robustIdx.includes(i))).toBe(true);
    expect(p.members).toEqual([...p.members].sort((a, b) => a - b));
    expect(curate(s, rules({ mode: 'per-class', n: 4 }), [], 3)).toEqual(p);
    const others = new Set([1, 2, 3, 4, 5].map((seed) => curate(s, rules({ mode: 'per-class', n: 4 }, null, seed), [], 3).members.join()));
    expect(others.size).toBeGreaterThan(1);
    expect(p.members).toMatchInlineSnapshot(`
      [
        3,
        5,
        6,
        7,
        9,
        10,
        11,
        13,
        14,
        17,
        21,
        22,
      ]
    `);
  });

  it('classes with fewer than n stay whole and are named in short; n above every class makes them all short', () => {
    const skew = scores(24);
    skew.robust = skew.index.map((i) => (i % 3 === 2 && i > 10 ? 0 : 1)); // class 2 keeps 2 (2, 5, 8 → 3)
    const p = curate(skew, rules({ mode: 'per-class', n: 5 }), [], 3);
    expect(p.after).toEqual([5, 5, 3]);
    expect(p.short).toEqual([{ classId: 2, available: 3 }]);
    const all = curate(skew, rules({ mode: 'per-class', n: 100 }), [], 3);
    expect(all.short).toEqual([{ classId: 0, available: 8 }, { classId: 1, available: 8 }, { classId: 2, available: 3 }]);
    expect(all.total).toBe(19);
  });

  it('equalize samples every class down to the smallest kept class', () => {
    const skew = scores(24);
    skew.robust = skew.index.map((i) => (i % 3 === 2 && i > 10 ? 0 : 1));
    const p = curate(skew, rules({ mode: 'equalize' }), [], 3);
    expect(p.after).toEqual([3, 3, 3]);
    expect(p.short).toEqual([]);
    // a class with nothing kept is short with 0; the rest equalize to the smallest non-empty
    skew.robust = skew.index.map((i) => (i % 3 === 2 ? 0 : i < 12 ? 1 : 0));
    const q = curate(skew, rules({ mode: 'equalize' }), [], 3);
    expect(q.after).toEqual([4, 4, 0]);
    expect(q.short).toEqual([{ classId: 2, available: 0 }]);
  });

  it('overrides: exclude is never sampled, include is added after balancing, the last override of an index wins', () => {
    const p = curate(s, rules({ mode: 'all' }), [{ index: 1, mode: 'exclude' }, { index: 0, mode: 'include' }], 3);
    expect(p.members).toContain(0); // not robust, forced in
    expect(p.members).not.toContain(1);
    expect(p.total).toBe(18);
    expect(p.after).toEqual([7, 5, 6]);
    const q = curate(s, rules({ mode: 'per-class', n: 6 }), [{ index: 1, mode: 'exclude' }, { index: 7, mode: 'exclude' }], 3);
    expect(q.after).toEqual([6, 4, 6]);
    expect(q.short).toEqual([{ classId: 1, available: 4 }]);
    const r = curate(s, rules({ mode: 'all' }), [{ index: 3, mode: 'exclude' }, { index: 3, mode: 'include' }], 3);
    expect(r.members).toContain(3);
    expect(() => curate(s, rules({ mode: 'all' }), [{ index: 99, mode: 'include' }], 3)).toThrow(/curation overrides: image index 99 is not in the scored split/);
    expect(() => curate(s, rules({ mode: 'all' }), [], 2)).toThrow(InputError);
  });

  it('property: members are sorted, unique, counts add up, per-class never exceeds n except by includes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 12 }), fc.nat(), (n, per, seed) => {
        const sc = scores(n);
        const p = curate(sc, rules({ mode: 'per-class', n: per }, null, seed), [], 3);
        expect(new Set(p.members).size).toBe(p.members.length);
        expect(p.members).toEqual([...p.members].sort((a, b) => a - b));
        expect(p.after.reduce((a, b) => a + b, 0)).toBe(p.total);
        for (const c of p.after) expect(c).toBeLessThanOrEqual(per);
        for (const m of p.members) expect(sc.robust[m]).toBe(1);
      }),
      { numRuns: 100 },
    );
  });
});

describe('seeded sampling and the control subset', () => {
  it('seededSample is a uniform partial Fisher–Yates: each item picked ≈ n/N of the time', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const hits = new Array<number>(10).fill(0);
    const trials = 4000;
    for (let s = 0; s < trials; s++) for (const x of seededSample(items, 3, s, 'curation', 0)) hits[x]++;
    // each count ~ Bin(4000, 0.3): mean 1200, sd 29; 5 sd = 145
    for (const h of hits) expect(Math.abs(h - 1200)).toBeLessThan(145);
    expect(seededSample(items, 20, 1, 'c', 0).sort((a, b) => a - b)).toEqual(items);
  });

  it('randomBalancedSubset draws the requested count per class from all images, sorted, deterministic', () => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 3);
    const sub = randomBalancedSubset(labels, [5, 0, 7], 42);
    expect(sub.length).toBe(12);
    expect(sub.filter((i) => labels[i] === 0).length).toBe(5);
    expect(sub.filter((i) => labels[i] === 2).length).toBe(7);
    expect(sub).toEqual([...sub].sort((a, b) => a - b));
    expect(randomBalancedSubset(labels, [5, 0, 7], 42)).toEqual(sub);
    expect(randomBalancedSubset(labels, [5, 0, 7], 43)).not.toEqual(sub);
    expect(() => randomBalancedSubset(labels, [21, 0, 0], 1)).toThrow(/control subset: class 0 has 20 images but 21 were asked for/);
  });
});
