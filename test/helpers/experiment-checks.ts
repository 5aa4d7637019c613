/**
 * What every experiment's results.json must satisfy, checked by recomputing from the per-seed
 * values (shared by the CLI test and the e2e test): policy model and control share their
 * per-class counts; no model's lineage includes an evaluated image; every summary figure is
 * the mean of its per-seed values with the t-based 95% interval recomputed here.
 */
import { expect } from 'vitest';
import { isKnownLineage, overlapCount, type TrainingLineage } from '../../src-main/core/lineage';
import { openWorkspace } from '../../src-main/store/workspace';

// t_{0.975, df} for df = 1..4 (tables)
const T975 = [12.706204736174704, 4.302652729749464, 3.182446305284263, 2.7764451051977987];

type Fig = { mean: number; ci95: [number, number] | null; perSeed: number[] };

export function checkFigure(f: Fig, expected: number[]): void {
  expect(f.perSeed).toHaveLength(expected.length);
  f.perSeed.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  const n = expected.length;
  const mean = expected.reduce((a, b) => a + b, 0) / n;
  expect(f.mean).toBeCloseTo(mean, 12);
  if (n === 1) return void expect(f.ci95).toBeNull();
  const sd = Math.sqrt(expected.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (T975[n - 2] * sd) / Math.sqrt(n);
  expect(f.ci95).not.toBeNull();
  expect(f.ci95![0]).toBeCloseTo(mean - half, 9);
  expect(f.ci95![1]).toBeCloseTo(mean + half, 9);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkExperimentResults(res: any, policies: string[], seeds: number[]): void {
  expect(res.config.policies).toEqual(policies);
  expect(res.config.seeds).toEqual(seeds);
  for (const name of policies) {
    const p = res.policies[name];
    expect(p.perSeed.map((s: { seed: number }) => s.seed)).toEqual(seeds);
    for (const s of p.perSeed) {
      // the matched control: identical per-class counts (and so identical totals), validation carve
      // excluded; under epochs:N the original random carve leaves them a few images apart (checked
      // on what they were given, in checkExperimentLineage)
      if (!String(res.config.budget).startsWith('epochs:')) {
        expect(s.model.trainClassCounts).toEqual(s.control.trainClassCounts);
        expect(s.model.trainCount).toBe(s.control.trainCount);
      }
      expect(s.model.trainCount + s.model.valCount).toBe(s.control.trainCount + s.control.valCount);
      expect(s.model.trainCount).toBe(s.model.trainClassCounts.reduce((a: number, b: number) => a + b, 0));
      for (const m of [s.model, s.control]) {
        // trained on the train split, evaluated on the test split: the lineage never holds an evaluated image
        expect(m.lineage.split).toBe('train');
        expect(m.evaluatedOn.split).toBe('test');
        expect(m.epochsRun).toBeGreaterThanOrEqual(1);
        expect(m.updates).toBeGreaterThanOrEqual(1);
      }
      for (const key of ['vsControl', 'vsM']) {
        // a p-value: a number in [0, 1] (NaN or a missing key fails)
        expect(s.mcnemar[key]).toBeGreaterThanOrEqual(0);
        expect(s.mcnemar[key]).toBeLessThanOrEqual(1);
      }
    }
    const acc = p.perSeed.map((s: { model: { testAccuracy: number } }) => s.model.testAccuracy);
    const rob = p.perSeed.map((s: { model: { testRobustRatio: number } }) => s.model.testRobustRatio);
    const cAcc = p.perSeed.map((s: { control: { testAccuracy: number } }) => s.control.testAccuracy);
    const cRob = p.perSeed.map((s: { control: { testRobustRatio: number } }) => s.control.testRobustRatio);
    checkFigure(p.summary.accuracy, acc);
    checkFigure(p.summary.robustRatio, rob);
    checkFigure(p.summary.diffVsControl.accuracy, acc.map((a: number, i: number) => a - cAcc[i]));
    checkFigure(p.summary.diffVsControl.robustRatio, rob.map((a: number, i: number) => a - cRob[i]));
    expect(p.verdict).toMatch(new RegExp(`^${name} (beats|loses to|does not beat|does not differ significantly from) its control`));
  }
  for (const s of res.perSeed ?? []) {
    expect(s.M.lineage.split).toBe('train');
    expect(s.M.evaluatedOn.split).toBe('test');
  }
}

/**
 * Against the experiment's workspace: every policy model and control was given exactly its
 * selection (the control with the selection's per-class counts), its validation carve is part of
 * what it was given, and none of the images it saw is among those it was evaluated on; M saw
 * the training split and was evaluated on the test split.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkExperimentLineage(res: any, workspacePath: string): void {
  const w = openWorkspace(workspacePath);
  try {
    const lineageOf = (modelId: string): TrainingLineage => {
      const l = w.models.get(modelId).lineage;
      expect(isKnownLineage(l)).toBe(true);
      return l as unknown as TrainingLineage;
    };
    const unseen = (l: TrainingLineage, evaluatedOn: { split: string; count: number }) => {
      expect(overlapCount(l, l.datasetId, evaluatedOn.split, evaluatedOn.count, null)).toBe(0);
      const evalSplit = w.datasets.get(l.datasetId).splits.find((x) => x.name === evaluatedOn.split);
      expect(evalSplit?.count).toBe(evaluatedOn.count);
    };
    for (const s of res.perSeed ?? []) unseen(lineageOf(s.M.modelId), s.M.evaluatedOn);
    for (const name of res.config.policies as string[]) {
      const p = res.policies[name];
      for (const s of p.perSeed) {
        const sel = p.selection.find((x: { seed: number }) => x.seed === s.seed);
        for (const m of [s.model, s.control]) {
          const l = lineageOf(m.modelId);
          unseen(l, m.evaluatedOn);
          expect(l.split).toBe('train');
          expect(l.indices).not.toBeNull();
          const given = l.indices as number[];
          expect(new Set(given).size).toBe(given.length);
          expect(given.length).toBe(sel.total);
          expect(l.trainCount + l.valCount).toBe(sel.total);
          const labels = w.datasets.labels(l.datasetId, 'train');
          const counts = new Array(sel.classCounts.length).fill(0);
          for (const i of given) counts[labels[i]]++;
          expect(counts).toEqual(sel.classCounts);
          const givenSet = new Set(given);
          expect(l.validation.indices.every((i) => givenSet.has(i))).toBe(true);
        }
      }
    }
  } finally {
    w.close();
  }
}
