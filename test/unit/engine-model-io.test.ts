import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { initBackend } from '../../src-main/engine/backend';
import { loadModel, modelHash, saveModel } from '../../src-main/engine/model-io';
import { createTfClassifier } from '../../src-main/engine/tf-classifier';
import { buildModel } from '../../src-main/engine/zoo';
import { TINY_CNN_WEIGHT_COUNT, tinyCnnWeight } from '../../scripts/make-model-fixture';

const FIXTURE = 'test/fixtures/models/tiny-cnn';
const SHAPE = { height: 4, width: 4, channels: 1 as const };
let tmp: string;

/** The fixture network computed by hand from the shard's bytes. */
function handProbs(img: Uint8Array, w: Float32Array): number[] {
  const x = (i: number, j: number): number => img[i * 4 + j] / 255;
  const kernel = (kh: number, kw: number, oc: number): number => w[(kh * 2 + kw) * 2 + oc];
  const convBias = (oc: number): number => w[8 + oc];
  const flat: number[] = [];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      for (let oc = 0; oc < 2; oc++) {
        let s = convBias(oc);
        for (let kh = 0; kh < 2; kh++) for (let kw = 0; kw < 2; kw++) s += x(i + kh, j + kw) * kernel(kh, kw, oc);
        flat.push(Math.max(0, s));
      }
  const logits = [0, 1, 2].map((c) => flat.reduce((a, v, r) => a + v * w[10 + r * 3 + c], w[10 + 54 + c]));
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

function copyFixture(name: string): string {
  const d = join(tmp, name);
  cpSync(FIXTURE, d, { recursive: true });
  return d;
}

beforeAll(async () => {
  await initBackend({ force: 'cpu' });
  tmp = mkdtempSync(join(tmpdir(), 'rpr-engine-io-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('importing a hand-written TF.js layers model', () => {
  it('the committed shard holds the script-generated weights', () => {
    const buf = readFileSync(join(FIXTURE, 'group1-shard1of1.bin'));
    expect(buf.length).toBe(TINY_CNN_WEIGHT_COUNT * 4);
    for (let i = 0; i < TINY_CNN_WEIGHT_COUNT; i++) expect(buf.readFloatLE(i * 4)).toBe(tinyCnnWeight(i));
  });

  it('loads (folder or model.json path) and predicts the hand-computed probabilities', async () => {
    const { model, info } = await loadModel(FIXTURE, { expect: { shape: SHAPE, numClasses: 3 } });
    expect(info.format).toBe('layers');
    expect(info.inputShape).toEqual([4, 4, 1]);
    expect(info.numClasses).toBe(3);
    expect(info.inputScale).toBe('unit');
    expect(info.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await loadModel(join(FIXTURE, 'model.json'));
    expect(again.info.hash).toBe(info.hash);
    again.model.dispose();

    const w = new Float32Array(new Uint8Array(readFileSync(join(FIXTURE, 'group1-shard1of1.bin'))).buffer);
    // 8 block/stripe patterns that land in all three classes, then a mid-grey jitter
    const images = new Uint8Array(8 * 16).map((_, k) => {
      const n = k >> 4;
      const i = k & 15;
      return ((i < 8 ? (n & 1 ? 255 : 0) : n & 2 ? 255 : 0) ^ (n & 4 ? (i % 2) * 255 : 0)) ^ ((k * 37) % 16);
    });
    const probs = (model.predict(tf.tensor4d(Float32Array.from(images, (v) => v / 255), [8, 4, 4, 1])) as tf.Tensor).arraySync() as number[][];
    const classifier = createTfClassifier(model, { shape: SHAPE, inputScale: info.inputScale, batchSize: 4 });
    const out = await classifier.classify(images, 8);
    for (let n = 0; n < 8; n++) {
      const hand = handProbs(images.subarray(n * 16, (n + 1) * 16), w);
      hand.forEach((p, c) => expect(probs[n][c]).toBeCloseTo(p, 6));
      const best = hand.indexOf(Math.max(...hand));
      expect(out.classes[n]).toBe(best);
      expect(out.confidence[n]).toBeCloseTo(hand[best], 6);
    }
    // the images are not all one class: the check above is not vacuous
    expect(new Set(out.classes).size).toBe(3);
    model.dispose();
  });
});

describe('the hand-written model on the app backend', () => {
  it('predicts the same probabilities on wasm (what the app runs here) as on the cpu backend', async () => {
    const images = Float32Array.from({ length: 6 * 16 }, (_, k) => ((k * 97) % 256) / 255);
    const probsOn = async (backend: 'cpu' | 'wasm'): Promise<number[][]> => {
      await initBackend({ force: backend });
      const { model } = await loadModel(FIXTURE, { expect: { shape: SHAPE, numClasses: 3 } });
      const p = tf.tidy(() => (model.predict(tf.tensor4d(images, [6, 4, 4, 1])) as tf.Tensor).arraySync() as number[][]);
      model.dispose();
      return p;
    };
    const wasm = await probsOn('wasm');
    const cpu = await probsOn('cpu');
    for (let n = 0; n < 6; n++) for (let c = 0; c < 3; c++) expect(Math.abs(wasm[n][c] - cpu[n][c])).toBeLessThan(1e-6);
  });
});

describe('bad model input gives a clear error naming the file', () => {
  const expectInputError = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(re);
  };

  it('missing model.json', async () => {
    const d = copyFixture('no-json');
    rmSync(join(d, 'model.json'));
    await expectInputError(loadModel(d), /no-json: model\.json not found in this folder/);
    await expectInputError(loadModel(join(d, 'model.json')), /no-json\/model\.json: model\.json not found/);
  });

  it('corrupt model.json', async () => {
    const d = copyFixture('corrupt');
    writeFileSync(join(d, 'model.json'), '{"format": "layers-model", "modelTopology": {');
    await expectInputError(loadModel(d), /corrupt\/model\.json: corrupt model\.json: not valid JSON/);
    writeFileSync(join(d, 'model.json'), '{"format": "layers-model"}');
    await expectInputError(loadModel(d), /corrupt\/model\.json: corrupt model\.json: no modelTopology/);
  });

  it('a missing weight shard, named', async () => {
    const d = copyFixture('no-shard');
    rmSync(join(d, 'group1-shard1of1.bin'));
    await expectInputError(loadModel(d), /no-shard\/group1-shard1of1\.bin: weight shard group1-shard1of1\.bin named in model\.json is missing/);
  });

  it('a weight shard of the wrong size: expected vs actual bytes', async () => {
    const d = copyFixture('short-shard');
    writeFileSync(join(d, 'group1-shard1of1.bin'), readFileSync(join(FIXTURE, 'group1-shard1of1.bin')).subarray(0, 200));
    await expectInputError(loadModel(d), /short-shard\/group1-shard1of1\.bin: weight shard of the wrong size: expected 268 bytes \(from model\.json\), found 200 bytes/);
  });

  it('an input shape or class count that does not fit the dataset, both named', async () => {
    await expectInputError(
      loadModel(FIXTURE, { expect: { shape: { height: 28, width: 28, channels: 1 }, numClasses: 3 } }),
      /model\.json: model input shape \[4, 4, 1\] does not fit the dataset's images \[28, 28, 1\]/,
    );
    await expectInputError(loadModel(FIXTURE, { expect: { shape: SHAPE, numClasses: 10 } }), /model\.json: the model predicts 3 classes but the dataset has 10 classes/);
  });

  it('a layer the model cannot be built from', async () => {
    const d = copyFixture('bad-layer');
    const j = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
    j.modelTopology.model_config.config.layers[0].class_name = 'NoSuchLayer';
    writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    await expectInputError(loadModel(d), /bad-layer\/model\.json: cannot build the layers model: .*NoSuchLayer/);
  });

  it('a SavedModel folder without the tensorflow backend', async () => {
    const d = join(tmp, 'saved');
    cpSync(FIXTURE, d, { recursive: true });
    rmSync(join(d, 'model.json'));
    writeFileSync(join(d, 'saved_model.pb'), 'not really');
    await expectInputError(loadModel(d), /saved: SavedModel import needs the tensorflow backend \(tfjs-node\), which is not available: .+/);
  });
});

describe('saving in TF.js layers format', () => {
  it('writes model.json + weights.bin + rpr.json atomically; the reload predicts the same and hashes the same', async () => {
    const m = buildModel('paper-cnn', { height: 8, width: 8, channels: 3 }, 4, 9);
    const dir = join(tmp, 'saved-model');
    const saved = await saveModel(m, dir, { arch: 'paper-cnn', inputScale: 'signed', lineage: { dataset: 'x' }, config: { epochs: 1 } });
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'rpr.json', 'weights.bin']);
    expect(readdirSync(tmp).some((f) => f.includes('.tmp-'))).toBe(false);
    const rpr = JSON.parse(readFileSync(join(dir, 'rpr.json'), 'utf8'));
    expect(rpr).toEqual({ input: { scale: 'signed' }, arch: 'paper-cnn', numClasses: 4, inputShape: [8, 8, 3], lineage: { dataset: 'x' }, config: { epochs: 1 }, hash: saved.hash });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(readFileSync(join(dir, 'weights.bin')).length).toBe(m.countParams() * 4);

    const { model, info } = await loadModel(dir, { expect: { shape: { height: 8, width: 8, channels: 3 }, numClasses: 4 } });
    expect(info.hash).toBe(saved.hash);
    expect(info.inputScale).toBe('signed');
    expect(info.meta?.arch).toBe('paper-cnn');
    expect(modelHash({ modelTopology: json.modelTopology, weightData: new Uint8Array(readFileSync(join(dir, 'weights.bin'))).buffer })).toBe(saved.hash);
    const x = tf.randomUniform([3, 8, 8, 3], 0, 1, 'float32', 1);
    expect(Array.from((model.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((m.predict(x) as tf.Tensor).dataSync()));

    // overwrite in place: still exactly one folder, new content, different hash
    const m2 = buildModel('paper-cnn', { height: 8, width: 8, channels: 3 }, 4, 10);
    const saved2 = await saveModel(m2, dir, { arch: 'paper-cnn', inputScale: 'unit' });
    expect(saved2.hash).not.toBe(saved.hash);
    expect(readdirSync(tmp).filter((f) => f.startsWith('saved-model'))).toEqual(['saved-model']);
    expect((await loadModel(dir)).info.hash).toBe(saved2.hash);
    expect(existsSync(join(dir, 'rpr.json'))).toBe(true);
    tf.dispose([x]);
    [m, m2, model].forEach((t) => t.dispose());
  });

  it('an --input-scale given at import overrides rpr.json', async () => {
    const { info, model } = await loadModel(FIXTURE, { inputScale: { mean: 0.5, std: 0.25 } });
    expect(info.inputScale).toEqual({ mean: 0.5, std: 0.25 });
    model.dispose();
  });
});

describe('importing a hand-written graph model', () => {
  it('loads, and the classifier applies softmax to its logits', async () => {
    const { model, info } = await loadModel('test/fixtures/models/tiny-graph', { expect: { shape: { height: 2, width: 2, channels: 1 }, numClasses: 3 } });
    expect(info.format).toBe('graph');
    expect(info.inputShape).toEqual([4]);
    expect(info.numClasses).toBe(3);
    const w = Array.from({ length: 12 }, (_, i) => tinyCnnWeight(i));
    const images = Uint8Array.from([0, 255, 128, 64, 255, 0, 10, 200, 30, 30, 250, 250]);
    const out = await createTfClassifier(model, { shape: { height: 2, width: 2, channels: 1 }, inputScale: 'unit', batchSize: 2, numClasses: info.numClasses }).classify(images, 3);
    for (let n = 0; n < 3; n++) {
      const x = Array.from(images.subarray(n * 4, n * 4 + 4), (v) => v / 255);
      const logits = [0, 1, 2].map((c) => x.reduce((a, v, r) => a + v * w[r * 3 + c], 0));
      const e = logits.map(Math.exp);
      const z = e.reduce((a, b) => a + b, 0);
      const best = logits.indexOf(Math.max(...logits));
      expect(out.classes[n]).toBe(best);
      expect(out.confidence[n]).toBeCloseTo(e[best] / z, 6);
    }
    model.dispose();
  });
});
