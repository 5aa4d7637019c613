/** Issue 12, item 8: `rpr rm` lists what a removal takes and deletes only with --yes; `rpr rename`. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;
let ws: string;
const rpr = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), ...args, '--workspace', ws], { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-cli-manage-'));
  ws = join(tmp, 'ws');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rpr rm and rpr rename', () => {
  it('renames a dataset, lists what deleting it frees, and deletes it only with --yes', () => {
    const imported = rpr('import', MNIST_SMALL, '--json', join(tmp, 'ds.json'));
    expect(imported.code, imported.stderr).toBe(0);
    const id = (JSON.parse(readFileSync(join(tmp, 'ds.json'), 'utf8')) as { id: string }).id;
    const renamed = rpr('rename', 'dataset', id, 'small', 'digits');
    expect(renamed.stdout.trim()).toBe(`renamed dataset ${id}: small digits`);
    const dry = rpr('rm', 'dataset', id);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`dataset small digits (${id})`);
    expect(dry.stdout).toMatch(/frees about \d+\.\d\d MB/);
    expect(dry.stdout).toContain('nothing deleted: run again with --yes to delete 1 item');
    expect(rpr('datasets').stdout).toContain('small digits');
    const done = rpr('rm', 'dataset', id, '--yes');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/deleted 1 item; freed \d+\.\d\d MB/);
    expect(rpr('datasets').stdout.trim()).toBe('');
  });

  it('says what it needs in words', () => {
    const bad = rpr('rm', 'thing', 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the first argument is what to act on: dataset, model, run or set (got "thing")');
    const missing = rpr('rm', 'model', 'mdl_nope', '--yes');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no model "mdl_nope"');
  });
});
