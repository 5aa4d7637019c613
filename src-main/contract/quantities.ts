/**
 * Progress amounts for people, shared by the CLI and the renderer: a job counting bytes (a CSV
 * or download read as a stream) shows megabytes, not a 9-digit count. Pure.
 */

/** `n` bytes as B, kB, MB or GB (powers of 1000, as file managers show sizes). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1000) return `${Math.max(0, Math.round(Number.isFinite(n) ? n : 0))} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** "done/total unit" ("done/total" without `withUnit`), or for bytes always "20.0 MB/365 MB". */
export function formatProgressCount(done: number, total: number, unit: string, withUnit = true): string {
  if (unit === 'bytes') return `${formatBytes(done)}/${formatBytes(total)}`;
  return withUnit ? `${done}/${total} ${unit}` : `${done}/${total}`;
}

/** A rate in its unit: bytes as "5.2 MB/s"; otherwise null (each client keeps its own number style). */
export function formatByteRate(rate: number, unit: string): string | null {
  return unit === 'bytes' ? `${formatBytes(rate)}/s` : null;
}
