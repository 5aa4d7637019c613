/**
 * A class as the UI names it: its name, with its id only when the name says something else
 * ("3 (cat)"), never the same thing twice ("9 (9)", "0 · 0") as MNIST's digit names would.
 */
export function classLabel(names: readonly string[], c: number | null | undefined): string {
  if (c == null || c < 0) return '—';
  const name = names[c];
  if (name === undefined || name === String(c)) return String(c);
  return `${c} (${name})`;
}
