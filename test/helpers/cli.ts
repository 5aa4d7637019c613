/**
 * The built `rpr` command as a child process (tests of the CLI): `startRpr` gives the process
 * (to kill it part-way) and its outcome; `runRpr` only the outcome.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startRpr(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): { proc: ChildProcess; done: Promise<Ran> } {
  const proc = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Ran>((ok) => proc.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { proc, done };
}

export function runRpr(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return startRpr(args, opts).done;
}
