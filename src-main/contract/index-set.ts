/**
 * Sets of image indices as run-length encoded bytes: how curation overrides, tags and grid
 * selections are stored in the workspace and sent over the transports. A million excluded
 * images in one range take a few bytes; the worst case (every other image) about 2 bytes per
 * run of one.
 *
 * Runs are [start, length] pairs, sorted, disjoint and not touching. Encoding: LEB128 varints
 * `runCount, (gap, length)*`, where gap = start − end of the previous run (0 at first).
 *
 * Pure, in the contract: main and the renderer share this one codec.
 */

/** Flat [start0, len0, start1, len1, ...]. */
export type Runs = number[];

function putVarint(out: number[], v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`index set: bad value ${v}`);
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export function encodeRuns(runs: Runs): Uint8Array {
  const out: number[] = [];
  putVarint(out, runs.length / 2);
  let end = 0;
  for (let k = 0; k < runs.length; k += 2) {
    putVarint(out, runs[k] - end);
    putVarint(out, runs[k + 1]);
    end = runs[k] + runs[k + 1];
  }
  return Uint8Array.from(out);
}

export function decodeRuns(bytes: Uint8Array): Runs {
  let p = 0;
  const next = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= bytes.length) throw new Error('index set: truncated encoding');
      const b = bytes[p++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 49) throw new Error('index set: varint too long');
    }
  };
  const n = next();
  if (n > bytes.length) throw new Error(`index set: ${n} runs cannot fit in ${bytes.length} bytes`);
  const runs: Runs = new Array<number>(2 * n);
  let end = 0;
  for (let k = 0; k < n; k++) {
    const gap = next();
    const len = next();
    if (len < 1 || (k > 0 && gap < 1)) throw new Error(`index set: run ${k} is empty or touches the previous one`);
    runs[2 * k] = end + gap;
    runs[2 * k + 1] = len;
    end += gap + len;
  }
  if (p !== bytes.length) throw new Error(`index set: ${bytes.length - p} trailing bytes`);
  return runs;
}

/** Runs of any indices (unsorted, repeated allowed). */
export function runsOf(indices: ArrayLike<number>): Runs {
  const a = Float64Array.from(indices as ArrayLike<number>).sort();
  const runs: Runs = [];
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`index set: bad index ${v}`);
    const last = runs.length - 2;
    if (last >= 0 && v <= runs[last] + runs[last + 1]) {
      if (v === runs[last] + runs[last + 1]) runs[last + 1]++;
      continue;
    }
    runs.push(v, 1);
  }
  return runs;
}

/** Runs of the set bytes of a bitmap (one byte per index, non-zero = member). */
export function runsOfBitmap(bits: ArrayLike<number>): Runs {
  const runs: Runs = [];
  let i = 0;
  const n = bits.length;
  while (i < n) {
    while (i < n && !bits[i]) i++;
    if (i >= n) break;
    const s = i;
    while (i < n && bits[i]) i++;
    runs.push(s, i - s);
  }
  return runs;
}

export function countRuns(runs: Runs): number {
  let c = 0;
  for (let k = 1; k < runs.length; k += 2) c += runs[k];
  return c;
}

export function toBitmap(runs: Runs, n: number, into = new Uint8Array(n), value = 1): Uint8Array {
  for (let k = 0; k < runs.length; k += 2) into.fill(value, Math.min(n, runs[k]), Math.min(n, runs[k] + runs[k + 1]));
  return into;
}

export function* indicesOf(runs: Runs): Generator<number> {
  for (let k = 0; k < runs.length; k += 2) for (let i = runs[k]; i < runs[k] + runs[k + 1]; i++) yield i;
}

/** Boundary sweep of two run lists with a boolean rule. */
function combine(a: Runs, b: Runs, keep: (inA: boolean, inB: boolean) => boolean): Runs {
  const points = new Set<number>();
  for (let k = 0; k < a.length; k += 2) points.add(a[k]).add(a[k] + a[k + 1]);
  for (let k = 0; k < b.length; k += 2) points.add(b[k]).add(b[k] + b[k + 1]);
  const xs = [...points].sort((x, y) => x - y);
  const out: Runs = [];
  let ia = 0;
  let ib = 0;
  for (let j = 0; j + 1 < xs.length; j++) {
    const x = xs[j];
    while (ia < a.length && a[ia] + a[ia + 1] <= x) ia += 2;
    while (ib < b.length && b[ib] + b[ib + 1] <= x) ib += 2;
    const inA = ia < a.length && a[ia] <= x;
    const inB = ib < b.length && b[ib] <= x;
    if (!keep(inA, inB)) continue;
    const last = out.length - 2;
    if (last >= 0 && out[last] + out[last + 1] === x) out[last + 1] += xs[j + 1] - x;
    else out.push(x, xs[j + 1] - x);
  }
  return out;
}

export const unionRuns = (a: Runs, b: Runs): Runs => combine(a, b, (x, y) => x || y);
export const subtractRuns = (a: Runs, b: Runs): Runs => combine(a, b, (x, y) => x && !y);
export const intersectRuns = (a: Runs, b: Runs): Runs => combine(a, b, (x, y) => x && y);

/** Base64 of bytes (btoa exists in browsers and Node ≥ 16). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** An index set as the base64 text the contract carries. */
export const encodeIndexSet = (runs: Runs): string => toBase64(encodeRuns(runs));
export const decodeIndexSet = (text: string): Runs => decodeRuns(fromBase64(text));
