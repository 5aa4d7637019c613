/**
 * Training fingerprints (not a test): trains a small MLP on 400 MNIST images under each
 * combination of trainModel's options (carves, update budget, early stopping, restore-best, no
 * validation, gathered images, cancel) and prints, per case, a hash of the final weights and a
 * hash of the result and every progress report (timings left out). Run it before and after
 * changing engine/train*.ts: a refactor must print the same lines.
 *
 *   npx tsx scripts/train-fingerprint.ts [--data ../shared/datasets/mnist-small] [--backend wasm]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../src-main/contract/types';
import { initBackend } from '../src-main/engine/backend';
import { trainModel } from '../src-main/engine/train';
import type { GatherImages, TrainOptions } from '../src-main/engine/train';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: `${process.env.RPR_DATASETS ?? '../shared/datasets'}/mnist-small` },
    backend: { type: 'string', default: 'wasm' },
  },
});

const N = 400;
const SIZE = 28 * 28;
const shape = { height: 28, width: 28, channels: 1 as const };

type Case = Partial<TrainOptions> & { gather?: boolean; cancelAt?: number };
const cases: Record<string, Case> = {
  plain: { epochs: 2, validationShare: 0.1 },
  strat: { epochs: 2, validationShare: 0.2, validationMethod: 'stratified' },
  upd: { epochs: 1, validationShare: 0.1, maxUpdates: 17 },
  patience: { epochs: 6, validationShare: 0.25, earlyStoppingPatience: 1, learningRate: 0.02 },
  restore: { epochs: 4, validationShare: 0.25, restoreBest: true, learningRate: 0.02, validationMethod: 'stratified' },
  restoreUpd: { epochs: 1, validationShare: 0.2, restoreBest: true, maxUpdates: 30, learningRate: 0.01 },
  noval: { epochs: 2, validationShare: 0, restoreBest: true, earlyStoppingPatience: 2 },
  gather: { epochs: 2, validationShare: 0.1, gather: true, inputScale: 'signed' },
  cancel: { epochs: 3, validationShare: 0.1, cancelAt: 5 },
};

async function main(): Promise<void> {
  const img = gunzipSync(readFileSync(`${values.data}/train-images-idx3-ubyte.gz`));
  const lab = gunzipSync(readFileSync(`${values.data}/train-labels-idx1-ubyte.gz`));
  const data = new Uint8Array(img.subarray(16, 16 + N * SIZE));
  const labels = new Uint8Array(lab.subarray(8, 8 + N));
  const info = await initBackend({ force: values.backend as BackendName });
  console.log(`backend ${info.name}, ${N} images of ${values.data}`);
  const gathered: GatherImages = {
    shape,
    count: N,
    gather: (idx) => {
      const out = new Uint8Array(idx.length * SIZE);
      for (let i = 0; i < idx.length; i++) out.set(data.subarray(idx[i] * SIZE, (idx[i] + 1) * SIZE), i * SIZE);
      return out;
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const { gather, cancelAt, ...opts } = c;
    const ac = new AbortController();
    const reports: string[] = [];
    const res = await trainModel({
      images: gather ? gathered : { shape, count: N, data },
      labels,
      numClasses: 10,
      arch: 'mlp',
      seed: 3,
      batchSize: 32,
      everyNBatches: 4,
      epochs: 1,
      validationShare: 0,
      signal: ac.signal,
      onProgress: (p) => {
        reports.push(JSON.stringify({ ...p, samplesPerSec: 0, etaMs: p.etaMs === 0 ? 0 : 1 }));
        if (cancelAt && reports.length === cancelAt) ac.abort();
      },
      ...opts,
    });
    const weights = createHash('sha256');
    for (const w of res.model.getWeights()) weights.update(Buffer.from(((await w.data()) as Float32Array).buffer));
    const { model, elapsedMs: _elapsed, ...rest } = res;
    const result = createHash('sha256').update(JSON.stringify(rest)).update(reports.join('\n')).digest('hex').slice(0, 16);
    console.log(`${name.padEnd(11)} weights ${weights.digest('hex').slice(0, 16)} result+progress ${result} epochs ${res.epochsRun} updates ${res.updates} stoppedEarly ${res.stoppedEarly} cancelled ${res.cancelled} valAccuracy ${res.valAccuracy} tensors ${tf.memory().numTensors}`);
    model.dispose();
  }
}

void main();
