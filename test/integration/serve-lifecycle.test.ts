// `rpr serve` ends with whatever started it: killing the PID of a backgrounded `npx rpr serve`
// (a wrapper: npm exec → sh -c → node) stops the real server; SIGTERM / SIGHUP / SIGINT close it
// cleanly with exit code 0; a closed or empty stdin (nohup, systemd, a container) does not.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWrapper, watchedAncestors } from '../../src-main/cli/lifecycle';
import { PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

const tmp = mkdtempSync(join(tmpdir(), 'rpr-serve-life-'));
const started: ChildProcess[] = [];
const pids: number[] = [];

beforeAll(() => ensureBuilt());
afterAll(() => {
  // whatever a failed test left running: only our own servers (a pid may have been reused since)
  for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(tmp)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

interface Running {
  proc: ChildProcess;
  url: URL;
  port: number;
  stderr: () => string;
  /** the pid of the real server (node bin/rpr.mjs), whatever wraps it */
  serverPid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start a command whose first stdout line is the server's URL. */
async function start(cmd: string, args: string[], name: string): Promise<Running> {
  const dataDir = mkdtempSync(join(tmp, 'data-'));
  const proc = spawn(cmd, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, RPR_DATA_DIR: dataDir, WS: join(tmp, `ws-${name}`) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  if (proc.pid) pids.push(proc.pid);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => proc.once('exit', (code, signal) => ok({ code, signal })));
  const line = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL in 90 s: ${err}`)), 90_000);
    createInterface({ input: proc.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      ok(l.trim());
    });
    void exited.then((e) => fail(new Error(`exited ${JSON.stringify(e)} before printing a URL: ${err}`)));
  });
  const url = new URL(line);
  const port = Number(url.port);
  const serverPid = listeningPid(port);
  pids.push(serverPid);
  return { proc, url, port, stderr: () => err, serverPid, exited };
}

/** The pid of the process listening on a port (from /proc/net/tcp and the fds under /proc). */
function listeningPid(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[1]?.endsWith(`:${hex}`) && l.trim().split(/\s+/)[3] === '0A');
  if (!row) throw new Error(`nothing listens on ${port}`);
  const inode = row.trim().split(/\s+/)[9];
  for (const pid of allPids()) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
    } catch {
      // gone or not ours
    }
  }
  throw new Error(`no process holds the socket of port ${port}`);
}

function allPids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      ok(true);
    });
    s.once('error', () => ok(false));
  });
}

/** Wait until the port stops listening (true) or the deadline passes (false). */
async function stopsListening(port: number, withinMs: number): Promise<boolean> {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    if (!(await listening(port))) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return !(await listening(port));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(r: Running): Promise<boolean> {
  const res = await fetch(`${r.url.origin}/rpc/workspace.current`, { method: 'POST', headers: { authorization: `Bearer ${r.url.searchParams.get('token')}` }, body: '{}' });
  return res.status === 200;
}

// a generous deadline for a loaded 2-vCPU machine: the watch polls every 0.5 s
const GONE_WITHIN_MS = 20_000;

describe('rpr serve under a wrapper (npx rpr serve &)', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`stops listening when the npx wrapper's PID is killed (${signal}), with stdin closed`, async () => {
      // `<&-`: stdin closed, as under nohup or a service manager; `exec`: the spawned PID is npx's
      const r = await start('sh', ['-c', 'exec npx rpr serve --workspace "$WS" <&-'], `npx-${signal}`);
      expect(r.serverPid).not.toBe(r.proc.pid); // npx runs the server in a child
      await new Promise((ok) => setTimeout(ok, 1500));
      expect(await answers(r)).toBe(true); // a closed stdin does not stop it
      r.proc.kill(signal);
      expect(await stopsListening(r.port, GONE_WITHIN_MS)).toBe(true);
      const end = Date.now() + GONE_WITHIN_MS;
      while (alive(r.serverPid) && Date.now() < end) await new Promise((ok) => setTimeout(ok, 200));
      expect(alive(r.serverPid)).toBe(false);
    }, 180_000);
  }
});

describe('rpr serve and signals', () => {
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`closes cleanly on ${signal} with exit code 0`, async () => {
      const r = await start(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), 'serve', '--workspace', join(tmp, `ws-${signal}`)], signal);
      expect(r.serverPid).toBe(r.proc.pid);
      // stdin is /dev/null (empty): it keeps running and answering
      await new Promise((ok) => setTimeout(ok, 1500));
      expect(await answers(r)).toBe(true);
      expect(r.proc.exitCode).toBeNull();
      r.proc.kill(signal);
      const e = await r.exited;
      expect(e).toEqual({ code: 0, signal: null });
      expect(r.stderr()).toContain(`rpr serve: got ${signal}: closing`);
      expect(r.stderr()).not.toMatch(/^\s+at /m);
      expect(await listening(r.port)).toBe(false);
    }, 120_000);
  }
});

describe('which ancestors are watched', () => {
  it('recognises the wrappers npm exec, npx and sh -c, and not an ordinary parent', () => {
    expect(isWrapper(['npm exec rpr serve --workspace /tmp/ws'])).toBe(true); // npm's process title
    expect(isWrapper(['sh', '-c', 'rpr serve'])).toBe(true);
    expect(isWrapper(['/usr/bin/node', '/usr/lib/node_modules/npm/bin/npx-cli.js', 'rpr', 'serve'])).toBe(true);
    expect(isWrapper(['bash'])).toBe(false); // an interactive shell
    expect(isWrapper(['/usr/bin/node', 'test-runner.js'])).toBe(false);
    expect(isWrapper(['/lib/systemd/systemd', '--user'])).toBe(false);
  });

  it('follows wrappers up the chain and stops at the first ordinary process, or at init', () => {
    const table: Record<number, { ppid: number; argv: string[] }> = {
      300: { ppid: 200, argv: ['sh', '-c', 'rpr serve'] },
      200: { ppid: 100, argv: ['npm exec rpr serve'] },
      100: { ppid: 1, argv: ['bash'] },
    };
    expect(watchedAncestors(300, (pid) => table[pid] ?? null)).toEqual([300, 200, 100]);
    expect(watchedAncestors(100, (pid) => table[pid] ?? null)).toEqual([100]);
    expect(watchedAncestors(1, (pid) => table[pid] ?? null)).toEqual([]); // a service manager or container
    expect(watchedAncestors(0, (pid) => table[pid] ?? null)).toEqual([]);
  });
});
