/**
 * ONNX pieces without a dataset: execution-provider choice against stubbed provider lists,
 * the input layout rules of DESIGN.md, probabilities vs logits, argmax/softmax, input filling
 * (NCHW/NHWC/flat, per-channel scale, BGR), and the TF.js → ONNX conversion of every zoo
 * network (same classes, max |Δp| tiny) and its refusal of a layer it cannot convert.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { argmaxRows, candidateLayouts, inputDims, layoutFits, looksLikeProbabilities } from '../../src-main/core/onnx-layout';
import { initBackend } from '../../src-main/engine/backend';
import { buildLut, fillInput } from '../../src-main/engine/onnx/classifier';
import { NotConvertibleError, convertLayersModel } from '../../src-main/engine/onnx/convert';
import { decodeModel, encodeModel } from '../../src-main/engine/onnx/proto';
import { PROVIDER_PREFERENCE, selectProvider, usableProviders } from '../../src-main/engine/onnx/providers';
import { ARCHS, buildModel } from '../../src-main/engine/zoo';

describe('execution provider selection (stubbed lists)', () => {
  const linuxCpu = [
    { name: 'cpu', bundled: true },
    { name: 'webgpu', bundled: true },
    { name: 'cuda', bundled: false },
    { name: 'tensorrt', bundled: false },
  ];
  const linuxCuda = [
    { name: 'cpu', bundled: true },
    { name: 'cuda', bundled: true },
    { name: 'tensorrt', bundled: true },
  ];
  const windows = [
    { name: 'cpu', bundled: true },
    { name: 'dml', bundled: true },
  ];
  const mac = [
    { name: 'cpu', bundled: true },
    { name: 'coreml', bundled: true },
  ];

  it('picks the best bundled provider, CPU when nothing better ships', () => {
    expect(selectProvider(linuxCpu)).toBe('cpu');
    expect(selectProvider(linuxCuda)).toBe('cuda');
    expect(selectProvider(windows)).toBe('dml');
    expect(selectProvider(mac)).toBe('coreml');
    expect(selectProvider([])).toBe('cpu');
    expect(usableProviders(linuxCuda)).toEqual(['cuda', 'cpu']);
    expect(PROVIDER_PREFERENCE[PROVIDER_PREFERENCE.length - 1]).toBe('cpu');
  });

  it('honours a requested provider, and refuses an absent one naming what exists', () => {
    expect(selectProvider(linuxCuda, 'cpu')).toBe('cpu');
    expect(selectProvider(mac, 'CoreML')).toBe('coreml');
    expect(() => selectProvider(linuxCpu, 'cuda')).toThrow(/execution provider "cuda" is not available .*available: cpu/);
    expect(() => selectProvider(windows, 'coreml')).toThrow(/available: dml, cpu/);
  });
});

describe('input layout (DESIGN.md)', () => {
  const gray = { height: 28, width: 28, channels: 1 as const };
  const rgb = { height: 32, width: 32, channels: 3 as const };
  it('detects NCHW, NHWC and flat, with dynamic dims', () => {
    expect(candidateLayouts([null, 1, 28, 28], gray)).toEqual(['nchw']);
    expect(candidateLayouts([null, 3, null, null], rgb)).toEqual(['nchw']);
    expect(candidateLayouts([1, 28, 28, 1], gray)).toEqual(['nhwc']);
    expect(candidateLayouts([null, 32, 32, 3], rgb)).toEqual(['nhwc']);
    expect(candidateLayouts([null, 784], gray)).toEqual(['flat']);
    expect(candidateLayouts([null, 3072], rgb)).toEqual(['flat']);
  });
  it('reports the ambiguous and the impossible as such', () => {
    expect(candidateLayouts([null, 3, 3, 3], { height: 3, width: 3, channels: 3 })).toEqual(['nchw', 'nhwc']);
    expect(candidateLayouts([null, 1, null, 1], gray)).toEqual([]);
    expect(candidateLayouts([null, 3, 28, 28], gray)).toEqual([]);
    expect(candidateLayouts([null, 785], gray)).toEqual([]);
    expect(candidateLayouts([null, 28, 28], gray)).toEqual([]);
    expect(layoutFits('nhwc', [null, 28, null, 1], gray)).toBe(true);
    expect(layoutFits('nchw', [null, null, null, null], gray)).toBe(true);
    expect(layoutFits('flat', [null, 1, 28, 28], gray)).toBe(false);
    expect(inputDims('nchw', 5, rgb)).toEqual([5, 3, 32, 32]);
    expect(inputDims('flat', 2, gray)).toEqual([2, 784]);
  });
});

describe('probabilities vs logits, argmax', () => {
  it('rows summing to 1 and non-negative are probabilities; anything else logits', () => {
    expect(looksLikeProbabilities([0.2, 0.8, 0.5, 0.5], 2, 2)).toBe(true);
    expect(looksLikeProbabilities([0.2, 0.8, 0.5, 0.6], 2, 2)).toBe(false);
    expect(looksLikeProbabilities([-0.1, 1.1], 1, 2)).toBe(false);
    expect(looksLikeProbabilities([2.0, -1.0], 1, 2)).toBe(false);
  });
  it('argmax is the same either way; logits get softmax confidences; ties go to the lowest index', () => {
    const classes = new Int32Array(3);
    const conf = new Float32Array(3);
    argmaxRows([1, 3, 2, 0, 0, 0, -5, -1, -2], 3, 3, true, classes, conf);
    expect(Array.from(classes)).toEqual([1, 0, 1]);
    const e = [Math.exp(1), Math.exp(3), Math.exp(2)];
    expect(conf[0]).toBeCloseTo(e[1] / (e[0] + e[1] + e[2]), 6);
    expect(conf[1]).toBeCloseTo(1 / 3, 6);
    argmaxRows([0.1, 0.7, 0.2], 1, 3, false, classes, conf);
    expect(classes[0]).toBe(1);
    expect(conf[0]).toBeCloseTo(0.7, 6);
  });
});

describe('input filling', () => {
  const shape = { height: 1, width: 2, channels: 3 as const };
  const raw = Uint8Array.from([0, 51, 255, 102, 153, 204]); // 2 pixels, RGB
  it('NCHW planes, NHWC as is, per-channel mean/std, BGR', () => {
    const lut = buildLut('unit', 3);
    const out = new Float32Array(6);
    fillInput(raw, 1, shape, 'nchw', lut, false, out);
    expect(Array.from(out).map((v) => Math.round(v * 255))).toEqual([0, 102, 51, 153, 255, 204]);
    fillInput(raw, 1, shape, 'nhwc', lut, false, out);
    expect(Array.from(out).map((v) => Math.round(v * 255))).toEqual([0, 51, 255, 102, 153, 204]);
    fillInput(raw, 1, shape, 'nchw', lut, true, out);
    expect(Array.from(out).map((v) => Math.round(v * 255))).toEqual([255, 204, 51, 153, 0, 102]);
    const pc = buildLut({ mean: [0.5, 0, 1], std: [0.5, 1, 0.5] }, 3);
    fillInput(raw, 1, shape, 'nhwc', pc, false, out);
    expect(out[0]).toBeCloseTo(-1, 6);
    expect(out[1]).toBeCloseTo(0.2, 6);
    expect(out[2]).toBeCloseTo(0, 6);
  });
});

describe('TF.js → ONNX conversion', () => {
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
  });

  it.each(ARCHS.flatMap((a) => [[a, 1], [a, 3]] as const))('%s (%i channel(s)) predicts the same on ONNX Runtime', async (arch, channels) => {
    const shape = { height: 12, width: 12, channels };
    const model = buildModel(arch, shape, 10, 3);
    const spec = convertLayersModel(model);
    const bytes = encodeModel(spec);
    expect(decodeModel(bytes).opTypes).not.toContain('Transpose');
    const n = 8;
    const size = 144 * channels;
    const x = Float32Array.from({ length: n * size }, (_, i) => ((i * 7919) % 256) / 255);
    const p1 = tf.tidy(() => (model.predict(tf.tensor4d(x, [n, 12, 12, channels])) as tf.Tensor).dataSync());
    const nchw = new Float32Array(x.length);
    for (let i = 0; i < n; i++) for (let p = 0; p < 144; p++) for (let c = 0; c < channels; c++) nchw[(i * channels + c) * 144 + p] = x[(i * 144 + p) * channels + c];
    const session = await ort.InferenceSession.create(bytes);
    const p2 = (await session.run({ input: new ort.Tensor('float32', nchw, [n, channels, 12, 12]) })).output.data as Float32Array;
    await session.release();
    let maxDelta = 0;
    for (let i = 0; i < p1.length; i++) maxDelta = Math.max(maxDelta, Math.abs(p1[i] - p2[i]));
    expect(maxDelta).toBeLessThan(1e-5);
    model.dispose();
  });

  it('converts BatchNormalization, AveragePooling2D (same), LeakyReLU, and refuses an unknown layer by name', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }));
    m.add(tf.layers.batchNormalization({ movingMeanInitializer: 'randomNormal', movingVarianceInitializer: 'ones', gammaInitializer: 'randomUniform' }));
    m.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
    m.add(tf.layers.leakyReLU({ alpha: 0.2 }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
    const x = Float32Array.from({ length: 4 * 128 }, (_, i) => Math.cos(i));
    const p1 = tf.tidy(() => (m.predict(tf.tensor4d(x, [4, 8, 8, 2])) as tf.Tensor).dataSync());
    const nchw = new Float32Array(x.length);
    for (let i = 0; i < 4; i++) for (let p = 0; p < 64; p++) for (let c = 0; c < 2; c++) nchw[(i * 2 + c) * 64 + p] = x[(i * 64 + p) * 2 + c];
    const session = await ort.InferenceSession.create(encodeModel(convertLayersModel(m)));
    const p2 = (await session.run({ input: new ort.Tensor('float32', nchw, [4, 2, 8, 8]) })).output.data as Float32Array;
    await session.release();
    for (let i = 0; i < p1.length; i++) expect(Math.abs(p1[i] - p2[i])).toBeLessThan(1e-5);
    const bad = tf.sequential();
    bad.add(tf.layers.conv1d({ inputShape: [8, 2], filters: 2, kernelSize: 3 }));
    expect(() => convertLayersModel(bad)).toThrow(NotConvertibleError);
    const lstm = tf.sequential();
    lstm.add(tf.layers.flatten({ inputShape: [4, 4, 1] }));
    lstm.add(tf.layers.repeatVector({ n: 2 }));
    expect(() => convertLayersModel(lstm)).toThrow(/RepeatVector/);
  });
});
