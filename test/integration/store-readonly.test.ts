/**
 * The real read-only path, without an injected check. Root ignores permission bits, so
 * as root the scenario runs in a child process as `nobody` (setpriv); as another user it
 * runs in a child too, for the same code path. Skipped where neither is possible.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';

const isRoot = process.getuid?.() === 0;
const hasSetpriv = fs.existsSync('/usr/bin/setpriv');
const storeIndex = path.resolve(import.meta.dirname, '../../src-main/store/index.ts');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rpr-store-ro-'));
  fs.chmodSync(tmp, 0o777);
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const projectRoot = path.resolve(import.meta.dirname, '../..');
const asNobody = ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** Can `nobody` read the project (a clone under a 0700 temp folder cannot be)? */
function nobodyCanReadProject(): boolean {
  if (!hasSetpriv) return false;
  const probe = `require('fs').accessSync(${JSON.stringify(path.join(projectRoot, 'node_modules/tsx/package.json'))})`;
  return spawnSync(asNobody[0], [...asNobody.slice(1), process.execPath, '-e', probe]).status === 0;
}

it.skipIf(process.platform === 'win32')('refuses a folder without write permission, writing nothing', (ctx) => {
  const ro = path.join(tmp, 'ro');
  fs.mkdirSync(ro);
  // three ways to a folder this process cannot write: permission bits as a normal user; as root,
  // run the probe as `nobody`; or, when `nobody` cannot read the project, a read-only tmpfs mount
  let mode: 'user' | 'nobody' | 'mount' = 'user';
  let reason = 'permission denied';
  if (isRoot) {
    if (nobodyCanReadProject()) mode = 'nobody';
    else if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]).status === 0) {
      mode = 'mount';
      reason = 'read-only file system';
    } else ctx.skip();
  }
  if (mode !== 'mount') fs.chmodSync(ro, 0o555);
  try {
    const script = path.join(tmp, 'probe.ts');
    fs.writeFileSync(
      script,
      `import { openWorkspace } from ${JSON.stringify(storeIndex)};
const out = [];
for (const dir of [${JSON.stringify(ro)}, ${JSON.stringify(path.join(ro, 'sub'))}]) {
  try { openWorkspace(dir, { create: true }).close(); out.push('opened'); } catch (e) { out.push(e.code + ' ' + e.message); }
}
console.log(JSON.stringify(out));
`,
    );
    fs.chmodSync(script, 0o644);
    const node = [process.execPath, '--import', 'tsx', script];
    const cmd = mode === 'nobody' ? [...asNobody, ...node] : node;
    const res = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', cwd: projectRoot, env: { ...process.env, HOME: tmp }, timeout: 60_000 });
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout.trim().split('\n').pop() ?? '[]') as string[];
    expect(out).toEqual([`read-only ${ro}: is read-only (${reason})`, `read-only ${path.join(ro, 'sub')}: is read-only: cannot create it in ${ro} (${reason})`]);
    expect(fs.readdirSync(ro)).toEqual([]);
  } finally {
    if (mode === 'mount') spawnSync('umount', [ro]);
  }
});
