/**
 * What balancing cost, in words (issue 12, item 3): "equalize to smallest class" cuts every class
 * to the size of the one that kept fewest, which can silently drop the set to a few per class.
 */
import type { CurationPreview } from '../../../src-main/contract';

export interface EqualizeNote {
  target: number;
  /** the classes that set the target (kept exactly `target` images) */
  limiting: string[];
  largest: { name: string; kept: number };
  /** images the rules kept that balancing leaves out */
  dropped: number;
  keptTotal: number;
  /** classes that kept no image at all (left out of the equalizing) */
  empty: string[];
  text: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The note for an 'equalize' preview, or null when nothing is short (or the preview says too little). */
export function equalizeNote(p: CurationPreview | null, classNames: string[]): EqualizeNote | null {
  if (!p?.kept || p.target === null || p.target === undefined) return null;
  const kept = p.kept;
  const target = p.target;
  const name = (c: number): string => classNames[c] ?? String(c);
  let largest = 0;
  kept.forEach((k, c) => {
    if (k > kept[largest]) largest = c;
  });
  const limiting = kept.flatMap((k, c) => (k === target && k > 0 ? [name(c)] : []));
  const empty = kept.flatMap((k, c) => (k === 0 ? [name(c)] : []));
  const keptTotal = kept.reduce((a, b) => a + b, 0);
  const dropped = kept.reduce((a, k) => a + Math.max(0, k - target), 0);
  if (dropped === 0 && empty.length === 0) return null;
  const parts: string[] = [];
  if (dropped > 0) {
    parts.push(
      `Equalized to ${target} per class: class ${limiting.join(', ')} kept only ${plural(target, 'image')}, ` +
        `${kept[largest] - target} fewer than class ${name(largest)} (${kept[largest]}). ` +
        `Balancing leaves out ${dropped} of the ${keptTotal} kept images.`,
    );
  }
  if (empty.length) parts.push(`Class ${empty.join(', ')} kept no image and is left out.`);
  return { target, limiting, largest: { name: name(largest), kept: kept[largest] }, dropped, keptTotal, empty, text: parts.join(' ') };
}
