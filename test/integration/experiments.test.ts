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
import { checkExperimentResults } from '../helpers/experiment-checks';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;

function rpr(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), ...args], { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((ok) => proc.on('close', (code) => ok({ code, stdout, stderr })));
}

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
  }, 400_000);

  it('refuses an unknown policy or budget with the usage', async () => {
    const bad = await rpr('reproduce', '--data', MNIST_SMALL, '--out', join(tmp, 'bad'), '--policies', 'paper,nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown policy "nope"/);
    const badBudget = await rpr('reproduce', '--data', MNIST_SMALL, '--out', join(tmp, 'bad'), '--budget', 'forever');
    expect(badBudget.code).toBe(2);
    expect(badBudget.stderr).toMatch(/--budget must be converge, equal-steps or epochs:N/);
  });
});
