import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RawImages } from '../../src-main/core/image';
import { initBackend } from '../../src-main/engine/backend';
import { evaluateModel } from '../../src-main/engine/evaluate';
import { trainModel } from '../../src-main/engine/train';
import { buildModel } from '../../src-main/engine/zoo';

const MNIST_SMALL = '../shared/datasets/mnist-small';

function readIdx(images: string, labels: string): { images: RawImages; labels: Uint8Array } {
  const img = gunzipSync(readFileSync(`${MNIST_SMALL}/${images}`));
  const lab = gunzipSync(readFileSync(`${MNIST_SMALL}/${labels}`));
  const count = img.readUInt32BE(4);
  return {
    images: { shape: { height: img.readUInt32BE(8), width: img.readUInt32BE(12), channels: 1 }, count, data: new Uint8Array(img.subarray(16)) },
    labels: new Uint8Array(lab.subarray(8)),
  };
}

describe('training on the wasm backend', () => {
  let train: ReturnType<typeof readIdx>;
  let test: ReturnType<typeof readIdx>;
  beforeAll(async () => {
    const info = await initBackend({ force: 'wasm' });
    expect(info.name).toBe('wasm');
    train = readIdx('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
    test = readIdx('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz');
    expect(train.images.count).toBe(1000);
    expect(test.images.count).toBe(500);
  });

  it('paper-cnn on mnist-small: the loss falls and test accuracy is far above chance', async () => {
    const progress: { epoch: number; batch: number; loss: number; epochEnd: boolean; valAcc?: number }[] = [];
    const res = await trainModel({
      images: train.images,
      labels: train.labels,
      numClasses: 10,
      arch: 'paper-cnn',
      epochs: 4,
      seed: 1,
      batchSize: 32,
      validationShare: 0.1,
      everyNBatches: 5,
      onProgress: (p) => progress.push(p),
    });
    expect(res.cancelled).toBe(false);
    expect(res.epochsRun).toBe(4);
    expect(res.trainCount).toBe(900);
    expect(res.valCount).toBe(100);
    expect(res.history.loss).toHaveLength(4);
    expect(res.history.loss[3]).toBeLessThan(res.history.loss[0] * 0.6);
    expect(res.valAccuracy).toBeGreaterThan(0.6);
    // per-batch and per-epoch reports, validation metrics on epoch ends
    expect(progress.filter((p) => !p.epochEnd).length).toBeGreaterThan(4 * 4);
    expect(progress.filter((p) => p.epochEnd).map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    expect(progress.filter((p) => p.epochEnd).every((p) => typeof p.valAcc === 'number')).toBe(true);
    const ev = await evaluateModel(res.model, test.images, test.labels, { numClasses: 10, batchSize: 256, inputScale: 'unit' });
    expect(ev.count).toBe(500);
    expect(ev.accuracy).toBeGreaterThan(0.75);
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(500);
    const diag = ev.confusion.reduce((a, row, i) => a + row[i], 0);
    expect(diag / 500).toBeCloseTo(ev.accuracy, 10);
    res.model.dispose();
  });

  it('the same seed gives the same initial weights and the same trained model', async () => {
    const a = buildModel('paper-cnn', { height: 28, width: 28, channels: 1 }, 10, 7);
    const b = buildModel('paper-cnn', { height: 28, width: 28, channels: 1 }, 10, 7);
    const c = buildModel('paper-cnn', { height: 28, width: 28, channels: 1 }, 10, 8);
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    expect(b.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(wa);
    expect(c.getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(wa);
    [a, b, c].forEach((m) => m.dispose());
    const sub: RawImages = { ...train.images, count: 200, data: train.images.data.subarray(0, 200 * 784) };
    const run = async (): Promise<number[]> => {
      const r = await trainModel({ images: sub, labels: train.labels.subarray(0, 200), numClasses: 10, arch: 'paper-cnn', epochs: 1, seed: 3, batchSize: 50, validationShare: 0.2 });
      const w = Array.from(r.model.getWeights()[0].dataSync());
      r.model.dispose();
      return w;
    };
    expect(await run()).toEqual(await run());
  });

  it('NaN loss stops training with a clear message', async () => {
    const model = buildModel('mlp', train.images.shape, 10, 1);
    // poison the output bias: every prediction, hence the loss, becomes NaN
    const w = model.getWeights();
    const bias = Array.from(w[3].dataSync());
    bias[4] = NaN;
    model.setWeights([...w.slice(0, 3), tf.tensor1d(bias)]);
    await expect(
      trainModel({ images: train.images, labels: train.labels, numClasses: 10, arch: 'mlp', epochs: 2, seed: 1, validationShare: 0, model }),
    ).rejects.toThrow('training diverged: loss is NaN at epoch 1 batch 1');
    model.dispose();
  });

  it('cancelling mid-epoch keeps the weights of the last completed batch', async () => {
    const ac = new AbortController();
    let modelRef: tf.LayersModel | null = null;
    let snapshot: number[][] | null = null;
    const res = await trainModel({
      images: train.images,
      labels: train.labels,
      numClasses: 10,
      arch: 'mlp',
      epochs: 3,
      seed: 2,
      batchSize: 50,
      validationShare: 0,
      everyNBatches: 1,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.epoch === 2 && p.batch === 7 && !snapshot) {
          snapshot = modelRef!.getWeights().map((t) => Array.from(t.dataSync()));
          ac.abort();
        }
      },
      model: (modelRef = buildModel('mlp', train.images.shape, 10, 2)),
    });
    expect(res.cancelled).toBe(true);
    expect(res.epochsRun).toBe(1);
    expect(res.history.loss).toHaveLength(1);
    expect(snapshot).not.toBeNull();
    const after = res.model.getWeights().map((t) => Array.from(t.dataSync()));
    expect(after).toEqual(snapshot);
    expect(after.flat().every(Number.isFinite)).toBe(true);
    res.model.dispose();
  });

  it('early stopping halts after `patience` epochs without a better validation loss and restores the best weights', async () => {
    const sub: RawImages = { ...train.images, count: 200, data: train.images.data.subarray(0, 200 * 784) };
    const res = await trainModel({ images: sub, labels: train.labels.subarray(0, 200), numClasses: 10, arch: 'mlp', epochs: 60, seed: 4, batchSize: 20, validationShare: 0.5, earlyStoppingPatience: 2, learningRate: 0.01 });
    expect(res.stoppedEarly).toBe(true);
    expect(res.epochsRun).toBeLessThan(60);
    const best = res.history.valLoss.indexOf(Math.min(...res.history.valLoss));
    expect(res.epochsRun).toBe(best + 1 + 2);
    expect(res.valAccuracy).toBe(res.history.valAcc[best]);
    res.model.dispose();
  });

  it('rejects labels beyond the class count and a bad validation share', async () => {
    await expect(trainModel({ images: train.images, labels: train.labels, numClasses: 5, arch: 'mlp', epochs: 1, seed: 1, validationShare: 0 })).rejects.toThrow(/labels: label \d of image \d+ is not below the class count 5/);
    await expect(trainModel({ images: train.images, labels: train.labels, numClasses: 10, arch: 'mlp', epochs: 1, seed: 1, validationShare: 1 })).rejects.toThrow('validationShare: must be in [0, 1), got 1');
  });
});

