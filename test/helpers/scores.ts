/** Assertions shared by the scoring tests. */
import { expect } from 'vitest';
import type { ScoreColumns } from '../../src-main/contract/types';

/** Identical per-image scores (clean confidence to 1e-5: float32 through different paths). */
export function sameScores(a: ScoreColumns, b: ScoreColumns): void {
  expect(a.index).toEqual(b.index);
  expect(a.label).toEqual(b.label);
  expect(a.steps).toEqual(b.steps);
  expect(a.robust).toEqual(b.robust);
  expect(a.cleanPred).toEqual(b.cleanPred);
  expect(a.foolPred).toEqual(b.foolPred);
  expect(a.foolUpper).toEqual(b.foolUpper);
  a.cleanConf.forEach((c, i) => expect(c).toBeCloseTo(b.cleanConf[i], 5));
}
