/**
 * mulberry32: a tiny 32-bit seeded PRNG, uniform in [0, 1). For shuffles and pictures where
 * a stream per (seed, split, index, step) is not needed (scoring uses the Philox streams of rng.ts).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
