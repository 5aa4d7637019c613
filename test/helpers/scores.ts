/** Assertions shared by the scoring tests. */
import { expect } from 'vitest';
import type { ScoreColumnArrays, ScoreColumns } from '../../src-main/contract/types';

/** Identical per-image scores (clean confidence to 1e-5: float32 through different paths). */
export function sameScores(a: ScoreColumns | ScoreColumnArrays, b: ScoreColumns | ScoreColumnArrays): void {
  const same = (x: ArrayLike<number>, y: ArrayLike<number>) => expect(Array.from(x)).toEqual(Array.from(y));
  same(a.index, b.index);
  same(a.label, b.label);
  same(a.steps, b.steps);
  same(a.robust, b.robust);
  same(a.cleanPred, b.cleanPred);
  same(a.foolPred, b.foolPred);
  Array.from(a.foolUpper).forEach((c, i) => expect(c).toBeCloseTo(b.foolUpper[i], 5));
  Array.from(a.cleanConf).forEach((c, i) => expect(c).toBeCloseTo(b.cleanConf[i], 5));
}
