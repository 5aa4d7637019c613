/**
 * `rpr reproduce` end to end on mnist-small (tiny settings): results.json with every number
 * of the paper's table plus the control, report.md and the SVG charts; `--seeds 2` reports
 * per-seed values and ranges.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL } from '../helpers/paths';
import { runRpr, type Ran } from '../helpers/cli';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;

const rpr = (...args: string[]): Promise<Ran> => runRpr(args, { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') } });

const isRatio = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;
const isInterval = (c: unknown, around?: number) =>
  Array.isArray(c) && c.length === 2 && isRatio(c[0]) && isRatio(c[1]) && c[0] <= c[1] && (around === undefined || (c[0] <= around && around <= c[1]));

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-reproduce-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('rpr reproduce', () => {
  it('runs the protocol and writes results.json, report.md and the charts', async () => {
    const out = join(tmp, 'one');
    const r = await rpr('reproduce', '--data', MNIST_SMALL, '--out', out, '--epochs', '1', '--per-class', '20', '--max-steps', '10');
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stdout).toMatch(/^M {3}test acc/m);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const { M, MR, MC } = res;
    for (const m of [M, MR, MC]) {
      expect(isRatio(m.testAccuracy)).toBe(true);
      expect(isRatio(m.testRobustRatio)).toBe(true);
      expect(isInterval(m.testAccuracyCI95, m.testAccuracy)).toBe(true);
      expect(isInterval(m.testRobustRatioCI95, m.testRobustRatio)).toBe(true);
      expect(m.testPerClassRobustRatio).toHaveLength(10);
      expect(m.testCurve).toHaveLength(10);
      expect(m.testCurve[9]).toBeCloseTo(m.testRobustRatio, 12);
    }
    expect(M.testAccuracy).toBeGreaterThan(0.3);
    expect(isRatio(M.trainRobustRatio)).toBe(true);
    expect(isInterval(M.trainRobustRatioCI95, M.trainRobustRatio)).toBe(true);
    expect(M.trainRobustPerClass).toHaveLength(10);
    // the validation carve (10%; under epochs:N the original seeded random one) is not counted as trained on
    expect(M.trainCount + M.valCount).toBe(1000);
    expect(M.valCount).toBe(100);
    // M_R and the control M_C are given sets of the same size and class counts, at most 20 per
    // class; the random carve then takes 10% of each set, whatever the classes
    expect(MR.trainCount + MR.valCount).toBe(MC.trainCount + MC.valCount);
    expect(MR.valCount).toBe(MC.valCount);
    expect(res.curated[0].classCounts.every((c: number) => c <= 20)).toBe(true);
    expect(res.curated[0].total).toBe(MR.trainCount + MR.valCount);
    expect(MR.trainCount).toBe(MR.trainClassCounts.reduce((a: number, b: number) => a + b, 0));
    expect(Object.keys(res.mcnemar).sort()).toEqual(['MR_vs_MC', 'M_vs_MC', 'M_vs_MR']);
    for (const p of Object.values(res.mcnemar)) expect(isRatio(p)).toBe(true);
    const t = res.timingsMs[0];
    // every stage timed: training and scoring take measurable time; curating may round to 0 ms
    expect(Object.keys(t).sort()).toEqual(['curate', 'scoreMCTest', 'scoreMRTest', 'scoreMTest', 'scoreMTrain', 'seed', 'trainM', 'trainMC', 'trainMR']);
    for (const k of ['trainM', 'scoreMTest', 'scoreMTrain', 'trainMR', 'trainMC', 'scoreMRTest', 'scoreMCTest']) expect(t[k], k).toBeGreaterThan(0);
    expect(t.curate).toBeGreaterThanOrEqual(0);
    expect(res.config).toMatchObject({ epochs: 1, perClass: 20, maxSteps: 10, seeds: [0] });
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('| M test robust ratio | 0.2957 |');
    expect(report).toContain(M.testRobustRatio.toFixed(4));
    for (const svg of ['survival-test.svg', 'per-class-test.svg', 'per-class-train-M.svg']) {
      expect(existsSync(join(out, svg))).toBe(true);
      expect(readFileSync(join(out, svg), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
      expect(report).toContain(`](${svg})`);
    }
  }, 240_000);

  it('--seeds 2 gives per-seed values, ranges and means', async () => {
    const out = join(tmp, 'two');
    const r = await rpr('reproduce', '--data', MNIST_SMALL, '--out', out, '--epochs', '1', '--per-class', '20', '--max-steps', '10', '--seeds', '2', '--seed', '4');
    if (r.code !== 0) throw new Error(r.stderr);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res.config.seeds).toEqual([4, 5]);
    for (const role of ['M', 'MR', 'MC']) {
      const m = res[role];
      for (const key of ['testAccuracy', 'testRobustRatio']) {
        const per = m[`${key}PerSeed`] as number[];
        expect(per).toHaveLength(2);
        expect(m[key]).toBeCloseTo((per[0] + per[1]) / 2, 12);
        expect(m[`${key}Range`]).toEqual([Math.min(...per), Math.max(...per)]);
        expect(m[`${key}CI95`]).toHaveLength(2);
        expect(isInterval(m[`${key}CI95`][1], per[1])).toBe(true);
      }
    }
    expect(res.M.trainRobustRatioPerSeed).toHaveLength(2);
    expect(res.perSeed.map((p: { seed: number }) => p.seed)).toEqual([4, 5]);
    expect(res.mcnemarPerSeed).toHaveLength(2);
    expect(res.timingsMs).toHaveLength(2);
    // two training seeds give two different models
    expect(res.perSeed[0].M.hash).not.toBe(res.perSeed[1].M.hash);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/per seed/);
    expect(report).toContain('seed 5: M vs M_R p =');
  }, 240_000);
});
