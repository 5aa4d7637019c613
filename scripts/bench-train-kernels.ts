/**
 * Benchmark (not a test): training samples/s of the zoo's CNNs on wasm with our kernels,
 * on wasm with the stock kernels (only the missing Conv2DBackpropFilter added), and on the
 * cpu backend; then paper-cnn predict images/s per backend and batch size.
 *
 *   npx tsx scripts/bench-train-kernels.ts [--cpu-batches 1] [--cpu-batch 32] [--wasm-batches 4]
 *
 * The cpu backend trains classic-cnn at ~0.3 samples/s, so it gets one small batch.
 */
import * as tfw from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, LayersModel, Tensor } from '@tensorflow/tfjs';
import { getTf, initBackend, wasmDistFolder } from '../src-main/engine/backend';
import { conv2DBackpropFilterConfig } from '../src-main/engine/wasm-kernels/conv2d-backprop-filter';
import { registerWasmTrainingKernels, wasmTrainingKernelNames } from '../src-main/engine/wasm-kernels/index';

const tf = getTf();
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CPU_BATCHES = arg('cpu-batches', 1);
const WASM_BATCHES = arg('wasm-batches', 4);
const BATCH = 128;
const CPU_BATCH = arg('cpu-batch', 32);

type Arch = 'paper-cnn' | 'classic-cnn';
type Variant = 'wasm (ours)' | 'wasm (stock)' | 'cpu';

function model(arch: Arch): LayersModel {
  const [f1, f2] = arch === 'paper-cnn' ? [8, 16] : [32, 64];
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: f1, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: f2, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  if (arch === 'classic-cnn') m.add(tf.layers.dropout({ rate: 0.25 }));
  m.add(tf.layers.flatten());
  if (arch === 'classic-cnn') m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return m;
}

function batch(n: number): { xs: Tensor; ys: Tensor } {
  return tf.tidy(() => ({
    xs: tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 1),
    ys: tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', 2), 10),
  }));
}

// wasm with the stock kernels = what tfjs-backend-wasm ships, plus the one kernel it lacks
tfw.setWasmPaths(wasmDistFolder());
const stock = new Map<string, KernelConfig | undefined>(wasmTrainingKernelNames.map((n) => [n, tf.getKernel(n, 'wasm')]));
function useKernels(kind: 'ours' | 'stock'): void {
  for (const name of wasmTrainingKernelNames) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  for (const [name, config] of stock) {
    tf.registerKernel(config ?? { ...conv2DBackpropFilterConfig, kernelName: name });
    // stock kernels bind their wasm entry point in setupFunc, run when the backend starts;
    // ours replaced them before that, so bind them now
    if (tf.getBackend() === 'wasm') config?.setupFunc?.(tf.backend());
  }
  if (kind === 'ours') registerWasmTrainingKernels(); // wraps / replaces the stock ones
}

async function setVariant(v: Variant): Promise<void> {
  if (v === 'cpu') {
    await tf.setBackend('cpu');
    return;
  }
  await tf.setBackend('wasm');
  useKernels(v === 'wasm (ours)' ? 'ours' : 'stock');
}

async function trainRate(arch: Arch, v: Variant): Promise<number> {
  await setVariant(v);
  const m = model(arch);
  const size = v === 'cpu' ? CPU_BATCH : BATCH;
  const { xs, ys } = batch(size);
  const batches = v === 'cpu' ? CPU_BATCHES : WASM_BATCHES;
  if (v !== 'cpu') await m.fit(xs, ys, { batchSize: size, epochs: 1, verbose: 0 }); // warm-up (operator caches)
  const t0 = performance.now();
  await m.fit(xs, ys, { batchSize: size, epochs: batches, verbose: 0 });
  const rate = (size * batches) / ((performance.now() - t0) / 1000);
  tf.dispose([xs, ys]);
  m.dispose();
  return rate;
}

async function predictRate(v: Variant, size: number): Promise<number> {
  await setVariant(v);
  const m = model('paper-cnn');
  const n = v === 'cpu' ? size : Math.max(size, 8192);
  const { xs, ys } = batch(n);
  tf.tidy(() => (m.predict(xs.slice(0, Math.min(n, 256)), { batchSize: size }) as Tensor).dataSync()); // warm-up
  const t0 = performance.now();
  tf.tidy(() => (m.predict(xs, { batchSize: size }) as Tensor).dataSync());
  const rate = n / ((performance.now() - t0) / 1000);
  tf.dispose([xs, ys]);
  m.dispose();
  return rate;
}

const fmt = (x: number) => x.toFixed(x < 100 ? 1 : 0).padStart(9);

async function main(): Promise<void> {
  const info = await initBackend({ force: 'wasm' });
  console.log(`node ${process.version}, TF.js ${tf.version.tfjs}; ladder: ${JSON.stringify(info)}`);
  console.log(`\ntraining, samples/s (wasm: ${WASM_BATCHES} batches of ${BATCH} after 1 warm-up; cpu: ${CPU_BATCHES} of ${CPU_BATCH})`);
  console.log(`${'model'.padEnd(12)}${'wasm ours'.padStart(11)}${'wasm stock'.padStart(11)}${'cpu'.padStart(11)}  ours/stock  ours/cpu`);
  for (const arch of ['paper-cnn', 'classic-cnn'] as const) {
    const ours = await trainRate(arch, 'wasm (ours)');
    const stockRate = await trainRate(arch, 'wasm (stock)');
    const cpu = await trainRate(arch, 'cpu');
    console.log(`${arch.padEnd(12)}  ${fmt(ours)}  ${fmt(stockRate)}  ${fmt(cpu)}  ${(ours / stockRate).toFixed(1).padStart(9)}×  ${(ours / cpu).toFixed(0).padStart(6)}×`);
  }
  console.log('\npaper-cnn predict, images/s');
  console.log(`${'batchSize'.padEnd(12)}${'wasm'.padStart(11)}${'cpu'.padStart(11)}`);
  for (const size of [256, 1024, 4096]) {
    const wasm = await predictRate('wasm (ours)', size);
    const cpu = await predictRate('cpu', size);
    console.log(`${String(size).padEnd(12)}  ${fmt(wasm)}  ${fmt(cpu)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
