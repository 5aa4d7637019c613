/**
 * `rpr train` says the budget it trains under: before training what the budget will do (N
 * epochs, to convergence, the updates of a reference model), after it the epochs actually run
 * and the updates.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL } from '../helpers/paths';
import { runRpr, type Ran } from '../helpers/cli';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;

const rpr = (...args: string[]): Promise<Ran> => runRpr(args, { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') } });

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-budget-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('rpr train says its budget', () => {
  const train = (...extra: string[]) => rpr('train', '--data', MNIST_SMALL, '--arch', 'mlp', '--workspace', join(tmp, 'ws'), ...extra);

  it('epochs N: "for N epochs", then the epochs run and the updates', async () => {
    const r = await train('--epochs', '1', '--out', join(tmp, 'e'), '--json', join(tmp, 'e.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/training mlp on .* for 1 epoch \(budget epochs:1\) \(seed 0\)/);
    expect(r.stdout).toMatch(/^1 epoch run, \d+ updates on \d+ images \(\+ \d+ validation\), budget epochs:1;/m);
  }, 60_000);

  it('converge and equal-steps say what they do, not "for N epochs"', async () => {
    const c = await train('--budget', 'converge', '--epochs', '2', '--patience', '1', '--out', join(tmp, 'c'), '--json', join(tmp, 'c.json'));
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/training mlp on .* to convergence \(budget converge: early stopping with patience 1 on the validation loss, at most 2 epochs, best weights kept\)/);
    expect(c.stderr).not.toMatch(/for 2 epochs/);
    const cj = JSON.parse(readFileSync(join(tmp, 'c.json'), 'utf8')) as { epochs: number; updates: number; modelId: string; budget: string };
    expect(cj.budget).toBe('converge');
    expect(c.stdout).toMatch(new RegExp(`^${cj.epochs} epochs? run.*, ${cj.updates} updates on .*budget converge;`, 'm'));

    const s = await train('--budget', 'equal-steps', '--reference-model', cj.modelId, '--epochs', '5', '--seed', '1', '--out', join(tmp, 's'), '--json', join(tmp, 's.json'));
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(new RegExp(`training mlp on .* for the ${cj.updates} gradient updates of model .* \\(budget equal-steps: as many epochs as that takes\\)`));
    expect(s.stderr).not.toMatch(/for 5 epochs/);
    const sj = JSON.parse(readFileSync(join(tmp, 's.json'), 'utf8')) as { updates: number };
    expect(sj.updates).toBe(cj.updates);
    expect(s.stdout).toMatch(new RegExp(`epochs? run, ${cj.updates} updates on .*budget equal-steps;`));
  }, 120_000);
});
