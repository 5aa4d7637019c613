/**
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3", SC 2011; reference code and known-answer vectors in
 * github.com/DEShawResearch/random123, tests/kat_vectors).
 *
 * Every draw is a pure function of (seed, split, index, step, position in the stream):
 * key = (seed, hash32(split)), counter = (index, step, block, 0). Batching, worker count,
 * order and shards therefore never change a perturbation.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 (16-bit halves keep every sum exact). */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const hiLo = aHi * bLo;
  const loHi = aLo * bHi;
  // carry out of the low word: every partial sum stays below 2^18, exact
  const mid = ((aLo * bLo) >>> 16) + (hiLo & 0xffff) + (loHi & 0xffff);
  return (aHi * bHi + (hiLo >>> 16) + (loHi >>> 16) + (mid >>> 16)) >>> 0;
}

/** One Philox4x32 block: 4 output words for a 4-word counter and a 2-word key. */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>, rounds = 10): [number, number, number, number] {
  const out = new Uint32Array(4);
  philox4x32Into(counter, key, out, rounds);
  return [out[0], out[1], out[2], out[3]];
}

/** philox4x32 writing into `out` (no allocation: the hot path of every perturbation). */
export function philox4x32Into(counter: ArrayLike<number>, key: ArrayLike<number>, out: Uint32Array, rounds = 10): void {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** FNV-1a over the UTF-16 code units, then a murmur3 finalizer: a stable 32-bit name hash. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Everything an Rng is: JSON-serialisable, restorable with rngFromState. */
export interface RngState {
  key: [number, number];
  /** (index, step, next block, 0) */
  counter: [number, number, number, number];
  /** words of the current block not yet used, next first */
  buffered: number[];
}

export interface Rng {
  /** uniform uint32 */
  nextU32(): number;
  /** uniform in [0, 1) with 53 random bits (two words) */
  nextFloat(): number;
  /** uniform integer 0..n-1, unbiased (rejection), 1 <= n <= 2^32 */
  nextInt(n: number): number;
  /** standard normal (Box–Muller, one value per two floats; no cached spare) */
  nextGaussian(): number;
  state(): RngState;
}

const TWO32 = 4294967296;

function checkU32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= TWO32) throw new RangeError(`rng: ${name} must be an integer in 0..2^32-1, got ${v}`);
  return v;
}

class PhiloxRng implements Rng {
  private readonly key: [number, number];
  private readonly counter: [number, number, number, number];
  /** the current block; words pos..3 are still unused */
  private readonly block = new Uint32Array(4);
  private pos: number;

  constructor(initial: RngState) {
    if (initial.buffered.length > 4) throw new RangeError('rng: at most 4 buffered words');
    this.key = [initial.key[0] >>> 0, initial.key[1] >>> 0];
    this.counter = [initial.counter[0] >>> 0, initial.counter[1] >>> 0, initial.counter[2] >>> 0, initial.counter[3] >>> 0];
    this.pos = 4 - initial.buffered.length;
    this.block.set(initial.buffered, this.pos);
  }

  nextU32(): number {
    if (this.pos === 4) {
      const c = this.counter;
      philox4x32Into(c, this.key, this.block);
      c[2] = (c[2] + 1) >>> 0;
      if (c[2] === 0) c[3] = (c[3] + 1) >>> 0;
      this.pos = 0;
    }
    return this.block[this.pos++];
  }

  nextFloat(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO32) throw new RangeError(`rng: nextInt bound must be an integer in 1..2^32, got ${n}`);
    const limit = TWO32 - (TWO32 % n); // accept u < limit: an exact multiple of n
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }

  nextGaussian(): number {
    const u1 = 1 - this.nextFloat(); // (0, 1]
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  state(): RngState {
    return { key: [this.key[0], this.key[1]], counter: [...this.counter], buffered: Array.from(this.block.subarray(this.pos)) };
  }
}

export function rngFromState(initial: RngState): Rng {
  return new PhiloxRng(initial);
}

/** The stream of (seed, split, index, step): key (seed, hash32(split)), counter (index, step, 0, 0). */
export function streamFor(seed: number, split: string, index: number, step: number): Rng {
  return rngFromState({
    key: [checkU32('seed', seed), hash32(split)],
    counter: [checkU32('index', index), checkU32('step', step), 0, 0],
    buffered: [],
  });
}
