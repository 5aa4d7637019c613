/**
 * Per-run statistics from per-image results. Every ratio is a fraction of all N images of the
 * split. There is no censoring before maxSteps (every image is followed until fooled or
 * maxSteps), so the Kaplan–Meier survival estimate equals the empirical fraction and its 95%
 * bands are exact Clopper–Pearson intervals per t (not Greenwood).
 */
import type { RunStats } from '../../contract/types';
import type { ImageResult } from '../scheduler';
import { clopperPearson } from './intervals';

export function runStats(
  results: readonly ImageResult[],
  numClasses: number,
  maxSteps: number,
  extra: { predictions: number; elapsedMs: number },
): RunStats {
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`runStats: maxSteps must be a positive integer, got ${maxSteps}`);
  const n = results.length;
  const hist = new Array<number>(maxSteps + 1).fill(0);
  const perClassCount = new Array<number>(numClasses).fill(0);
  const perClassRobust = new Array<number>(numClasses).fill(0);
  let correct = 0;
  let robust = 0;
  let stepsSum = 0;
  for (const r of results) {
    if (!Number.isInteger(r.steps) || r.steps < 0 || r.steps > maxSteps) throw new RangeError(`runStats: image ${r.index} has steps ${r.steps} outside 0..${maxSteps}`);
    if (!Number.isInteger(r.label) || r.label < 0 || r.label >= numClasses) throw new RangeError(`runStats: image ${r.index} has label ${r.label} outside 0..${numClasses - 1}`);
    hist[r.steps]++;
    stepsSum += r.steps;
    perClassCount[r.label]++;
    if (r.cleanPred === r.label) correct++;
    if (r.robust) {
      robust++;
      perClassRobust[r.label]++;
    }
  }
  // survivors after t draws: robust, or first fooled at a step > t
  const curve = new Array<number>(maxSteps);
  const curveLo = new Array<number>(maxSteps);
  const curveHi = new Array<number>(maxSteps);
  const cache = new Map<number, [number, number]>();
  let survivors = n - hist[0];
  for (let t = 1; t <= maxSteps; t++) {
    survivors -= hist[t]; // now #(steps > t); robust images have steps = maxSteps
    const alive = t === maxSteps ? robust : survivors;
    let ci = cache.get(alive);
    if (!ci) {
      ci = clopperPearson(alive, n);
      cache.set(alive, ci);
    }
    curve[t - 1] = n ? alive / n : 0;
    curveLo[t - 1] = ci[0];
    curveHi[t - 1] = ci[1];
  }
  return {
    n,
    accuracy: n ? correct / n : 0,
    robustRatio: n ? robust / n : 0,
    robustRatioCI95: clopperPearson(robust, n),
    curve,
    curveLo,
    curveHi,
    perClassRobustRatio: perClassCount.map((c, k) => (c ? perClassRobust[k] / c : 0)),
    perClassRobustRatioCI95: perClassCount.map((c, k) => clopperPearson(perClassRobust[k], c)),
    perClassCount,
    stepsHistogram: hist,
    predictions: extra.predictions,
    stepsSum,
    elapsedMs: extra.elapsedMs,
  };
}
