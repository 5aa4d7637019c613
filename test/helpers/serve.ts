/** Start `rpr serve` (the built CLI) and a headless Debian Chromium for end-to-end tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from './paths';

/** Newest modification time under a folder (sources), 0 when it is missing. */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Is out/ missing or older than the sources it is built from? */
export function buildIsStale(): boolean {
  const cli = join(PROJECT_ROOT, 'out/main/cli.js');
  const ui = join(PROJECT_ROOT, 'out/renderer/index.html');
  if (!existsSync(cli) || !existsSync(ui)) return true;
  const built = Math.min(statSync(cli).mtimeMs, statSync(ui).mtimeMs);
  return Math.max(newestMtime(join(PROJECT_ROOT, 'src-main')), newestMtime(join(PROJECT_ROOT, 'src-renderer'))) > built;
}

/**
 * Build out/ when it is missing, or also when stale (`ifStale`, the global setup's once-before-
 * the-tests check; tests themselves never rebuild under each other's feet).
 */
export function ensureBuilt(opts: { ifStale?: boolean } = {}): void {
  const missing = !existsSync(join(PROJECT_ROOT, 'out/main/cli.js')) || !existsSync(join(PROJECT_ROOT, 'out/renderer/index.html'));
  if (!missing && !(opts.ifStale && buildIsStale()) && !process.env.RPR_E2E_REBUILD) return;
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('electron-vite build failed');
}

export interface Served {
  url: string;
  origin: string;
  token: string;
  proc: ChildProcess;
  stderr: string[];
  stop(): Promise<void>;
}

export async function startServe(workspace: string, extraEnv: Record<string, string> = {}): Promise<Served> {
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'rpr-data-'));
  const proc = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), 'serve', '--workspace', workspace], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, RPR_DATA_DIR: dataDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    const rl = createInterface({ input: proc.stdout! });
    const timer = setTimeout(() => fail(new Error(`rpr serve printed no URL in 60 s: ${stderr.join('')}`)), 60_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      ok(line.trim());
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`rpr serve exited with ${code}: ${stderr.join('')}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    proc,
    stderr,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
