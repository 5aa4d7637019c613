/**
 * Quantities for people, shared by the CLI, the reports and the renderer: a job counting bytes (a
 * CSV or download read as a stream) shows megabytes, not a 9-digit count; a p-value that
 * underflows shows "< 1e-300", not "0.00". Pure.
 */

/** "12.3 MB", "840 kB", "512 bytes" (powers of 1000, as file managers show sizes). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) n = 0;
  if (n < 1000) return `${Math.round(n)} byte${Math.round(n) === 1 ? '' : 's'}`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** "done/total unit" ("done/total" without `withUnit`), or for bytes always "20.0 MB/365 MB". */
export function formatProgressCount(done: number, total: number, unit: string, withUnit = true): string {
  if (unit === 'bytes') return `${formatBytes(done)}/${formatBytes(total)}`;
  return withUnit ? `${done}/${total} ${unit}` : `${done}/${total}`;
}

/**
 * A rate in its unit: bytes as "5.2 MB/s", counts as "15.3k images/s". Null for stages: they
 * take minutes each and a resumed run reuses many in a moment, so a rate says nothing there
 * (the ETA does).
 */
export function formatRate(rate: number, unit: string): string | null {
  if (unit === 'bytes') return `${formatBytes(rate)}/s`;
  if (unit === 'stages') return null;
  const r = rate >= 1000 ? `${(rate / 1000).toFixed(1)}k` : rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
  return `${r} ${unit}/s`;
}

/**
 * A p-value as text: "0.012" from 0.001 up, "2.50e-7" below, and below 1e-300 (or underflowed to
 * 0, as McNemar's exact p does on large sets) "< 1e-300", never "0.00" or "0.0e+0".
 */
export function formatP(p: number): string {
  if (!(p >= 1e-300)) return '< 1e-300';
  if (p >= 0.001) return p.toFixed(3);
  return p.toExponential(2);
}

/** "p = 0.012", "p = 2.50e-7", or "p < 1e-300" when the p-value underflows. */
export function pClause(p: number): string {
  const t = formatP(p);
  return t.startsWith('<') ? `p ${t}` : `p = ${t}`;
}
