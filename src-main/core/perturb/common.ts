/** Small helpers shared by the schemes. */
import type { Rng } from '../rng';

/** Pixel positions (not bytes) where any channel of `a` and `b` differs. */
export function countChanged(a: Uint8Array, b: Uint8Array, channels: number): number {
  let changed = 0;
  if (channels === 1) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) changed++;
    return changed;
  }
  for (let p = 0; p < a.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      if (a[p + c] !== b[p + c]) {
        changed++;
        break;
      }
    }
  }
  return changed;
}

/**
 * k distinct integers of 0..total-1 by Floyd's algorithm: exactly k draws, no rejection, in a
 * fixed order, so the result is a pure function of the stream.
 */
export function distinctPositions(rng: Rng, total: number, k: number): number[] {
  if (k > total) throw new RangeError(`cannot draw ${k} distinct positions out of ${total}`);
  const chosen = new Set<number>();
  const order: number[] = [];
  for (let j = total - k; j < total; j++) {
    const t = rng.nextInt(j + 1);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    order.push(pick);
  }
  return order;
}

export function clampByte(v: number): number {
  const r = Math.round(v);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** Uniform in [lo, hi] (lo when the range is empty). */
export function uniformIn(rng: Rng, lo: number, hi: number): number {
  return hi > lo ? lo + (hi - lo) * rng.nextFloat() : lo;
}
