/**
 * Progress amounts for people, shared by the CLI and the renderer: a job counting bytes (a CSV
 * or download read as a stream) shows megabytes, not a 9-digit count. Pure.
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

/** A rate in its unit: bytes as "5.2 MB/s"; otherwise null (each client keeps its own number style). */
export function formatByteRate(rate: number, unit: string): string | null {
  return unit === 'bytes' ? `${formatBytes(rate)}/s` : null;
}
