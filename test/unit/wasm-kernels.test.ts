/**
 * The wasm training kernels against the cpu backend (the reference): whole-gradient relative
 * error ‖a − b‖₂ / ‖b‖₂ < 1e-4 on random shapes, strides and paddings, plus real fits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getTf, initBackend } from '../../src-main/engine/backend';
import { registerWasmTrainingKernels, wasmTrainingKernelNames, wasmTrainingKernelsRegistered } from '../../src-main/engine/wasm-kernels/index';
import type { Rank, Tensor } from '@tensorflow/tfjs';

const tf = getTf();
const TOL = 1e-4;
type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];

function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Deterministic values in [-1, 1) (mulberry32). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** Run `fn` on a backend and return every output's values. */
async function on(backend: 'wasm' | 'cpu', fn: () => Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const data = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return data;
}

async function compare(fn: () => Tensor[]): Promise<number[]> {
  const wasm = await on('wasm', fn);
  const cpu = await on('cpu', fn);
  return wasm.map((w, i) => relErr(w, cpu[i]));
}

const padArb: fc.Arbitrary<Pad> = fc.oneof(
  fc.constant('valid' as const),
  fc.constant('same' as const),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(([t, b, l, r]): Pad => [[0, 0], [t, b], [l, r], [0, 0]]),
);

const convCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 4 }),
    fh: fc.integer({ min: 1, max: 4 }),
    fw: fc.integer({ min: 1, max: 4 }),
    extraH: fc.integer({ min: 0, max: 7 }),
    extraW: fc.integer({ min: 0, max: 7 }),
    ci: fc.integer({ min: 1, max: 5 }),
    co: fc.integer({ min: 1, max: 6 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    pad: padArb,
    seed: fc.nat(),
  })
  .map((c) => ({ ...c, h: c.fh + c.extraH, w: c.fw + c.extraW }));

function outSize(n: number, f: number, s: number, pad: Pad, axis: 1 | 2): number {
  if (pad === 'same') return Math.ceil(n / s);
  const [a, b] = pad === 'valid' ? [0, 0] : pad[axis];
  return Math.floor((n + a + b - f) / s) + 1;
}

beforeAll(async () => {
  const info = await initBackend({ force: 'wasm' });
  expect(info.name).toBe('wasm');
});

describe('wasm training kernels', () => {
  it('are registered by initBackend and registering again is a no-op', () => {
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    const before = wasmTrainingKernelNames.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    registerWasmTrainingKernels();
    expect(wasmTrainingKernelNames.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc)).toEqual(before);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('conv2d gradients (filter and input) match cpu on random shapes, strides and paddings', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        const oh = outSize(c.h, c.fh, c.sh, c.pad, 1);
        const ow = outSize(c.w, c.fw, c.sw, c.pad, 2);
        fc.pre(oh >= 1 && ow >= 1);
        const xv = values(c.batch * c.h * c.w * c.ci, c.seed);
        const wv = values(c.fh * c.fw * c.ci * c.co, c.seed + 1);
        const rv = values(c.batch * oh * ow * c.co, c.seed + 2);
        const errs = await compare(() => {
          const x = tf.tensor4d(xv, [c.batch, c.h, c.w, c.ci]);
          const w = tf.tensor4d(wv, [c.fh, c.fw, c.ci, c.co]);
          const r = tf.tensor4d(rv, [c.batch, oh, ow, c.co]);
          const f = (a: Tensor, b: Tensor) => tf.conv2d(a as Tensor<Rank.R4>, b as Tensor<Rank.R4>, [c.sh, c.sw], c.pad).mul(r).sum();
          return tf.grads(f)([x, w]);
        });
        expect(errs[0], `dx ${JSON.stringify(c)}`).toBeLessThan(TOL);
        expect(errs[1], `dW ${JSON.stringify(c)}`).toBeLessThan(TOL);
      }),
      { numRuns: 30, seed: 20200101 },
    );
  });

  it('the backprop kernels called directly match cpu, NCHW and NHWC, with a larger batch', async () => {
    const cases = [
      { fmt: 'NCHW' as const, x: [3, 2, 9, 7], f: [3, 2, 2, 4], s: [2, 1] as [number, number], pad: 'same' as const },
      { fmt: 'NCHW' as const, x: [2, 3, 8, 8], f: [3, 3, 3, 5], s: [1, 3] as [number, number], pad: 'valid' as const },
      { fmt: 'NHWC' as const, x: [32, 12, 12, 6], f: [3, 3, 6, 8], s: [1, 1] as [number, number], pad: 'valid' as const },
      { fmt: 'NHWC' as const, x: [16, 11, 10, 3], f: [5, 4, 3, 7], s: [3, 2] as [number, number], pad: 'same' as const },
    ];
    for (const [k, c] of cases.entries()) {
      const nhwc = c.fmt === 'NHWC' ? c.x : [c.x[0], c.x[2], c.x[3], c.x[1]];
      const oh = outSize(nhwc[1], c.f[0], c.s[0], c.pad, 1);
      const ow = outSize(nhwc[2], c.f[1], c.s[1], c.pad, 2);
      const dyShape = c.fmt === 'NHWC' ? [c.x[0], oh, ow, c.f[3]] : [c.x[0], c.f[3], oh, ow];
      const xv = values(c.x.reduce((a, b) => a * b), 100 + k);
      const fv = values(c.f.reduce((a, b) => a * b), 200 + k);
      const dv = values(dyShape.reduce((a, b) => a * b), 300 + k);
      const errs = await compare(() => {
        const x = tf.tensor(xv, c.x);
        const filter = tf.tensor(fv, c.f);
        const dy = tf.tensor(dv, dyShape);
        const common = { strides: c.s, pad: c.pad, dataFormat: c.fmt };
        const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: c.f }) as Tensor;
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: c.x }) as Tensor;
        expect(dW.shape).toEqual(c.f);
        expect(dx.shape).toEqual(c.x);
        return [dW, dx];
      });
      expect(errs[0], `dW case ${k}`).toBeLessThan(TOL);
      expect(errs[1], `dx case ${k}`).toBeLessThan(TOL);
    }
  });

  it('maxPool gradients match cpu on random shapes, strides and paddings', async () => {
    const poolCase = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 3, max: 10 }),
      w: fc.integer({ min: 3, max: 10 }),
      c: fc.integer({ min: 1, max: 5 }),
      ph: fc.integer({ min: 1, max: 3 }),
      pw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 3 }),
      sw: fc.integer({ min: 1, max: 3 }),
      pad: fc.constantFrom('valid' as const, 'same' as const),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(poolCase, async (p) => {
        const xv = values(p.batch * p.h * p.w * p.c, p.seed);
        const oh = outSize(p.h, p.ph, p.sh, p.pad, 1);
        const ow = outSize(p.w, p.pw, p.sw, p.pad, 2);
        const rv = values(p.batch * oh * ow * p.c, p.seed + 7);
        const [err] = await compare(() => {
          const x = tf.tensor4d(xv, [p.batch, p.h, p.w, p.c]);
          const r = tf.tensor4d(rv, [p.batch, oh, ow, p.c]);
          return [tf.grad((a: Tensor) => tf.maxPool(a as Tensor<Rank.R4>, [p.ph, p.pw], [p.sh, p.sw], p.pad).mul(r).sum())(x)];
        });
        expect(err, JSON.stringify(p)).toBeLessThan(TOL);
      }),
      { numRuns: 20, seed: 7 },
    );
  });

  it('matMul and fused matMul gradients (the transposed products) match cpu', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[64, 300], [300, 32], false, false],
      [[300, 64], [300, 32], true, false],
      [[64, 300], [32, 300], false, true],
      [[300, 64], [32, 300], true, true],
      [[3, 20, 17], [3, 17, 9], false, false],
      [[2, 17, 20], [2, 9, 17], true, true],
    ];
    for (const [k, [as, bs, ta, tb]] of cases.entries()) {
      const av = values(as.reduce((p, q) => p * q), 10 + k);
      const bv = values(bs.reduce((p, q) => p * q), 20 + k);
      const errs = await compare(() => {
        const a = tf.tensor(av, as);
        const b = tf.tensor(bv, bs);
        const plain = tf.grads((x: Tensor, y: Tensor) => tf.matMul(x, y, ta, tb).square().sum())([a, b]);
        const outer = tf.matMul(a, b, ta, tb).shape;
        const bias = tf.tensor1d(values(outer[outer.length - 1], 30 + k));
        const fused = tf.grads((x: Tensor, y: Tensor) =>
          tf.fused.matMul({ a: x, b: y, transposeA: ta, transposeB: tb, bias, activation: 'relu' }).square().sum(),
        )([a, b]);
        // broadcasting products: forward only (TF.js's BatchMatMul gradient does not reduce
        // broadcast batch axes on any backend)
        const broadcast = tf.matMul(tf.tensor(values(4 * 20 * 17, 40 + k), [4, 20, 17]), tf.tensor(values(17 * 9, 50 + k), [17, 9]), false, false);
        return [...plain, ...fused, tf.matMul(a, b, ta, tb), broadcast];
      });
      for (const [i, e] of errs.entries()) expect(e, `case ${k} output ${i}`).toBeLessThan(TOL);
    }
  });
});

type Arch = 'paper-cnn' | 'classic-cnn' | 'mlp';

function zooModel(arch: Arch) {
  // seeded initial weights: the loss curve (and so the test) is the same on every run
  let seed = 7;
  const init = () => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) });
  const m = tf.sequential();
  if (arch === 'mlp') {
    m.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
    m.add(tf.layers.dense({ units: 128, activation: 'relu', ...init() }));
  } else {
    const [f1, f2] = arch === 'paper-cnn' ? [8, 16] : [32, 64];
    m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: f1, kernelSize: 3, activation: 'relu', ...init() }));
    m.add(tf.layers.conv2d({ filters: f2, kernelSize: 3, activation: 'relu', ...init() }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    if (arch === 'classic-cnn') m.add(tf.layers.dropout({ rate: 0.25 }));
    m.add(tf.layers.flatten());
    if (arch === 'classic-cnn') m.add(tf.layers.dense({ units: 128, activation: 'relu', ...init() }));
  }
  m.add(tf.layers.dense({ units: 10, activation: 'softmax', ...init() }));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return m;
}

function randomBatch(n: number, seed: number) {
  const xs = tf.tensor4d(values(n * 784, seed).map((v) => (v + 1) / 2), [n, 28, 28, 1]);
  const labels = Array.from(values(n, seed + 1), (v) => Math.floor((v + 1) * 5) % 10);
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  return { xs, ys };
}

describe('training on wasm', () => {
  it.each<Arch>(['paper-cnn', 'classic-cnn', 'mlp'])('a training step of %s finds every kernel it needs on wasm', async (arch) => {
    await tf.setBackend('wasm');
    const m = zooModel(arch);
    const { xs, ys } = randomBatch(8, 3);
    const h = await m.fit(xs, ys, { batchSize: 8, epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('fits a paper-cnn on wasm: the loss on a random batch falls', async () => {
    await tf.setBackend('wasm');
    const m = zooModel('paper-cnn');
    const { xs, ys } = randomBatch(64, 11);
    const first = await m.fit(xs, ys, { batchSize: 32, epochs: 1, verbose: 0, shuffle: false });
    // after the first step the optimizer's slots exist; later steps must not add tensors
    const tensors = tf.memory().numTensors;
    const bytes = (tf.memory() as { numBytesInWASM?: number }).numBytesInWASM;
    const h = await m.fit(xs, ys, { batchSize: 32, epochs: 8, verbose: 0, shuffle: false });
    const loss = [first.history.loss[0] as number, ...(h.history.loss as number[])];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.7);
    expect(tf.memory().numTensors).toBe(tensors);
    // and the composed kernels release their wasm intermediates
    expect((tf.memory() as { numBytesInWASM?: number }).numBytesInWASM).toBe(bytes);
    tf.dispose([xs, ys]);
    m.dispose();
  });
});
