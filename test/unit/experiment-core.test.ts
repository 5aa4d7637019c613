/** Pure parts of issue 9: t quantiles and seed figures, p-value text, carves, lineage overlap, policies and their controls, budgets. */
import { describe, expect, it } from 'vitest';
import { parseBudget, trainerSettings } from '../../src-main/core/budget';
import { forestPlot, roundTicks } from '../../src-main/core/experiment/charts';
import { ActiveClock, experimentEtaMs, stageKindOf, type EtaStage } from '../../src-main/core/experiment/eta';
import { matchedControl, parsePolicies, selectPolicy } from '../../src-main/core/experiment/policies';
import { verdictLine } from '../../src-main/core/experiment/results';
import { evaluationTarget, leakMessage, overlapCount, stratifiedCarve, type TrainingLineage } from '../../src-main/core/lineage';
import { formatP, pairedDifference, seedFigure, tQuantile } from '../../src-main/core/stats/index';

describe('statistics across seeds', () => {
  it('t quantiles match the tables', () => {
    expect(tQuantile(1)).toBeCloseTo(12.706204736, 6);
    expect(tQuantile(2)).toBeCloseTo(4.302652730, 6);
    expect(tQuantile(9)).toBeCloseTo(2.262157163, 6);
    expect(tQuantile(1000)).toBeCloseTo(1.962339, 4);
  });
  it('a seed figure is the mean with a t interval; one seed has none; a paired difference is per seed', () => {
    const f = seedFigure([0.5, 0.6, 0.7]);
    expect(f.mean).toBeCloseTo(0.6, 12);
    const half = (tQuantile(2) * 0.1) / Math.sqrt(3);
    expect(f.ci95![0]).toBeCloseTo(0.6 - half, 12);
    expect(f.ci95![1]).toBeCloseTo(0.6 + half, 12);
    expect(seedFigure([0.4]).ci95).toBeNull();
    const d = pairedDifference([0.5, 0.6], [0.4, 0.45]);
    expect(d.perSeed.map((x) => +x.toFixed(12))).toEqual([0.1, 0.15]);
  });
  it('underflowing p-values print as "< 1e-300", never 0.00', () => {
    expect(formatP(0)).toBe('< 1e-300');
    expect(formatP(1e-320)).toBe('< 1e-300');
    expect(formatP(0.0123)).toBe('0.012');
    expect(formatP(2.5e-7)).toBe('2.50e-7');
  });
  it('verdicts: beats / loses to / does not beat, by the interval of the paired difference', () => {
    const fig = (perSeed: number[]) => seedFigure(perSeed);
    const s = (d: number[]) => ({ accuracy: fig([0.9, 0.9]), robustRatio: fig([0.5, 0.5]), diffVsControl: { accuracy: fig([-0.004, -0.004]), robustRatio: fig(d) } });
    expect(verdictLine('robust-all', s([0.03, 0.032]), [0.01, 0.01])).toMatch(/^robust-all beats its control by \+0\.031 robust ratio \[.*\] across 2 seeds at −0\.4% accuracy$/);
    expect(verdictLine('x', s([-0.03, -0.032]), [0.01, 0.01])).toMatch(/^x loses to its control by −0\.031/);
    expect(verdictLine('x', s([-0.03, 0.04]), [0.01, 0.01])).toMatch(/^x does not beat its control: \+0\.005/);
  });
});

describe('lineage', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => i % 10);
  it('a stratified carve takes the share of every class, seeded', () => {
    const c = stratifiedCarve(labels, 0.1, 7);
    expect(c).toHaveLength(100);
    const per = new Array(10).fill(0);
    for (const i of c) per[labels[i]]++;
    expect(per).toEqual(new Array(10).fill(10));
    expect(stratifiedCarve(labels, 0.1, 7)).toEqual(c);
    expect(stratifiedCarve(labels, 0.1, 8)).not.toEqual(c);
  });
  const l: TrainingLineage = { version: 1, datasetId: 'd', dataset: 'mnist', split: 'train', indices: null, source: { kind: 'split' }, validation: { method: 'stratified', share: 0.1, seed: 0, indices: [] }, heldOut: null, trainCount: 900, valCount: 100 };
  it('overlap: the whole training split, a subset, another split, a held-out carve', () => {
    expect(overlapCount(l, 'd', 'train', 1000, null)).toBe(1000);
    expect(overlapCount(l, 'd', 'test', 500, null)).toBe(0);
    expect(overlapCount(l, 'other', 'train', 1000, null)).toBe(0);
    expect(overlapCount({ ...l, indices: [1, 2, 3] }, 'd', 'train', 1000, [3, 4])).toBe(1);
    const carve = stratifiedCarve(labels, 0.2, 0);
    const single = { ...l, heldOut: { split: 'train', share: 0.2, seed: 0, indices: carve } };
    expect(overlapCount(single, 'd', 'train', 1000, carve)).toBe(0);
    expect(evaluationTarget([{ name: 'train' }], single)).toEqual({ split: 'train', indices: carve, label: 'held-out carve of train' });
    expect(leakMessage('M', l, 'train', 1000, evaluationTarget([{ name: 'train' }, { name: 'test' }], l))).toMatch(/trained on split "train" of mnist.*evaluate on split "test" instead/);
  });
});

describe('policies and matched controls', () => {
  const n = 400;
  const scores = {
    index: Array.from({ length: n }, (_, i) => i),
    label: Array.from({ length: n }, (_, i) => i % 4),
    steps: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : i % 5 === 0 ? 3 : 50)),
    robust: Array.from({ length: n }, (_, i) => (i % 7 === 0 || i % 5 === 0 ? 0 : 1)),
  };
  const labels = scores.label;
  it.each([
    [{ name: 'paper' as const, perClass: 20 }],
    [{ name: 'robust-all' as const }],
    [{ name: 'drop-fragile' as const, fraction: 0.25 }],
    [{ name: 'hard-only' as const }],
  ])('%o: the control has identical per-class counts and is seeded', (p) => {
    const sel = selectPolicy(p, scores, 4, 1);
    const ctl = matchedControl(labels, sel.classCounts, 1, p.name);
    const per = new Array(4).fill(0);
    for (const i of ctl) per[labels[i]]++;
    expect(per).toEqual(sel.classCounts);
    expect(matchedControl(labels, sel.classCounts, 1, p.name)).toEqual(ctl);
    expect(selectPolicy(p, scores, 4, 1)).toEqual(sel);
  });
  it('each policy keeps what it says', () => {
    const robust = scores.index.filter((i) => scores.robust[i]);
    expect(selectPolicy({ name: 'robust-all' }, scores, 4, 0).members).toEqual(robust);
    const drop = selectPolicy({ name: 'drop-fragile', fraction: 0.2 }, scores, 4, 0);
    expect(drop.members).toHaveLength(320);
    for (let i = 0; i < n; i += 7) expect(drop.members).not.toContain(i); // misclassified (steps 0, 58 of them) go first
    for (const i of robust) expect(drop.members).toContain(i); // then the fragile ones; every robust image stays
    const hard = selectPolicy({ name: 'hard-only' }, scores, 4, 0);
    const nonRobust = n - robust.length;
    expect(hard.members).toHaveLength(2 * nonRobust);
    expect(selectPolicy({ name: 'paper', perClass: 20 }, scores, 4, 0).classCounts).toEqual([20, 20, 20, 20]);
  });
  it('parses --policies', () => {
    expect(parsePolicies('paper,drop-fragile:0.2')).toEqual([{ name: 'paper' }, { name: 'drop-fragile', fraction: 0.2 }]);
    expect(() => parsePolicies('paper,paper')).toThrow(/twice/);
    expect(() => parsePolicies('best')).toThrow(/unknown policy "best"/);
  });
});

describe('budgets', () => {
  it('parses converge, equal-steps, epochs:N and maps them to trainer settings', () => {
    expect(parseBudget('converge', { patience: 2, maxEpochs: 9 })).toEqual({ kind: 'converge', epochs: 9, patience: 2 });
    expect(parseBudget('epochs:3')).toEqual({ kind: 'epochs', epochs: 3, patience: 0 });
    expect(parseBudget('epochs:0')).toBeNull();
    expect(parseBudget('forever')).toBeNull();
    expect(trainerSettings(parseBudget('converge')!)).toMatchObject({ restoreBest: true, validationMethod: 'stratified', earlyStoppingPatience: 3 });
    expect(trainerSettings(parseBudget('equal-steps')!, 420)).toMatchObject({ maxUpdates: 420, earlyStoppingPatience: 0 });
    expect(trainerSettings(parseBudget('epochs:3')!)).toMatchObject({ epochs: 3, restoreBest: false, earlyStoppingPatience: 0 });
  });
});

describe('experiment ETA', () => {
  const st = (key: string, weight: number, ms?: number): EtaStage => ({ key, kind: stageKindOf(key), weight, ms });
  const session = { gainedWeight: 0, elapsedMs: 0 };

  it('knows training stages from scoring stages by their keys', () => {
    expect(['0/M/train', '0/paper/train', '0/paper/control-train'].map(stageKindOf)).toEqual(['train', 'train', 'train']);
    expect(['0/M/test', '0/M/train-split', '0/paper/test', '0/paper/control-test'].map(stageKindOf)).toEqual(['score', 'score', 'score', 'score']);
  });

  it('prices the stages left at what finished stages of their kind took per image', () => {
    // training: 60 s for 100 weight (0.6 s each); scoring: 10 s for 50 (0.2 s each)
    const stages = [st('0/M/train', 100, 60_000), st('0/M/test', 50, 10_000), st('0/p/train', 50), st('0/p/test', 20)];
    expect(experimentEtaMs({ stages, current: null, session })).toBe(50 * 600 + 20 * 200);
    // the stage in flight: its expected time less what it ran, whatever fraction it reports
    expect(experimentEtaMs({ stages, current: { key: '0/p/train', frac: 0.1, elapsedMs: 20_000 }, session })).toBe(10_000 + 4000);
    expect(experimentEtaMs({ stages, current: { key: '0/p/train', frac: 0.1, elapsedMs: 90_000 }, session })).toBe(4000);
  });

  it('ignores reused stages (under a second) and falls back on this session, or says it cannot tell', () => {
    const stages = [st('0/M/train', 100, 5), st('0/M/test', 50), st('0/p/train', 50)];
    expect(experimentEtaMs({ stages, current: { key: '0/M/test', frac: 0, elapsedMs: 0 }, session })).toBeNull();
    // this session did 25 weight in 10 s: 0.4 s each; the current stage is half reported
    const eta = experimentEtaMs({ stages, current: { key: '0/M/test', frac: 0.5, elapsedMs: 10_000 }, session: { gainedWeight: 25, elapsedMs: 10_000 } });
    expect(eta).toBe(25 * 400 + 50 * 400);
  });
});

describe('a stage\'s time at work', () => {
  it('sums the gaps between progress reports, a silence longer than the cap counted as the cap (a pause, a sleep)', () => {
    const c = new ActiveClock(1000, 120_000);
    c.tick(6000); // 5 s
    c.tick(16_000); // 10 s
    c.tick(16_000 + 9 * 60_000); // paused 9 min: 2 min counted
    expect(c.total(16_000 + 9 * 60_000 + 4000)).toBe(5000 + 10_000 + 120_000 + 4000);
    // a clock going backwards adds nothing
    const d = new ActiveClock(5000);
    d.tick(4000);
    expect(d.total(4000)).toBe(0);
  });
});

describe('forest plot axis', () => {
  it('puts ticks at round values and labels the zero line', () => {
    // the equal-steps full-MNIST range, which printed -0.452 … 0.290 before
    expect(roundTicks(-0.452, 0.29).map((t) => t.label)).toEqual(['−0.4', '−0.2', '0.0', '0.2']);
    expect(roundTicks(-0.0215, 0.0095).map((t) => t.label)).toEqual(['−0.02', '−0.01', '0.00']);
    expect(roundTicks(-0.0215, 0.0155).map((t) => t.label)).toEqual(['−0.02', '−0.01', '0.00', '0.01']);
    expect(roundTicks(-3, 47).map((t) => t.value)).toEqual([0, 10, 20, 30, 40]);
    for (const [lo, hi] of [[-0.452, 0.29], [-1e-3, 2e-3], [-0.7, -0.1], [0.013, 0.987]]) {
      const ticks = roundTicks(lo, hi);
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks.length).toBeLessThanOrEqual(11);
      for (const t of ticks) {
        expect(t.value).toBeGreaterThanOrEqual(lo - 1e-12);
        expect(t.value).toBeLessThanOrEqual(hi + 1e-12);
      }
    }
    const svg = forestPlot('t', 'x', [{ label: 'paper', figure: { mean: 0.0217, ci95: [-0.1377, 0.1812], perSeed: [0.0343, 0.0092] } }]);
    const labels = [...svg.matchAll(/text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['−0.1', '0.0', '0.1', '0.2', 'x']);
  });
});
