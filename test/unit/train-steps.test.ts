import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { carveValidation, checkTrainInputs } from '../../src-main/engine/train-data';
import { BestWeights } from '../../src-main/engine/train-state';
import type { TrainOptions } from '../../src-main/engine/train';

/** A model whose weights are one number: enough to see which epoch's weights BestWeights keeps and restores. */
function fakeModel(): tf.LayersModel & { value: number; live: number } {
  const m = {
    value: 0,
    live: 0,
    getWeights() {
      const make = (v: number) => {
        m.live++;
        return { v, clone: () => make(v), dispose: () => void m.live-- };
      };
      const w = make(m.value);
      m.live--; // the model's own weight is not a copy
      return [w];
    },
    setWeights(ws: { v: number }[]) {
      m.value = ws[0].v;
    },
  };
  return m as unknown as tf.LayersModel & { value: number; live: number };
}

describe('BestWeights: the early-stopping state', () => {
  it('keeps the weights of the best validation loss and stops after `patience` epochs without a better one, restoring them', () => {
    const model = fakeModel();
    const best = new BestWeights(2, false);
    const losses = [0.9, 0.5, 0.6, 0.55];
    const stopped: boolean[] = [];
    losses.forEach((loss, k) => {
      model.value = 10 + k; // what epoch k+1 trained
      stopped.push(best.observe(model, k + 1, { loss, acc: 1 - loss }));
    });
    expect(stopped).toEqual([false, false, false, true]);
    expect(best.epoch).toBe(2);
    expect(best.acc).toBe(0.5);
    expect(model.value).toBe(11); // epoch 2's weights are back
    expect(model.live).toBe(1); // one copy held
    best.dispose();
    expect(model.live).toBe(0);
    expect([best.any, best.acc, best.epoch]).toEqual([true, 0.5, 2]); // the figures stay readable
  });

  it('with restore-best only it never stops, and restore puts the best weights back', () => {
    const model = fakeModel();
    const best = new BestWeights(0, true);
    for (const [k, loss] of [0.4, 0.3, 0.8, 0.9, 0.95].entries()) {
      model.value = k;
      expect(best.observe(model, k + 1, { loss, acc: 0 })).toBe(false);
    }
    best.restore(model);
    expect([model.value, best.epoch]).toEqual([1, 2]);
  });

  it('tracks nothing when neither early stopping nor restore-best is asked for', () => {
    const model = fakeModel();
    const best = new BestWeights(0, false);
    expect(best.observe(model, 1, { loss: 0.1, acc: 0.9 })).toBe(false);
    expect([best.any, best.acc, model.live]).toEqual([false, null, 0]);
    model.value = 5;
    best.restore(model);
    expect(model.value).toBe(5);
  });
});

describe('carveValidation and checkTrainInputs', () => {
  const labels = Uint8Array.from({ length: 40 }, (_, i) => i % 4);

  it('random: the first share of a seeded permutation, both parts ascending and disjoint, the same for the same seed', () => {
    const a = carveValidation(labels, 40, 0.25, 7, 'random');
    expect(a.valIdx.length).toBe(10);
    expect(a.trainIdx.length).toBe(30);
    expect([...a.valIdx, ...a.trainIdx].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect([...a.valIdx]).toEqual([...a.valIdx].sort((x, y) => x - y));
    expect([...a.trainIdx]).toEqual([...a.trainIdx].sort((x, y) => x - y));
    expect(carveValidation(labels, 40, 0.25, 7, undefined)).toEqual(a);
    expect([...carveValidation(labels, 40, 0.25, 8, 'random').valIdx]).not.toEqual([...a.valIdx]);
  });

  it('stratified: the same share of every class', () => {
    const c = carveValidation(labels, 40, 0.2, 3, 'stratified');
    const perClass = [0, 0, 0, 0];
    for (const i of c.valIdx) perClass[labels[i]]++;
    expect(perClass).toEqual([2, 2, 2, 2]);
    expect(c.trainIdx.length).toBe(32);
  });

  it('refuses a carve that leaves no training image, and inputs that cannot train, naming the field', () => {
    expect(() => carveValidation(Uint8Array.of(0), 1, 0.99, 1, 'random')).not.toThrow(); // floor(0.99) = 0 carved
    expect(() => carveValidation(Uint8Array.of(0, 1), 2, 0.99, 1, 'stratified')).not.toThrow(); // a class of one is never carved
    expect(() => carveValidation(new Uint8Array(0), 0, 0.5, 1, 'random')).toThrow(/no training images left/);
    const base = { images: { shape: { height: 1, width: 1, channels: 1 }, count: 2, data: new Uint8Array(2) }, labels: Uint8Array.of(0, 1), numClasses: 2, arch: 'mlp', epochs: 1, seed: 1, validationShare: 0 } as TrainOptions;
    expect(() => checkTrainInputs(base)).not.toThrow();
    expect(() => checkTrainInputs({ ...base, labels: Uint8Array.of(0, 2) })).toThrow(/label 2 of image 1 is not below the class count 2/);
    expect(() => checkTrainInputs({ ...base, labels: Uint8Array.of(0) })).toThrow(InputError);
    expect(() => checkTrainInputs({ ...base, validationShare: 1 })).toThrow(/validationShare/);
    expect(() => checkTrainInputs({ ...base, epochs: 0 })).toThrow(/epochs/);
    expect(() => checkTrainInputs({ ...base, maxUpdates: 1.5 })).toThrow(/maxUpdates/);
  });
});
