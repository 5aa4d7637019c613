/** Issue 12, item 13: the CLI refuses what the forms and the contract refuse, with the same sentence. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;
const rpr = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), ...args], { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-cli-validation-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('CLI limits', () => {
  it('refuses --k 0 with a sentence before touching any data', () => {
    const r = rpr('score', '--data', MNIST_SMALL, '--model', join(tmp, 'none', 'model.json'), '--k', '0', '--workspace', join(tmp, 'ws'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--k must be at least 1 (got 0). k is the number of pixels each perturbation draws.');
    expect(r.stderr).not.toMatch(/Invalid input|at .*\.js:\d+/);
  });

  it('refuses an empty or fractional --k and a scheme parameter out of range in words', () => {
    expect(rpr('score', '--data', MNIST_SMALL, '--model', 'x/model.json', '--k', '2.5').stderr).toContain('--k must be a whole number (got 2.5).');
    const p = rpr('score', '--data', MNIST_SMALL, '--model', 'x/model.json', '--scheme', 'salt-pepper', '--param', 'p=2');
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--scheme salt-pepper: fraction of pixels must be at most 1 (got 2).');
  });
});
