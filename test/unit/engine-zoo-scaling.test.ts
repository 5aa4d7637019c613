import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { initBackend } from '../../src-main/engine/backend';
import { modelInputShape, modelNumClasses } from '../../src-main/engine/model-shape';
import { inputLayout, scaleFactors, scalePixels, toInputTensor } from '../../src-main/engine/scaling';
import { permutation } from '../../src-main/engine/seeded';
import { createTfClassifier } from '../../src-main/engine/tf-classifier';
import { buildModel } from '../../src-main/engine/zoo';

beforeAll(async () => {
  await initBackend({ force: 'cpu' });
});

describe('model zoo', () => {
  const gray = { height: 28, width: 28, channels: 1 as const };
  const rgb = { height: 32, width: 32, channels: 3 as const };

  it.each([
    ['paper-cnn', gray, 10, [null, 28, 28, 1], ['conv2d', 'conv2d', 'maxpooling2d', 'flatten', 'dense'], 8 * 9 + 8 + 16 * 8 * 9 + 16 + 12 * 12 * 16 * 10 + 10],
    ['paper-cnn', rgb, 10, [null, 32, 32, 3], ['conv2d', 'conv2d', 'maxpooling2d', 'flatten', 'dense'], 8 * 27 + 8 + 16 * 8 * 9 + 16 + 14 * 14 * 16 * 10 + 10],
    ['classic-cnn', gray, 10, [null, 28, 28, 1], ['conv2d', 'conv2d', 'maxpooling2d', 'dropout', 'flatten', 'dense', 'dropout', 'dense'], 320 + 18496 + 9216 * 128 + 128 + 1290],
    ['mlp', rgb, 4, [null, 32, 32, 3], ['flatten', 'dense', 'dense'], 3072 * 128 + 128 + 128 * 4 + 4],
  ] as const)('%s on %o: layers, shapes and parameter count', (arch, shape, k, inShape, kinds, params) => {
    const m = buildModel(arch, shape, k, 1);
    expect(m.inputs[0].shape).toEqual(inShape);
    expect(m.outputs[0].shape).toEqual([null, k]);
    expect(m.layers.map((l) => l.getClassName().toLowerCase())).toEqual(kinds);
    expect(m.countParams()).toBe(params);
    expect(modelInputShape(m)).toEqual(inShape.slice(1));
    expect(modelNumClasses(m)).toBe(k);
    const last = m.layers[m.layers.length - 1].getConfig();
    expect(last.activation).toBe('softmax');
    m.dispose();
  });

  it('paper-cnn uses 3×3 relu convolutions of 8 and 16 filters and a 2×2 max-pool', () => {
    const m = buildModel('paper-cnn', gray, 10, 1);
    const [c1, c2, p] = m.layers.map((l) => l.getConfig());
    expect([c1.filters, c1.kernelSize, c1.activation]).toEqual([8, [3, 3], 'relu']);
    expect([c2.filters, c2.kernelSize, c2.activation]).toEqual([16, [3, 3], 'relu']);
    expect(p.poolSize).toEqual([2, 2]);
    m.dispose();
  });

  it('rejects an unknown architecture and a class count below 2', () => {
    expect(() => buildModel('resnet' as never, gray, 10, 1)).toThrow(InputError);
    expect(() => buildModel('mlp', gray, 1, 1)).toThrow('numClasses must be an integer >= 2');
  });

  it('seeded permutations are permutations and repeat per seed', () => {
    const p = permutation(100, 5);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(permutation(100, 5)).toEqual(p);
    expect(permutation(100, 6)).not.toEqual(p);
  });
});

describe('input scaling', () => {
  const raw = Uint8Array.from([0, 51, 127.5 | 0, 255]);

  it('unit, signed and mean/std scale the raw bytes', () => {
    expect(Array.from(scalePixels(raw, 'unit'))).toEqual([0, 51 / 255, 127 / 255, 1].map(Math.fround));
    const s = Array.from(scalePixels(raw, 'signed'));
    expect(s[0]).toBeCloseTo(-1, 6);
    expect(s[3]).toBeCloseTo(1, 6);
    expect(s[1]).toBeCloseTo(51 / 127.5 - 1, 6);
    const m = Array.from(scalePixels(raw, { mean: 0.1307, std: 0.3081 }));
    expect(m[0]).toBeCloseTo(-0.1307 / 0.3081, 5);
    expect(m[3]).toBeCloseTo((1 - 0.1307) / 0.3081, 5);
    expect(() => scaleFactors({ mean: 0, std: 0 })).toThrow(InputError);
    expect(() => scaleFactors('zero-one' as never)).toThrow(/input scale: expected 'unit', 'signed' or \{ mean, std > 0 \}/);
  });

  it('images enter as NHWC, flat models get flat input, other shapes are an error naming both', () => {
    const shape = { height: 2, width: 2, channels: 1 as const };
    expect(inputLayout(shape, [2, 2, 1])).toBe('image');
    expect(inputLayout(shape, [null, null, 1])).toBe('image');
    expect(inputLayout(shape, [4])).toBe('flat');
    expect(() => inputLayout(shape, [28, 28, 1], 'm.json')).toThrow("m.json: model input shape [28, 28, 1] does not fit the dataset's images [2, 2, 1]");
    expect(() => inputLayout(shape, [5])).toThrow('model input shape [5] does not fit');
    const t = toInputTensor(raw, 1, shape, 'unit', 'flat');
    expect(t.shape).toEqual([1, 4]);
    const u = toInputTensor(raw, 1, shape, 'unit');
    expect(u.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(u.dataSync())).toEqual(Array.from(scalePixels(raw, 'unit')));
    tf.dispose([t, u]);
  });

  it('a flat mlp classifies raw images; the classifier tidies every tensor', async () => {
    const flat = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    const c = createTfClassifier(flat, { shape: { height: 2, width: 2, channels: 1 }, inputScale: 'unit', batchSize: 2 });
    expect(c.numClasses).toBe(3);
    const images = new Uint8Array(5 * 4).map((_, i) => (i * 53) % 256);
    const before = tf.memory().numTensors;
    const out = await c.classify(images, 5);
    expect(tf.memory().numTensors).toBe(before);
    const probs = (flat.predict(tf.tensor2d(scalePixels(images, 'unit'), [5, 4])) as tf.Tensor).arraySync() as number[][];
    probs.forEach((row, i) => {
      const best = row.indexOf(Math.max(...row));
      expect(out.classes[i]).toBe(best);
      expect(out.confidence[i]).toBeCloseTo(row[best], 6);
    });
    await expect(c.classify(images, 6)).rejects.toThrow('classify: 6 images need 24 bytes, got 20');
    flat.dispose();
  });
});
