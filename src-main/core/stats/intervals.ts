/** Binomial proportion intervals and the exact McNemar test. */
import { betaincInv, lnGamma } from './beta';

function checkCounts(x: number, n: number): void {
  if (!Number.isInteger(x) || !Number.isInteger(n) || n < 0 || x < 0 || x > n) {
    throw new RangeError(`binomial counts must be integers with 0 <= x <= n, got x=${x}, n=${n}`);
  }
}

/** Exact two-sided Clopper–Pearson interval for x successes in n trials; n = 0 gives [0, 1]. */
export function clopperPearson(x: number, n: number, confidence = 0.95): [number, number] {
  checkCounts(x, n);
  if (n === 0) return [0, 1];
  const alpha = 1 - confidence;
  const lo = x === 0 ? 0 : betaincInv(alpha / 2, x, n - x + 1);
  const hi = x === n ? 1 : betaincInv(1 - alpha / 2, x + 1, n - x);
  return [lo, hi];
}

/** One-sided Clopper–Pearson upper bound: the p with P(X <= x | n, p) = alpha. */
export function clopperPearsonUpper(x: number, n: number, alpha = 0.05): number {
  checkCounts(x, n);
  if (n === 0 || x === n) return 1;
  return betaincInv(1 - alpha, x + 1, n - x);
}

/** Wilson score interval (z = 1.96 for 95%); n = 0 gives [0, 1]. */
export function wilson(x: number, n: number, z = 1.959963984540054): [number, number] {
  checkCounts(x, n);
  if (n === 0) return [0, 1];
  const z2 = z * z;
  const center = (x + z2 / 2) / (n + z2);
  const half = (z / (n + z2)) * Math.sqrt((x * (n - x)) / n + z2 / 4);
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** P(X <= k) for X ~ Binomial(n, 1/2), summed in log space (fine for n in the millions). */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const lnN = lnGamma(n + 1);
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(lnN - lnGamma(i + 1) - lnGamma(n - i + 1) - n * Math.LN2);
  return Math.min(1, sum);
}

/**
 * Exact (binomial) two-sided McNemar test on paired 0/1 flags: b01 = #(a=0, b=1),
 * b10 = #(a=1, b=0), p = min(1, 2·P(X <= min(b01, b10))) with X ~ Bin(b01 + b10, 1/2).
 */
export function mcnemar(a: ArrayLike<number>, b: ArrayLike<number>): { b01: number; b10: number; p: number } {
  if (a.length !== b.length) throw new RangeError(`mcnemar: paired flags differ in length (${a.length} vs ${b.length})`);
  let b01 = 0;
  let b10 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0;
    const y = b[i] ? 1 : 0;
    if (x === 0 && y === 1) b01++;
    else if (x === 1 && y === 0) b10++;
  }
  const n = b01 + b10;
  const p = n === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(b01, b10), n));
  return { b01, b10, p };
}
