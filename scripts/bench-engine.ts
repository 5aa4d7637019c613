/**
 * Engine benchmark (not a test): trains paper-cnn on MNIST in-process, prints test accuracy
 * and wall time, then predict images/s through the worker pool with 1 vs 2 workers.
 *
 *   npx tsx scripts/bench-engine.ts [--data ../shared/datasets/mnist] [--epochs 3] [--backend wasm]
 *                                  [--predict 20000] [--json out.json]
 * Use --data ../shared/datasets/mnist-small for a quick run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { BackendName } from '../src-main/contract/types';
import { initBackend } from '../src-main/engine/backend';
import { evaluateModel } from '../src-main/engine/evaluate';
import { saveModel } from '../src-main/engine/model-io';
import { createPool } from '../src-main/engine/pool';
import { trainModel } from '../src-main/engine/train';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/datasets/mnist' },
    epochs: { type: 'string', default: '3' },
    backend: { type: 'string' },
    predict: { type: 'string', default: '20000' },
    json: { type: 'string' },
  },
});

function idx(dir: string, name: string, offset: number): Buffer {
  return gunzipSync(readFileSync(join(dir, name))).subarray(offset);
}

async function main(): Promise<void> {
  const dir = values.data as string;
  const shape = { height: 28, width: 28, channels: 1 as const };
  const trainPixels = idx(dir, 'train-images-idx3-ubyte.gz', 16);
  const trainLabels = idx(dir, 'train-labels-idx1-ubyte.gz', 8);
  const testPixels = idx(dir, 't10k-images-idx3-ubyte.gz', 16);
  const testLabels = idx(dir, 't10k-labels-idx1-ubyte.gz', 8);
  const backend = await initBackend(values.backend ? { force: values.backend as BackendName } : {});
  console.log(`backend: ${backend.name}${Object.keys(backend.unavailable).length ? ` (unavailable: ${JSON.stringify(backend.unavailable)})` : ''}`);
  console.log(`data: ${dir}: ${trainLabels.length} train, ${testLabels.length} test`);

  const epochs = Number(values.epochs);
  const t0 = performance.now();
  const res = await trainModel({
    images: { shape, count: trainLabels.length, data: new Uint8Array(trainPixels) },
    labels: new Uint8Array(trainLabels),
    numClasses: 10,
    arch: 'paper-cnn',
    epochs,
    seed: 0,
    validationShare: 0.1,
    everyNBatches: 100,
    onProgress: (p) => {
      if (p.epochEnd) console.log(`  epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)} acc ${p.acc.toFixed(4)} valAcc ${p.valAcc?.toFixed(4)} ${p.samplesPerSec.toFixed(0)} samples/s`);
    },
  });
  const trainMs = performance.now() - t0;
  const ev = await evaluateModel(res.model, { shape, count: testLabels.length, data: new Uint8Array(testPixels) }, new Uint8Array(testLabels), { numClasses: 10, batchSize: 1024, inputScale: 'unit' });
  const samplesPerSec = (res.trainCount * res.epochsRun * 1000) / res.elapsedMs;
  console.log(`train paper-cnn ${epochs} epochs: test accuracy ${(ev.accuracy * 100).toFixed(2)}%, val ${((res.valAccuracy ?? 0) * 100).toFixed(2)}%, wall ${(trainMs / 1000).toFixed(1)} s, ${samplesPerSec.toFixed(0)} samples/s`);

  const tmp = mkdtempSync(join(tmpdir(), 'rpr-bench-'));
  const report: Record<string, unknown> = { backend: backend.name, data: dir, epochs, testAccuracy: ev.accuracy, valAccuracy: res.valAccuracy, trainWallMs: trainMs, trainSamplesPerSec: samplesPerSec };
  try {
    const modelDir = join(tmp, 'model');
    await saveModel(res.model, modelDir, { arch: 'paper-cnn', inputScale: 'unit' });
    res.model.dispose();
    const pixelsPath = join(tmp, 'test.u8');
    writeFileSync(pixelsPath, testPixels);
    const count = Number(values.predict);
    const job = (n: number, batchSize: number) => ({ kind: 'predict-bench' as const, modelPath: modelDir, shape, numClasses: 10, count: n, batchSize, pixelsPath });
    const byBatch: Record<string, number> = {};
    const pool1 = createPool({ size: 1, backend: backend.name });
    try {
      for (const b of [256, 1024, 4096]) {
        const r = await pool1.run(job(count, b));
        byBatch[b] = r.imagesPerSec;
        console.log(`predict, 1 worker, batch ${b}: ${r.imagesPerSec.toFixed(0)} images/s`);
      }
    } finally {
      await pool1.close();
    }
    const pool2 = createPool({ size: 2, backend: backend.name });
    let twoRate = 0;
    try {
      await Promise.all([pool2.run(job(1024, 1024)), pool2.run(job(1024, 1024))]); // start + warm both workers
      const t = performance.now();
      await Promise.all([pool2.run(job(count / 2, 1024)), pool2.run(job(count / 2, 1024))]);
      twoRate = (count * 1000) / (performance.now() - t);
    } finally {
      await pool2.close();
    }
    console.log(`predict, 2 workers, batch 1024: ${twoRate.toFixed(0)} images/s (speedup ${(twoRate / byBatch[1024]).toFixed(2)}× over 1 worker)`);
    Object.assign(report, { predictImagesPerSec1Worker: byBatch, predictImagesPerSec2Workers: twoRate, speedup2Workers: twoRate / byBatch[1024] });
    if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
