/**
 * ONNX fixtures built at test time with the app's own protobuf writer (no Python): seeded,
 * and accurate enough to be worth scoring, because their weights are the class centroids of
 * mnist-small's training images (a nearest-centroid linear classifier, ~80% on MNIST).
 * - `pytorchCnn`: exported the way PyTorch exports: NCHW input [N, 1, 28, 28] with a dynamic
 *   batch, a Conv (1x1, identity), Flatten, Gemm, logits output.
 * - `flatMlp`: flat input [N, 784], Gemm → Relu-free → Softmax probabilities.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeIdx } from '../../src-main/core/idx';
import { encodeModel, type GraphSpec } from '../../src-main/engine/onnx/proto';

function readIdx(dir: string, name: string): Uint8Array {
  for (const f of [name, `${name}.gz`]) {
    try {
      const raw = readFileSync(join(dir, f));
      return decodeIdx(f.endsWith('.gz') ? gunzipSync(raw) : raw, f).data as Uint8Array;
    } catch {
      // try the next spelling
    }
  }
  throw new Error(`${name} not found in ${dir}`);
}

/** [784, 10] weights and [10] biases of a nearest-centroid classifier on unit-scaled pixels. */
export function centroidWeights(mnistDir: string): { W: Float32Array; b: Float32Array } {
  const x = readIdx(mnistDir, 'train-images-idx3-ubyte');
  const y = readIdx(mnistDir, 'train-labels-idx1-ubyte');
  const sums = new Float64Array(10 * 784);
  const counts = new Float64Array(10);
  for (let i = 0; i < y.length; i++) {
    counts[y[i]]++;
    for (let p = 0; p < 784; p++) sums[y[i] * 784 + p] += x[i * 784 + p] / 255;
  }
  const W = new Float32Array(784 * 10);
  const b = new Float32Array(10);
  for (let c = 0; c < 10; c++) {
    let sq = 0;
    for (let p = 0; p < 784; p++) {
      const m = sums[c * 784 + p] / Math.max(1, counts[c]);
      W[p * 10 + c] = m;
      sq += m * m;
    }
    b[c] = -0.5 * sq;
  }
  return { W, b };
}

export function pytorchCnnSpec(mnistDir: string): GraphSpec {
  const { W, b } = centroidWeights(mnistDir);
  return {
    name: 'torch-jit-export',
    producer: 'pytorch',
    input: { name: 'input.1', dims: ['batch_size', 1, 28, 28] },
    output: { name: 'logits', dims: ['batch_size', 10] },
    nodes: [
      { op: 'Conv', inputs: ['input.1', 'conv.weight', 'conv.bias'], outputs: ['/conv/Conv_output_0'], attrs: { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] } },
      { op: 'Flatten', inputs: ['/conv/Conv_output_0'], outputs: ['/Flatten_output_0'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['/Flatten_output_0', 'fc.weight', 'fc.bias'], outputs: ['logits'], attrs: { alpha: { float: 1 }, beta: { float: 1 } } },
    ],
    weights: [
      { name: 'conv.weight', dims: [1, 1, 1, 1], data: new Float32Array([1]) },
      { name: 'conv.bias', dims: [1], data: new Float32Array([0]) },
      { name: 'fc.weight', dims: [784, 10], data: W },
      { name: 'fc.bias', dims: [10], data: b },
    ],
  };
}

export function flatMlpSpec(mnistDir: string): GraphSpec {
  const { W, b } = centroidWeights(mnistDir);
  // sharpen so the softmax is confident (argmax unchanged)
  const W2 = W.map((v) => v * 20);
  const b2 = b.map((v) => v * 20);
  return {
    name: 'mlp',
    input: { name: 'x', dims: ['N', 784] },
    output: { name: 'probs', dims: ['N', 10] },
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['z'] },
      { op: 'Softmax', inputs: ['z'], outputs: ['probs'], attrs: { axis: 1 } },
    ],
    weights: [
      { name: 'W', dims: [784, 10], data: W2 },
      { name: 'b', dims: [10], data: b2 },
    ],
  };
}

/** A graph with `k` outputs per image (for "3 outputs for a 10-class dataset"). */
export function wrongWidthSpec(k: number): GraphSpec {
  return {
    name: 'wrong-width',
    input: { name: 'x', dims: ['N', 784] },
    output: { name: 'y', dims: ['N', k] },
    nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'] }],
    weights: [
      { name: 'W', dims: [784, k], data: new Float32Array(784 * k).map((_, i) => Math.sin(i)) },
      { name: 'b', dims: [k], data: new Float32Array(k) },
    ],
  };
}

export function writeOnnx(file: string, spec: GraphSpec): string {
  writeFileSync(file, encodeModel(spec));
  return file;
}
