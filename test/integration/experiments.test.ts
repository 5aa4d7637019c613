/**
 * `rpr reproduce` as a client of the experiments service: a 2-seed, 2-policy experiment on
 * mnist-small under the converge budget (tiny settings) writes results.json whose policy models
 * and controls share per-class counts, whose lineage never holds an evaluated image and whose
 * summary intervals recompute from the per-seed values; report.md and the charts (SVG and PNG);
 * running the same command again resumes (here: finds every stage done) and exits 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExperimentLineage, checkExperimentResults } from '../helpers/experiment-checks';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { runRpr, type Ran } from '../helpers/cli';
import { ensureBuilt } from '../helpers/serve';
import { openWorkspace } from '../../src-main/store/workspace';

let tmp: string;

const rprEnv = (env: Record<string, string>, ...args: string[]): Promise<Ran> => runRpr(args, { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data'), ...env } });
const rpr = (...args: string[]): Promise<Ran> => rprEnv({}, ...args);

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-experiments-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('rpr reproduce --policies --budget', () => {
  const out = () => join(tmp, 'exp');
  const args = () => ['reproduce', '--data', MNIST_SMALL, '--out', out(), '--seeds', '2', '--policies', 'paper,robust-all', '--budget', 'converge', '--max-epochs', '2', '--patience', '1', '--per-class', '20', '--max-steps', '8', '--arch', 'mlp'];

  it('runs 2 seeds × 2 policies with matched controls and sound statistics', async () => {
    const r = await rpr(...args());
    if (r.code !== 0) throw new Error(r.stderr);
    const res = JSON.parse(readFileSync(join(out(), 'results.json'), 'utf8'));
    expect(res.config.budget).toBe('converge');
    checkExperimentResults(res, ['paper', 'robust-all'], [0, 1]);
    checkExperimentLineage(res, join(out(), 'workspace'));
    // the older top-level curves: the mean of the seeds' curves, its band spanning them (never averaged bands)
    for (const role of ['M', 'MR', 'MC']) {
      const m = res[role];
      expect(m.testCurvePerSeed).toHaveLength(2);
      m.testCurve.forEach((v: number, t: number) => {
        const at = m.testCurvePerSeed.map((c: number[]) => c[t]);
        expect(v).toBeCloseTo((at[0] + at[1]) / 2, 12);
        expect(m.testCurveLo[t]).toBe(Math.min(...at));
        expect(m.testCurveHi[t]).toBe(Math.max(...at));
      });
    }
    // the classes whose robust images ran out before 20
    for (const c of res.curated) expect(c.short).toEqual(c.classCounts.flatMap((n: number, i: number) => (n < 20 ? [i] : [])));
    // the older readers' fields for the paper policy
    expect(res.perSeed).toHaveLength(2);
    for (const s of res.perSeed) for (const k of ['M', 'MR', 'MC', 'mcnemar']) expect(s[k]).toBeDefined();
    expect(res.mcnemar).toBeUndefined(); // one seed's tests are never shown as the experiment's
    // robust-all keeps every robust image: its count is M's robust count on the train split (before the carve)
    for (const s of res.policies['robust-all'].selection) expect(s.total).toBe(s.classCounts.reduce((a: number, b: number) => a + b, 0));
    const report = readFileSync(join(out(), 'report.md'), 'utf8');
    for (const v of res.verdicts) expect(report).toContain(v);
    expect(report).not.toMatch(/p = 0\.00\b/);
    for (const c of ['forest.svg', 'per-class.svg', 'curves-paper.svg', 'curves-robust-all.svg']) {
      expect(readFileSync(join(out(), c), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
      const png = readFileSync(join(out(), c.replace('.svg', '.png')));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(report).toContain(`](${c})`);
    }
    expect(r.stdout).toMatch(/^verdict: paper /m);
    expect(r.stdout).toMatch(/^verdict: robust-all /m);
  }, 400_000);

  it('the same command again resumes: every stage found done, the same results', async () => {
    const before = readFileSync(join(out(), 'results.json'), 'utf8');
    const r = await rpr(...args());
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stderr).toMatch(/resuming experiment exp_[0-9a-f]+: 22\/22 stages already done/);
    const after = JSON.parse(readFileSync(join(out(), 'results.json'), 'utf8'));
    const was = JSON.parse(before);
    expect(after.policies).toEqual(was.policies);
    expect(existsSync(join(out(), 'report.md'))).toBe(true);
  }, 200_000);

  it('kill -9 part-way, then the same command: resumes from the stages done and ends with the uninterrupted numbers', async () => {
    const small = (o: string) => ['reproduce', '--data', MNIST_SMALL, '--out', o, '--policies', 'paper', '--budget', 'epochs:1', '--per-class', '20', '--max-steps', '8', '--arch', 'mlp', '--seed', '3'];
    const killedOut = join(tmp, 'killed');
    const proc = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), ...small(killedOut)], { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') }, stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise((ok) => proc.on('close', ok));
    const stagesDone = (): number => {
      const root = join(killedOut, 'workspace', 'experiments');
      if (!existsSync(root)) return 0;
      const dir = readdirSync(root)[0];
      const file = dir && join(root, dir, 'experiment.json');
      return file && existsSync(file) ? Object.keys(JSON.parse(readFileSync(file, 'utf8')).stages).length : 0;
    };
    const t0 = Date.now();
    while (stagesDone() < 2 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
    proc.kill('SIGKILL');
    await exited;
    const atKill = stagesDone();
    expect(atKill).toBeGreaterThanOrEqual(2);
    expect(atKill).toBeLessThan(7);
    const resumed = await rpr(...small(killedOut));
    if (resumed.code !== 0) throw new Error(resumed.stderr);
    const m = /resuming experiment exp_[0-9a-f]+: (\d+)\/7 stages already done/.exec(resumed.stderr);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(atKill);
    const whole = await rpr(...small(join(tmp, 'whole')));
    if (whole.code !== 0) throw new Error(whole.stderr);
    const a = JSON.parse(readFileSync(join(killedOut, 'results.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(tmp, 'whole', 'results.json'), 'utf8'));
    for (const role of ['M', 'MR', 'MC']) for (const k of ['testAccuracy', 'testRobustRatio', 'trainCount', 'testCurve', 'testPerClassRobustRatio']) expect(a[role][k]).toEqual(b[role][k]);
    checkExperimentResults(b, ['paper'], [3]);
    checkExperimentLineage(b, join(tmp, 'whole', 'workspace'));
  }, 400_000);

  it('with no --policies runs paper only, and --budget epochs:3 gives the numbers of earlier versions', async () => {
    // pinned from rpr reproduce at 7f48009 (before budgets and policies existed), same arguments with --epochs 3
    const o = join(tmp, 'pinned');
    const r = await rpr('reproduce', '--data', MNIST_SMALL, '--out', o, '--budget', 'epochs:3', '--per-class', '20', '--max-steps', '8', '--arch', 'mlp', '--seed', '3');
    if (r.code !== 0) throw new Error(r.stderr);
    const res = JSON.parse(readFileSync(join(o, 'results.json'), 'utf8'));
    expect(res.config.policies).toEqual(['paper']);
    expect(Object.keys(res.policies)).toEqual(['paper']);
    const pinned = { M: [0.732, 0.628], MR: [0.47, 0.264], MC: [0.494, 0.288] };
    for (const [role, [acc, robust]] of Object.entries(pinned)) {
      expect(res[role].testAccuracy, role).toBeCloseTo(acc, 12);
      expect(res[role].testRobustRatio, role).toBeCloseTo(robust, 12);
    }
    checkExperimentResults(res, ['paper'], [3]);
    checkExperimentLineage(res, join(o, 'workspace'));
    // the original carve: seeded random, not per class
    const w = openWorkspace(join(o, 'workspace'));
    try {
      expect((w.models.get(res.M.modelId).lineage as { validation: { method: string } }).validation.method).toBe('random');
    } finally {
      w.close();
    }
  }, 200_000);

  it('--budget equal-steps: every policy model and control makes exactly the updates M made', async () => {
    const o = join(tmp, 'equal');
    const r = await rpr('reproduce', '--data', MNIST_SMALL, '--out', o, '--budget', 'equal-steps', '--max-epochs', '3', '--patience', '1', '--policies', 'paper,hard-only', '--per-class', '20', '--max-steps', '8', '--arch', 'mlp', '--seed', '5');
    if (r.code !== 0) throw new Error(r.stderr);
    const res = JSON.parse(readFileSync(join(o, 'results.json'), 'utf8'));
    expect(res.config.budget).toBe('equal-steps');
    checkExperimentResults(res, ['paper', 'hard-only'], [5]);
    checkExperimentLineage(res, join(o, 'workspace'));
    const mUpdates = res.perSeed[0].M.updates;
    expect(mUpdates).toBeGreaterThan(0);
    for (const name of ['paper', 'hard-only']) {
      for (const m of [res.policies[name].perSeed[0].model, res.policies[name].perSeed[0].control]) {
        expect(m.updates, name).toBe(mUpdates);
        // smaller sets take more epochs for the same updates (the last one cut short)
        expect(m.epochsRun).toBe(Math.ceil(mUpdates / Math.ceil(m.trainCount / 128)));
      }
    }
    const report = readFileSync(join(o, 'report.md'), 'utf8');
    expect(report).toContain('Budget equal-steps');
    expect(report).toContain('class-stratified, so a policy and its control also train on identical per-class counts');
  }, 300_000);

  it('without sharp the results, the report and the SVG charts still land, and the report says why there is no PNG', async () => {
    const o = join(tmp, 'nosharp');
    const r = await rprEnv({ RPR_NO_SHARP: '1' }, 'reproduce', '--data', MNIST_SMALL, '--out', o, '--budget', 'epochs:1', '--per-class', '20', '--max-steps', '4', '--arch', 'mlp', '--seed', '6');
    if (r.code !== 0) throw new Error(r.stderr);
    const files = readdirSync(o);
    expect(files).toContain('results.json');
    expect(files).toContain('forest.svg');
    expect(files.filter((f) => f.endsWith('.png'))).toEqual([]);
    const report = readFileSync(join(o, 'report.md'), 'utf8');
    expect(report).toMatch(/The charts are written as SVG only: PNG charts need sharp \(libvips\), which could not load here: disabled by RPR_NO_SHARP=1\./);
    expect(report).toContain('Under epochs:N the carve is the original seeded random one');
  }, 200_000);

  it('refuses an unknown policy or budget with the usage', async () => {
    const bad = await rpr('reproduce', '--data', MNIST_SMALL, '--out', join(tmp, 'bad'), '--policies', 'paper,nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown policy "nope"/);
    const badBudget = await rpr('reproduce', '--data', MNIST_SMALL, '--out', join(tmp, 'bad'), '--budget', 'forever');
    expect(badBudget.code).toBe(2);
    expect(badBudget.stderr).toMatch(/--budget must be converge, equal-steps or epochs:N/);
  });
});
