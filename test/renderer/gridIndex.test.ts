import { describe, expect, it } from 'vitest';
import { GridIndex, countingOrder, defaultQuery } from '../../src-renderer/src/lib/gridIndex';
import type { GridQuery } from '../../src-renderer/src/lib/gridIndex';
import type { ScoreColumns } from '../../src-main/contract';
import { BIG_QUERIES, synth } from '../helpers/grid-synth';

/** the obviously-correct reference: filter, then a comparator sort with id tiebreak */
function naive(cols: ReturnType<typeof synth>['cols'], sc: ScoreColumns | null, q: GridQuery): number[] {
  const n = cols.label.length;
  const steps = new Array(n).fill(-1);
  const robust = new Array(n).fill(-1);
  const pred = new Array(n).fill(-1);
  if (sc) {
    const base = cols.split.indexOf(1);
    sc.index.forEach((ix, k) => {
      steps[base + ix] = sc.steps[k];
      robust[base + ix] = sc.robust[k];
      pred[base + ix] = sc.cleanPred[k];
    });
  }
  const rows: number[] = [];
  for (let r = 0; r < n; r++) {
    if (q.labels?.length && !q.labels.includes(cols.label[r])) continue;
    if (q.splits?.length && !q.splits.includes(cols.split[r])) continue;
    const useScores = sc && (q.scoredOnly || q.robust !== 'any' || q.misclassified !== 'any' || q.cleanPreds?.length || q.stepsMin !== null || q.stepsMax !== null);
    if (useScores) {
      if (steps[r] < 0) continue;
      if (q.robust !== 'any' && (robust[r] === 1) !== (q.robust === 'yes')) continue;
      if (q.misclassified !== 'any' && (pred[r] !== cols.label[r]) !== (q.misclassified === 'yes')) continue;
      if (q.cleanPreds?.length && !q.cleanPreds.includes(pred[r])) continue;
      if (q.stepsMin !== null && steps[r] < q.stepsMin) continue;
      if (q.stepsMax !== null && steps[r] > q.stepsMax) continue;
    }
    rows.push(r);
  }
  const key = (r: number): number => {
    switch (q.sortKey) {
      case 'label': return cols.label[r];
      case 'steps': return steps[r];
      case 'cleanPred': return pred[r];
      case 'robust': return steps[r] < 0 ? -1 : robust[r] * 1000 + steps[r];
      default: return r;
    }
  };
  const sign = q.sortDir === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (q.sortKey === 'id') return sign * (a - b);
    if ((ka < 0) !== (kb < 0)) return ka < 0 ? 1 : -1; // missing last
    return ka !== kb ? sign * (ka - kb) : a - b;
  });
  return rows;
}

describe('countingOrder', () => {
  it('is a stable sort with missing values last in both directions', () => {
    const key = Int32Array.from([2, -1, 0, 2, 1, 0, -1]);
    expect([...countingOrder(key, 2, false)]).toEqual([2, 5, 4, 0, 3, 1, 6]);
    expect([...countingOrder(key, 2, true)]).toEqual([0, 3, 4, 2, 5, 1, 6]);
  });
});

describe('GridIndex', () => {
  const { cols, sc } = synth(3000, 1000, 7);

  const queries: Partial<GridQuery>[] = [
    {},
    { sortDir: 'desc' },
    { sortKey: 'label' },
    { sortKey: 'label', sortDir: 'desc', labels: [3, 5] },
    { splits: [1], labels: [0] },
    { sortKey: 'steps', scoredOnly: true },
    { sortKey: 'steps', sortDir: 'desc' },
    { sortKey: 'robust', sortDir: 'desc', scoredOnly: true },
    { sortKey: 'cleanPred', misclassified: 'yes' },
    { robust: 'no', stepsMin: 10, stepsMax: 40, sortKey: 'steps' },
    { robust: 'yes', labels: [2, 9] },
    { cleanPreds: [4], sortKey: 'label', sortDir: 'desc' },
  ];

  it.each(queries.map((q, i) => [i, q] as const))('query %i matches the naive reference', (_i, partial) => {
    const ix = new GridIndex(cols, 10);
    ix.setScores(sc, 'test', 250);
    const q = { ...defaultQuery(), ...partial };
    expect([...ix.query(q)]).toEqual(naive(cols, sc, q));
  });

  it('without scores ignores score filters and maps ids', () => {
    const ix = new GridIndex(cols, 10);
    const q = { ...defaultQuery(), labels: [4] };
    expect([...ix.query(q)]).toEqual(naive(cols, null, q));
    expect(ix.id(3000 + 5)).toBe('test/5');
    expect(ix.row(1, 5)).toBe(3005);
    expect(ix.row(1, 99999)).toBe(-1);
  });

  it('rejects columns that disagree', () => {
    expect(() => new GridIndex({ splitNames: ['a', 'b'], splitCounts: [1, 2], label: [0, 1] })).toThrow(/disagree/);
    expect(() => new GridIndex({ splitNames: ['a', 'b'], splitCounts: [3], label: [0, 1, 2] })).toThrow(/disagree/);
  });

  it('maps rows to split/index and back at split edges, and answers -1 outside', () => {
    const ix = new GridIndex(cols, 10);
    for (const r of [0, 1, 2999, 3000, 3999]) {
      expect(ix.id(r)).toBe(`${cols.splitNames[cols.split[r]]}/${cols.index[r]}`);
      expect(ix.row(cols.split[r], cols.index[r])).toBe(r);
    }
    expect([ix.row(0, 3000), ix.row(1, 1000), ix.row(1, -1), ix.row(2, 0), ix.row(-1, 0)]).toEqual([-1, -1, -1, -1, -1]);
    expect(ix.indicesIn('test', [3999, 0, 3000])).toEqual([999, 0]);
    const bits = new Uint8Array(1000);
    const flags = new Uint8Array(4000);
    flags[2999] = flags[3000] = flags[3500] = 1;
    expect(ix.markFlagged(flags, 1, bits)).toBe(2);
    expect([bits[0], bits[500], bits[1]]).toEqual([1, 1, 0]);
  });

  // how fast is the bench's business (`npm run bench -- grid`); here: the answers at full scale
  it('sorts and filters 70,000 rows exactly as the reference, and a cached order answers the same', () => {
    const big = synth(60000, 10000, 3);
    const ix = new GridIndex(big.cols, 10);
    ix.setScores(big.sc, 'test', 250);
    expect(ix.n).toBe(70000);
    for (const [name, partial] of BIG_QUERIES) {
      const q = { ...defaultQuery(), ...partial };
      const out = [...ix.query(q)];
      expect(out.length, name).toBeGreaterThan(0);
      expect(out, name).toEqual(naive(big.cols, big.sc, q));
    }
  });
});
