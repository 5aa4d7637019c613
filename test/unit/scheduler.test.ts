import { describe, expect, it } from 'vitest';
import type { ImageShape, SchemeSpec } from '../../src-main/contract/types';
import type { Classification, Classifier } from '../../src-main/core/classifier';
import type { RawImages } from '../../src-main/core/image';
import { CancelledError, InputError } from '../../src-main/core/errors';
import { perturbationAt } from '../../src-main/core/perturb';
import type { ImageResult } from '../../src-main/core/scheduler';
import { authorsLoopPredictions, EXTRA_RATIO, foolingUpperBound, runRpr } from '../../src-main/core/scheduler';

const SHAPE: ImageShape = { height: 28, width: 28, channels: 1 };
const SIZE = 784;
const PAPER: SchemeSpec = { name: 'paper', params: { k: 28 } };

/** Image i shows class i % 10: every pixel 10 + 20·class, except a few bytes that make it unique. */
function makeImages(n: number): { images: RawImages; classes: number[] } {
  const data = new Uint8Array(n * SIZE);
  const classes: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    classes.push(c);
    data.fill(10 + 20 * c, i * SIZE, (i + 1) * SIZE);
    data[i * SIZE + 400] = 250 - (i % 200); // unique-ish marker, never the class value's majority
    data[i * SIZE + 401] = Math.floor(i / 200);
  }
  return { images: { shape: SHAPE, count: n, data }, classes };
}

function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/** the class an image shows: the most frequent pixel value */
function shownClass(img: Uint8Array): { cls: number; changed: boolean } {
  const counts = new Map<number, number>();
  for (const v of img) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [v, c] of counts) if (c > bestCount) [best, bestCount] = [v, c];
  const cls = (best - 10) / 20;
  return { cls, changed: bestCount < SIZE - 2 || img[400] === best };
}

/**
 * A stub model: predicts the shown class, except that a changed image is misread (as class+1)
 * when `fooled(bytes)` says so. Records every batch.
 */
function stub(fooled: (img: Uint8Array) => boolean): Classifier & { batches: number[]; seen: Uint8Array[] } {
  const batches: number[] = [];
  const seen: Uint8Array[] = [];
  return {
    shape: SHAPE,
    numClasses: 10,
    batches,
    seen,
    async classify(images: Uint8Array, count: number): Promise<Classification> {
      batches.push(count);
      const classes = new Int32Array(count);
      const confidence = new Float32Array(count);
      for (let j = 0; j < count; j++) {
        const img = images.subarray(j * SIZE, (j + 1) * SIZE);
        if (seen.length < 50) seen.push(img.slice());
        const { cls, changed } = shownClass(img);
        classes[j] = changed && fooled(img) ? (cls + 1) % 10 : cls;
        confidence[j] = 0.5 + cls / 100;
      }
      return { classes, confidence };
    },
  };
}

const tasksOf = (classes: number[]): { index: number; label: number }[] => classes.map((label, index) => ({ index, label }));
const base = { scheme: PAPER, seed: 7, split: 'test' };
const sumSteps = (rs: ImageResult[]): number => rs.reduce((s, r) => s + r.steps, 0);

describe('runRpr semantics', () => {
  it('a model never fooled: every correct image robust with steps = maxSteps; a misclassified one gets 0', async () => {
    const { images, classes } = makeImages(30);
    const tasks = tasksOf(classes);
    tasks[4].label = 9; // the model says 4: misclassified
    const { results, predictions } = await runRpr({ ...base, images, tasks, maxSteps: 20, batchSize: 16, classifier: stub(() => false) });
    for (const r of results) {
      if (r.index === 4) {
        expect(r).toEqual({ index: 4, label: 9, steps: 0, robust: false, cleanPred: 4, cleanConf: expect.closeTo(0.54, 6), foolPred: -1, foolUpper: 1 });
      } else {
        expect(r.robust).toBe(true);
        expect(r.steps).toBe(20);
        expect(r.foolPred).toBe(-1);
        expect(r.cleanPred).toBe(r.label);
        expect(r.foolUpper).toBeCloseTo(1 - 0.05 ** (1 / 20), 14);
      }
    }
    expect(predictions).toBeGreaterThanOrEqual(30 + 29 * 20);
    expect(predictions).toBeLessThanOrEqual(Math.ceil(1.05 * (30 + 29 * 20)));
  });

  it('a model fooled by any change: step 1, foolPred set, bound 1; the model saw perturbation (seed, split, index, 1)', async () => {
    const { images, classes } = makeImages(12);
    const clf = stub(() => true);
    const { results } = await runRpr({ ...base, images, tasks: tasksOf(classes), maxSteps: 250, batchSize: 5, classifier: clf });
    for (const r of results) {
      expect(r.steps).toBe(1);
      expect(r.robust).toBe(false);
      expect(r.foolPred).toBe((r.label + 1) % 10);
      expect(r.foolUpper).toBe(1);
    }
    // batch 1 = clean images 0..4; batch 2 = step 1 of 0..4
    const regenerated = perturbationAt(PAPER, images.data.subarray(0, SIZE), SHAPE, { seed: 7, split: 'test', index: 0, step: 1 });
    expect(clf.seen[5]).toEqual(regenerated.image);
    expect(clf.seen[0]).toEqual(images.data.subarray(0, SIZE));
  });

  it('a model fooled with probability p = 0.1 per draw: mean steps ≈ 1/p within 4 standard errors', async () => {
    const p = 0.1;
    const n = 300;
    const { images, classes } = makeImages(n);
    const { results, predictions } = await runRpr({ ...base, images, tasks: tasksOf(classes), maxSteps: 1000, batchSize: 64, classifier: stub((img) => fnv(img) < p) });
    const mean = sumSteps(results) / n;
    // geometric: sd = sqrt(1-p)/p = 9.49; SE = 9.49/sqrt(300) = 0.548; 4 SE = 2.19
    expect(Math.abs(mean - 1 / p)).toBeLessThan((4 * Math.sqrt(1 - p)) / p / Math.sqrt(n));
    expect(results.every((r) => !r.robust && r.steps >= 1)).toBe(true);
    expect(predictions).toBeLessThanOrEqual(1.05 * (sumSteps(results) + n));
    // fooling bound of one fooling draw in t: solves P(X <= 1 | t, u) = 0.05
    const r = results.find((x) => x.steps === 10);
    expect(r?.foolUpper).toBeCloseTo(foolingUpperBound(10, false), 15);
    const u = foolingUpperBound(10, false);
    expect((1 - u) ** 10 + 10 * u * (1 - u) ** 9).toBeCloseTo(0.05, 10);
  });
});

describe('reproducibility and efficiency', () => {
  const n = 90;
  const { images, classes } = makeImages(n);
  const tasks = tasksOf(classes);
  tasks[7].label = 0; // one misclassified image
  const fooled = (img: Uint8Array): boolean => fnv(img) < 0.04;
  const opts = { ...base, images, maxSteps: 60 };
  const key = (rs: ImageResult[]): ImageResult[] => [...rs].sort((a, b) => a.index - b.index);

  it('identical per-image results for batch sizes 1, 37, 1024, for reversed order and for 3 interleaved shards', async () => {
    const ref = await runRpr({ ...opts, tasks, batchSize: 37, classifier: stub(fooled) });
    expect(ref.results.some((r) => r.robust)).toBe(true);
    expect(ref.results.some((r) => !r.robust && r.steps > 1)).toBe(true);
    expect(ref.results[7].steps).toBe(0);
    for (const batchSize of [1, 1024]) {
      const other = await runRpr({ ...opts, tasks, batchSize, classifier: stub(fooled) });
      expect(other.results).toEqual(ref.results);
    }
    const reversed = await runRpr({ ...opts, tasks: [...tasks].reverse(), batchSize: 13, classifier: stub(fooled) });
    expect(key(reversed.results)).toEqual(ref.results);
    const shards: ImageResult[] = [];
    for (let s = 0; s < 3; s++) {
      const part = await runRpr({ ...opts, tasks: tasks.filter((t) => t.index % 3 === s), batchSize: 10, classifier: stub(fooled) });
      shards.push(...part.results);
    }
    expect(key(shards)).toEqual(ref.results);
    // another seed gives other results
    const seed8 = await runRpr({ ...opts, seed: 8, tasks, batchSize: 37, classifier: stub(fooled) });
    expect(seed8.results.map((r) => r.steps)).not.toEqual(ref.results.map((r) => r.steps));
  });

  it(`predictions <= (1 + ${EXTRA_RATIO}) · Σ steps + N and batches never exceed batchSize`, async () => {
    for (const batchSize of [1, 7, 37, 256, 1024]) {
      const clf = stub(fooled);
      const { results, predictions } = await runRpr({ ...opts, tasks, batchSize, classifier: clf });
      const useful = sumSteps(results) + n;
      expect(predictions).toBeGreaterThanOrEqual(useful);
      expect(predictions).toBeLessThanOrEqual(1.05 * useful);
      expect(clf.batches.reduce((a, b) => a + b, 0)).toBe(predictions);
      expect(Math.max(...clf.batches)).toBeLessThanOrEqual(batchSize);
    }
    expect(authorsLoopPredictions(10000, 250)).toBe(2510000);
  });

  it('reports each completed image once, batch by batch, with the running prediction count', async () => {
    const seen: number[] = [];
    const counts: number[] = [];
    const { results, predictions } = await runRpr({
      ...opts,
      tasks,
      batchSize: 20,
      classifier: stub(fooled),
      onResults: async (done, info) => {
        seen.push(...done.map((r) => r.index));
        counts.push(info.predictions);
      },
    });
    expect([...seen].sort((a, b) => a - b)).toEqual(results.map((r) => r.index));
    expect(counts.every((c, i) => i === 0 || c > counts[i - 1])).toBe(true);
    expect(counts[counts.length - 1]).toBe(predictions);
  });

  it('keepResults false: the same results reach onResults, none are held or returned (a scoring run of a million images)', async () => {
    const kept = await runRpr({ ...opts, tasks, batchSize: 20, classifier: stub(fooled) });
    const streamed: ImageResult[] = [];
    const r = await runRpr({ ...opts, tasks, batchSize: 20, classifier: stub(fooled), keepResults: false, onResults: (done) => void streamed.push(...done) });
    expect(r.results).toEqual([]);
    expect(r.predictions).toBe(kept.predictions);
    expect([...streamed].sort((a, b) => a.index - b.index)).toEqual(kept.results);
  });
});

describe('cancellation and bad input', () => {
  const { images, classes } = makeImages(40);
  const tasks = tasksOf(classes);

  it('an abort stops after the current batch with CancelledError; the completed batch was reported', async () => {
    const ac = new AbortController();
    const clf = stub(() => false);
    let reported = 0;
    const run = runRpr({
      ...base,
      images,
      tasks,
      maxSteps: 50,
      batchSize: 8,
      classifier: clf,
      signal: ac.signal,
      onResults: () => {
        reported++;
        ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(clf.batches).toEqual([8]);
    expect(reported).toBe(1);
    const before = stub(() => false);
    await expect(runRpr({ ...base, images, tasks, maxSteps: 5, batchSize: 8, classifier: before, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    expect(before.batches).toEqual([]);
  });

  it('rejects duplicate or out-of-range indices, bad sizes and a shape mismatch, naming the problem', async () => {
    const ok = { ...base, images, maxSteps: 5, batchSize: 4, classifier: stub(() => false) };
    await expect(runRpr({ ...ok, tasks: [{ index: 1, label: 1 }, { index: 1, label: 1 }] })).rejects.toThrow(/image index 1 is listed twice/);
    await expect(runRpr({ ...ok, tasks: [{ index: 40, label: 0 }] })).rejects.toThrow(/image index 40 is outside 0\.\.39/);
    await expect(runRpr({ ...ok, tasks, batchSize: 0 })).rejects.toThrow(InputError);
    await expect(runRpr({ ...ok, tasks, maxSteps: 0 })).rejects.toThrow(/maxSteps/);
    const wrong = { ...stub(() => false), shape: { height: 32, width: 32, channels: 3 } as ImageShape };
    await expect(runRpr({ ...ok, tasks, classifier: wrong })).rejects.toThrow(/model takes 32x32x3 images but the dataset has 28x28x1/);
    await expect(runRpr({ ...ok, tasks, scheme: { name: 'paper', params: { k: -1 } } })).rejects.toThrow(/scheme paper/);
  });

  it('an empty task list does nothing', async () => {
    const clf = stub(() => false);
    expect(await runRpr({ ...base, images, tasks: [], maxSteps: 5, batchSize: 4, classifier: clf })).toEqual({ results: [], predictions: 0 });
    expect(clf.batches).toEqual([]);
  });
});
