import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ImageShape, SchemeName, SchemeSpec } from '../../src-main/contract/types';
import {
  compose,
  countChanged,
  coreSchemeDefaults,
  describeScheme,
  distinctPositions,
  makePerturber,
  perturbationAt,
  resolveParams,
  schemeNames,
} from '../../src-main/core/perturb';
import { InputError } from '../../src-main/core/errors';
import { hash32, streamFor } from '../../src-main/core/rng';
import { perturbationProperties } from './perturb.properties';

const MNIST: ImageShape = { height: 28, width: 28, channels: 1 };
const RGB: ImageShape = { height: 6, width: 5, channels: 3 };

const filled = (shape: ImageShape, v: number): Uint8Array => new Uint8Array(shape.height * shape.width * shape.channels).fill(v);
/** a fixed test pattern: a diagonal gradient */
const pattern = (shape: ImageShape): Uint8Array => {
  const a = new Uint8Array(shape.height * shape.width * shape.channels);
  for (let i = 0; i < a.length; i++) a[i] = (i * 37 + Math.floor(i / 28) * 11) % 256;
  return a;
};
const run = (spec: SchemeSpec, src: Uint8Array, shape: ImageShape, index = 0, step = 1): { out: Uint8Array; changed: number } => {
  const out = new Uint8Array(src.length);
  const changed = makePerturber(spec, shape)(src, out, streamFor(0, 'test', index, step));
  return { out, changed };
};
const bytesHash = (a: Uint8Array): string => {
  let s = '';
  for (const v of a) s += String.fromCharCode(v);
  return hash32(s).toString(16).padStart(8, '0');
};

describe('property suite, every scheme', () => {
  const cases: [string, (shape: ImageShape) => SchemeSpec][] = [
    ...schemeNames.map((name): [string, (shape: ImageShape) => SchemeSpec] => [`${name} defaults`, () => ({ name, params: {} })]),
    ['paper k=200', () => ({ name: 'paper', params: { k: 200 } })],
    ['pixels k=all', (s) => ({ name: 'pixels', params: { k: s.height * s.width } })],
    ['salt-pepper p=1', () => ({ name: 'salt-pepper', params: { p: 1 } })],
    ['gaussian sigma=300', () => ({ name: 'gaussian', params: { sigma: 300 } })],
    ['blur random sigma', () => ({ name: 'blur', params: { sigma: 0.5, sigmaMax: 3 } })],
    ['occlusion random value full size', (s) => ({ name: 'occlusion', params: { size: Math.min(s.height, s.width), value: -1 } })],
    ['brightness-contrast wide', () => ({ name: 'brightness-contrast', params: { brightness: 255, contrast: 1 } })],
    ['fog with snow', () => ({ name: 'fog', params: { density: 1, scale: 3, flakes: 0.3 } })],
  ];
  for (const [title, spec] of cases) describe(title, () => perturbationProperties(spec));

  it('compose of several schemes passes too', () => {
    const shape = MNIST;
    const c = compose([{ name: 'paper', params: { k: 10 } }, { name: 'gaussian', params: { sigma: 10 } }, { name: 'occlusion', params: {} }], shape);
    const src = pattern(shape);
    const out = new Float64Array(src.length).fill(-1);
    const changed = c(src, out as unknown as Uint8Array, streamFor(1, 'x', 2, 3));
    for (const v of out) expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
    expect(changed).toBe(countChanged(src, Uint8Array.from(out), 1));
  });
});

describe('paper', () => {
  it('default k is round(sqrt(H*W)): 28 for MNIST', () => {
    expect(coreSchemeDefaults('paper', MNIST)).toEqual({ k: 28 });
    expect(coreSchemeDefaults('paper', { height: 32, width: 32, channels: 3 })).toEqual({ k: 32 });
    expect(coreSchemeDefaults('paper', { height: 10, width: 20, channels: 1 })).toEqual({ k: 14 });
  });

  // Known answers, written from the definition (DESIGN.md "Schemes", core/rng.ts): the stream of
  // (seed, split, index, step) is Philox4x32-10 under key (seed, hash32(split)) with counter
  // (index, step, block, 0), words taken in order; nextInt(n) takes the next word u, rejects
  // u >= 2^32 - (2^32 mod n) and returns u mod n. paper draws, k times: a position nextInt(H*W),
  // then one value nextInt(255) per channel; the pixel at position p is bytes p*C..p*C+C-1 and a
  // later draw of the same position overwrites an earlier one. The words and the numbers derived
  // from them were computed once outside this code base (an independent Philox, checked against
  // Random123's vectors) and checked by hand: e.g. 0x51ed4a9f = 1374505631 = 784*1753196 - 33,
  // so 1374505631 mod 784 = 751 = 26*28 + 23; 0xd0f8619b = 3505938843 = 255*13748779 + 198.
  // No word of these streams is rejected (limits: 784 → 4294966816, 255 → 4294967295, 6 → 4294967292;
  // 4 divides 2^32: none).
  const KAT: {
    name: string;
    seed: number; split: string; index: number; step: number; shape: ImageShape; k: number;
    words: number[];
    draws: { position: number; row: number; col: number; values: number[] }[];
    changed: number;
  }[] = [
    {
      name: 'MNIST 28x28x1, k=5',
      seed: 0, split: 'test', index: 5, step: 1, shape: MNIST, k: 5,
      words: [0x51ed4a9f, 0xd0f8619b, 0xc90f556e, 0x4e304d41, 0xc27b5d11, 0x72960d64, 0x6bf5c02e, 0xf172a235, 0x0c1d9692, 0x85db3093],
      draws: [
        { position: 751, row: 26, col: 23, values: [198] },
        { position: 254, row: 9, col: 2, values: [13] },
        { position: 129, row: 4, col: 17, values: [122] },
        { position: 270, row: 9, col: 18, values: [60] },
        { position: 354, row: 12, col: 18, values: [37] },
      ],
      changed: 5,
    },
    {
      // with replacement: positions 0 and 3 are drawn twice, the later value stays
      name: 'tiny 2x2x1, k=6 (repeats)',
      seed: 3, split: 'train', index: 2, step: 7, shape: { height: 2, width: 2, channels: 1 }, k: 6,
      words: [0xf07f97e5, 0xb5a25a64, 0xc7c6cccc, 0xd8032033, 0x5d4952f3, 0x779ba31b, 0x31625e4c, 0xc6b3b2c9, 0x335ab2fb, 0x91a9039f, 0x0234ca0e, 0xb780c26f],
      draws: [
        { position: 1, row: 0, col: 1, values: [23] },
        { position: 0, row: 0, col: 0, values: [47] },
        { position: 3, row: 1, col: 1, values: [209] },
        { position: 0, row: 0, col: 0, values: [246] },
        { position: 3, row: 1, col: 1, values: [221] },
        { position: 2, row: 1, col: 0, values: [106] },
      ],
      changed: 4,
    },
    {
      // RGB: one word per channel after the position word; position 4 drawn twice
      name: 'RGB 2x3x3, k=3',
      seed: 1, split: 'test', index: 0, step: 2, shape: { height: 2, width: 3, channels: 3 }, k: 3,
      words: [0xb481b86c, 0x0e94c967, 0xead9ea64, 0xa9267122, 0x7d7e12d6, 0xf19ca3b1, 0x3d38c429, 0xf22e11f5, 0xc8e719b8, 0x339ae4aa, 0x646421db, 0x69b983c4],
      draws: [
        { position: 4, row: 1, col: 1, values: [211, 20, 99] },
        { position: 0, row: 0, col: 0, values: [227, 99, 40] },
        { position: 4, row: 1, col: 1, values: [93, 197, 107] },
      ],
      changed: 2,
    },
  ];

  it.each(KAT)('known answers: $name', (c) => {
    // the stream is the one the table was written from
    const rng = streamFor(c.seed, c.split, c.index, c.step);
    expect(c.words.map(() => rng.nextU32())).toEqual(c.words);
    for (const d of c.draws) expect(d.row * c.shape.width + d.col).toBe(d.position);
    // an all-255 source: every drawn value (0..254) differs, so the output shows every draw
    const src = filled(c.shape, 255);
    const out = new Uint8Array(src.length);
    const changed = makePerturber({ name: 'paper', params: { k: c.k } }, c.shape)(src, out, streamFor(c.seed, c.split, c.index, c.step));
    const want = src.slice();
    for (const d of c.draws) want.set(d.values, d.position * c.shape.channels);
    expect(Array.from(out)).toEqual(Array.from(want));
    expect(changed).toBe(c.changed);
  });

  it('known answers on a non-constant source, and with k above the small-k path (65 draws)', () => {
    const c = KAT[0];
    const stream = () => streamFor(c.seed, c.split, c.index, c.step);
    const src = pattern(MNIST);
    const out5 = new Uint8Array(src.length);
    makePerturber({ name: 'paper', params: { k: 5 } }, MNIST)(src, out5, stream());
    const want = src.slice();
    for (const d of c.draws) want[d.position] = d.values[0];
    expect(Array.from(out5)).toEqual(Array.from(want));
    // k=65 on the same stream: the same first 5 draws, then 60 more (same derivation as the
    // table): 60 distinct positions in all; draw 52 hits position 129 again (value 98); the
    // last draw (65th) is position 725 = 25*28 + 25, value 34
    const ones = filled(MNIST, 255);
    const out65 = new Uint8Array(ones.length);
    const changed = makePerturber({ name: 'paper', params: { k: 65 } }, MNIST)(ones, out65, stream());
    expect(changed).toBe(60);
    expect([751, 254, 129, 270, 354, 725].map((p) => out65[p])).toEqual([198, 13, 98, 60, 37, 34]);
  });

  it('never writes 255 and reaches 0 and 254', () => {
    const src = filled(MNIST, 0);
    let max = 0;
    let min = 255;
    for (let step = 1; step <= 30; step++) {
      const { out } = run({ name: 'paper', params: { k: 2000 } }, src, MNIST, 0, step);
      for (let i = 0; i < out.length; i++) {
        max = Math.max(max, out[i]);
        if (out[i] !== src[i]) min = Math.min(min, out[i]);
      }
    }
    expect(max).toBe(254);
    expect(min).toBe(1); // changed values are 1..254 here (0 equals the source)
  });

  it('changes at most k pixels, for any image, k and stream', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(10000), fc.integer({ min: 1, max: 250 }), fc.nat(255), (k, index, step, v) => {
        const src = filled(MNIST, v);
        const { changed } = run({ name: 'paper', params: { k } }, src, MNIST, index, step);
        expect(changed).toBeLessThanOrEqual(k);
      }),
      { numRuns: 300 },
    );
  });

  it('draws with replacement: with k=28 on 784 positions some draws repeat a position (expected 27.52 distinct)', () => {
    const src = filled(MNIST, 255); // every drawn value (0..254) differs from 255: changed = distinct positions
    let total = 0;
    let below = 0;
    const trials = 400;
    for (let step = 1; step <= trials; step++) {
      const { changed } = run({ name: 'paper', params: { k: 28 } }, src, MNIST, 1, step);
      total += changed;
      if (changed < 28) below++;
    }
    // P(some repeat) = 1 - prod_{i<28}(1 - i/784) = 0.383; mean distinct = 784(1 - (783/784)^28) = 27.516
    expect(below / trials).toBeGreaterThan(0.3);
    expect(below / trials).toBeLessThan(0.47);
    expect(Math.abs(total / trials - 27.516)).toBeLessThan(0.1);
  });

  it('sets the channels of a drawn pixel independently', () => {
    const src = filled(RGB, 255);
    const { out } = run({ name: 'paper', params: { k: 10 } }, src, RGB, 0, 1);
    let unequal = 0;
    for (let p = 0; p < out.length; p += 3) if (out[p] !== 255 && (out[p] !== out[p + 1] || out[p] !== out[p + 2])) unequal++;
    expect(unequal).toBeGreaterThan(0);
  });

  it('k = 0 is the identity', () => {
    const src = pattern(MNIST);
    const { out, changed } = run({ name: 'paper', params: { k: 0 } }, src, MNIST);
    expect(out).toEqual(src);
    expect(changed).toBe(0);
  });
});

describe('pixels', () => {
  it('draws exactly k distinct positions in range (Floyd)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900 }), fc.nat(), fc.nat(1000), (total, kRaw, i) => {
        const k = kRaw % (total + 1);
        const pos = distinctPositions(streamFor(0, 'd', i, 1), total, k);
        expect(pos.length).toBe(k);
        expect(new Set(pos).size).toBe(k);
        for (const p of pos) expect(p >= 0 && p < total).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(() => distinctPositions(streamFor(0, 'd', 0, 0), 3, 4)).toThrow(RangeError);
  });

  it('changes at most k positions and, on average, k·255/256 of them (a drawn value can equal the old one)', () => {
    const src = filled(MNIST, 0);
    let total = 0;
    for (let step = 1; step <= 200; step++) {
      const { changed } = run({ name: 'pixels', params: { k: 28 } }, src, MNIST, 3, step);
      expect(changed).toBeLessThanOrEqual(28);
      total += changed;
    }
    // each of 5600 positions unchanged with p = 1/256: mean 27.89, sd of the mean 0.0074·... < 0.05
    expect(Math.abs(total / 200 - (28 * 255) / 256)).toBeLessThan(0.1);
  });

  it('k = H*W redraws every pixel', () => {
    const src = filled(MNIST, 0);
    const { changed } = run({ name: 'pixels', params: { k: 784 } }, src, MNIST);
    expect(changed).toBeGreaterThan(760); // ~ 784·255/256 = 781
  });
});

describe('the other schemes', () => {
  it('salt-pepper sets exactly round(p·H·W) pixels to 0 or 255', () => {
    const src = filled(MNIST, 128);
    const { out, changed } = run({ name: 'salt-pepper', params: { p: 0.1 } }, src, MNIST);
    expect(changed).toBe(78);
    const values = new Set(Array.from(out).filter((v) => v !== 128));
    expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
  });

  it('gaussian: sigma 0 is the identity; otherwise mean shift ~0 and sd ~sigma on mid-gray', () => {
    const src = filled(MNIST, 128);
    expect(run({ name: 'gaussian', params: { sigma: 0 } }, src, MNIST).changed).toBe(0);
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (let step = 1; step <= 20; step++) {
      const { out } = run({ name: 'gaussian', params: { sigma: 10 } }, src, MNIST, 0, step);
      for (const v of out) {
        s += v - 128;
        s2 += (v - 128) ** 2;
        n++;
      }
    }
    expect(Math.abs(s / n)).toBeLessThan(0.2); // 4 standard errors: 4·10/sqrt(15680) = 0.32, rounding is unbiased
    expect(Math.abs(Math.sqrt(s2 / n) - Math.sqrt(100 + 1 / 12))).toBeLessThan(0.3);
  });

  it('blur: a constant image stays constant; a point spreads symmetrically; a fixed sigma ignores the stream', () => {
    const flat = filled(MNIST, 90);
    expect(run({ name: 'blur', params: { sigma: 2 } }, flat, MNIST).changed).toBe(0);
    const dot = filled(MNIST, 0);
    dot[14 * 28 + 14] = 255;
    const { out } = run({ name: 'blur', params: { sigma: 1 } }, dot, MNIST);
    expect(out[14 * 28 + 13]).toBe(out[14 * 28 + 15]);
    expect(out[13 * 28 + 14]).toBe(out[15 * 28 + 14]);
    expect(out[14 * 28 + 14]).toBe(Math.round(255 * (1 / (1 + 2 * Math.exp(-0.5) + 2 * Math.exp(-2) + 2 * Math.exp(-4.5))) ** 2));
    expect(run({ name: 'blur', params: { sigma: 1 } }, dot, MNIST, 0, 2).out).toEqual(out);
    const outs = new Set([1, 2, 3, 4].map((s) => bytesHash(run({ name: 'blur', params: { sigma: 0.5, sigmaMax: 3 } }, dot, MNIST, 0, s).out)));
    expect(outs.size).toBe(4);
  });

  it('occlusion writes one size×size square of the value, fully inside the image', () => {
    for (let step = 1; step <= 50; step++) {
      const src = filled(MNIST, 200);
      const { out, changed } = run({ name: 'occlusion', params: { size: 5, value: 0 } }, src, MNIST, 0, step);
      expect(changed).toBe(25);
      const ys: number[] = [];
      const xs: number[] = [];
      out.forEach((v, i) => {
        if (v === 0) {
          ys.push(Math.floor(i / 28));
          xs.push(i % 28);
        }
      });
      expect(Math.max(...ys) - Math.min(...ys)).toBe(4);
      expect(Math.max(...xs) - Math.min(...xs)).toBe(4);
    }
  });

  it('brightness-contrast: zero ranges are the identity; contrast 0 shifts every value by one offset', () => {
    const src = pattern(MNIST);
    expect(run({ name: 'brightness-contrast', params: { brightness: 0, contrast: 0 } }, src, MNIST).changed).toBe(0);
    const mid = filled(MNIST, 100);
    const { out } = run({ name: 'brightness-contrast', params: { brightness: 50, contrast: 0 } }, mid, MNIST);
    const shift = out[0] - 100;
    expect(Math.abs(shift)).toBeLessThanOrEqual(50);
    expect(out.every((v) => v === 100 + shift)).toBe(true);
  });

  it('fog only brightens (without flakes), density 0 and no flakes is the identity, flakes are bright', () => {
    const src = pattern(MNIST);
    expect(run({ name: 'fog', params: { density: 0 } }, src, MNIST).changed).toBe(0);
    const { out } = run({ name: 'fog', params: { density: 0.8 } }, src, MNIST);
    for (let i = 0; i < src.length; i++) expect(out[i]).toBeGreaterThanOrEqual(src[i]);
    const dark = filled(MNIST, 0);
    const snow = run({ name: 'fog', params: { density: 0, flakes: 0.05 } }, dark, MNIST);
    expect(snow.changed).toBe(39);
    expect(Array.from(snow.out).filter((v) => v > 0).every((v) => v >= 200)).toBe(true);
  });
});

describe('registry, validation, composition', () => {
  it('rejects unknown schemes and parameters, and out-of-range or fractional values, naming the scheme', () => {
    const bad: [SchemeSpec, RegExp][] = [
      [{ name: 'nope' as SchemeName, params: {} }, /scheme nope: unknown scheme/],
      [{ name: 'paper', params: { kk: 3 } }, /scheme paper: unknown parameter "kk"/],
      [{ name: 'paper', params: { k: 2.5 } }, /scheme paper: parameter k must be an integer/],
      [{ name: 'pixels', params: { k: 785 } }, /scheme pixels: parameter k must be in 0\.\.784 for 28x28 images, got 785/],
      [{ name: 'salt-pepper', params: { p: 1.5 } }, /parameter p must be in 0\.\.1/],
      [{ name: 'occlusion', params: { size: 29 } }, /parameter size must be in 0\.\.28/],
      [{ name: 'gaussian', params: { sigma: NaN } }, /must be a finite number/],
    ];
    for (const [spec, msg] of bad) {
      expect(() => resolveParams(spec, MNIST)).toThrow(InputError);
      expect(() => resolveParams(spec, MNIST)).toThrow(msg);
    }
  });

  it('fills defaults and describes schemes for reports', () => {
    expect(resolveParams({ name: 'paper', params: {} }, MNIST)).toEqual({ k: 28 });
    expect(resolveParams({ name: 'gaussian', params: { sigma: 5 } }, MNIST)).toEqual({ sigma: 5 });
    expect(describeScheme({ name: 'paper', params: {} }, MNIST)).toBe('paper (k=28)');
    expect(describeScheme({ name: 'fog', params: { flakes: 0.01 } }, MNIST)).toBe('fog (density=0.5, flakes=0.01, scale=7)');
    expect(describeScheme({ name: 'pixels', params: { k: 5 } })).toBe('pixels (k=5)');
    for (const name of schemeNames) expect(Object.keys(coreSchemeDefaults(name, MNIST)).length).toBeGreaterThan(0);
  });

  it('compose applies the schemes in order with one stream', () => {
    const src = pattern(MNIST);
    const specs: SchemeSpec[] = [{ name: 'paper', params: { k: 12 } }, { name: 'occlusion', params: { size: 4, value: 255 } }];
    const out = new Uint8Array(src.length);
    const changed = compose(specs, MNIST)(src, out, streamFor(9, 's', 1, 2));
    const rng = streamFor(9, 's', 1, 2);
    const mid = new Uint8Array(src.length);
    makePerturber(specs[0], MNIST)(src, mid, rng);
    const ref = new Uint8Array(src.length);
    makePerturber(specs[1], MNIST)(mid, ref, rng);
    expect(out).toEqual(ref);
    expect(changed).toBe(countChanged(src, ref, 1));
    expect(() => compose([], MNIST)).toThrow(InputError);
  });

  it('perturbationAt regenerates the scoring perturbation of (seed, split, index, step)', () => {
    const src = pattern(MNIST);
    const spec: SchemeSpec = { name: 'paper', params: { k: 28 } };
    const at = perturbationAt(spec, src, MNIST, { seed: 0, split: 'test', index: 4, step: 17 });
    const ref = run(spec, src, MNIST, 4, 17);
    expect(at.image).toEqual(ref.out);
    expect(at.changed).toBe(ref.changed);
  });

  it('snapshot table: checksum and pixels changed of each scheme with defaults on a fixed image', () => {
    const table: Record<string, string> = {};
    for (const name of schemeNames) {
      for (const shape of [MNIST, RGB]) {
        const { out, changed } = run({ name, params: {} }, pattern(shape), shape, 123, 45);
        table[`${name} ${shape.height}x${shape.width}x${shape.channels}`] = `${bytesHash(out)} changed=${changed}`;
      }
    }
    expect(table).toMatchInlineSnapshot(`
      {
        "blur 28x28x1": "f076069c changed=742",
        "blur 6x5x3": "32dfd4fb changed=30",
        "brightness-contrast 28x28x1": "4185f092 changed=781",
        "brightness-contrast 6x5x3": "24ac708f changed=30",
        "fog 28x28x1": "c4778c7e changed=771",
        "fog 6x5x3": "bd438d50 changed=30",
        "gaussian 28x28x1": "44c355d9 changed=770",
        "gaussian 6x5x3": "36e41cc7 changed=30",
        "occlusion 28x28x1": "cbf25f87 changed=49",
        "occlusion 6x5x3": "367b6636 changed=1",
        "paper 28x28x1": "77ff2f90 changed=28",
        "paper 6x5x3": "84099cf2 changed=4",
        "pixels 28x28x1": "513e646a changed=28",
        "pixels 6x5x3": "75935544 changed=5",
        "salt-pepper 28x28x1": "8e61f30b changed=39",
        "salt-pepper 6x5x3": "a6b489ed changed=2",
      }
    `);
  });
});
