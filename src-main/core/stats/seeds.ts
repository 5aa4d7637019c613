/**
 * Statistics across training seeds: the mean with a t-based 95% interval of the mean, and the
 * paired difference (policy − control, same seed) with its own interval. Never an average of
 * per-seed intervals: with one seed there is no interval across seeds (null).
 */
import { betaincInv } from './beta';

/** The two-sided Student t quantile t_{1-alpha/2, df}: P(|T| > t) = alpha = I_{df/(df+t²)}(df/2, 1/2). */
export function tQuantile(df: number, alpha = 0.05): number {
  if (!(df >= 1)) throw new RangeError(`tQuantile: df must be >= 1, got ${df}`);
  const x = betaincInv(alpha, df / 2, 0.5);
  return Math.sqrt((df * (1 - x)) / x);
}

export interface SeedFigure {
  mean: number;
  /** t-based 95% interval of the mean over seeds; null with one seed */
  ci95: [number, number] | null;
  perSeed: number[];
}

export function seedFigure(values: readonly number[]): SeedFigure {
  const n = values.length;
  if (n === 0) throw new RangeError('seedFigure: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, ci95: null, perSeed: [...values] };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile(n - 1) * sd) / Math.sqrt(n);
  return { mean, ci95: [mean - half, mean + half], perSeed: [...values] };
}

/** Paired difference a − b per seed, then seedFigure of the differences. */
export function pairedDifference(a: readonly number[], b: readonly number[]): SeedFigure {
  if (a.length !== b.length) throw new RangeError(`pairedDifference: ${a.length} vs ${b.length} values`);
  return seedFigure(a.map((x, i) => x - b[i]));
}

/** One p-value formatter for the CLI, reports and the renderer: it lives in the contract. */
export { formatP } from '../../contract/quantities';
