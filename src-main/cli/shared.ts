/**
 * Plumbing shared by the CLI commands: options, the services, output. The CLI is a client of
 * the contract: it parses arguments, calls `services.call` (validated like every transport's
 * call), follows jobs through the contract's events, and prints.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BackendName, JobKind } from '../contract/types';
import { formatProgressCount, formatRate } from '../contract/quantities';
import type { JobResultOf } from '../contract/job-results';
import { parseCall, type CallInput, type CallName } from '../contract/calls';
import { createPool, type EnginePool, type PoolOptions } from '../engine/pool';
import { forkHost } from '../engine/hosts';
import { createServices, type Services } from '../services/index';
import { defaultDataDir, defaultWorkspace } from '../services/paths';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** progress lines (stderr, rewritten in place on a TTY) */
  progress: (line: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parse(cmd: Command, argv: string[]): ParsedArgs {
  try {
    const r = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${cmd.usage}`);
  }
}

export function str(args: ParsedArgs, key: string): string | undefined {
  const v = args.values[key];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(args: ParsedArgs, key: string, cmd: Command): string {
  const v = str(args, key);
  if (!v) throw new UsageError(`--${key} is required\nusage: ${cmd.usage}`);
  return v;
}

export function int(args: ParsedArgs, key: string, fallback: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  const v = str(args, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${key} must be an integer in ${min}..${max}, got "${v}"`);
  return n;
}

export function num(args: ParsedArgs, key: string, fallback: number): number {
  const v = str(args, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got "${v}"`);
  return n;
}

export const workspaceOption = { workspace: { type: 'string' as const, short: 'w' } };
export const jsonOption = { json: { type: 'string' as const } };
export const engineOptions = { backend: { type: 'string' as const }, workers: { type: 'string' as const }, 'execution-provider': { type: 'string' as const }, threads: { type: 'string' as const } };

/**
 * A call's input built from option strings, checked against the contract's schema (the same
 * check and sentence as at the door: ContractError, exit 2) and typed by it.
 */
export function checked<N extends CallName>(name: N, input: Record<string, unknown>): CallInput<N> {
  // what a schema outputs is valid input to it (no call's schema transforms a value into another type)
  return parseCall<N>(name, input).args as CallInput<N>;
}

/** Services for a CLI run, with the workspace opened (created when missing) unless `workspace` is false. */
export async function cliServices(args: ParsedArgs, options: { workspace?: boolean } = {}): Promise<Services> {
  const dataDir = defaultDataDir();
  const backend = str(args, 'backend');
  if (backend !== undefined && !['onnxruntime', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UsageError(`--backend must be onnxruntime, tensorflow, wasm or cpu, got "${backend}"`);
  const workers = str(args, 'workers') === undefined ? undefined : int(args, 'workers', 1, 1, 256);
  const provider = str(args, 'execution-provider');
  if (provider !== undefined && !/^[a-z]{2,16}$/.test(provider)) throw new UsageError(`--execution-provider must be a provider name such as cpu or cuda, got "${provider}"`);
  const threads = str(args, 'threads') === undefined ? undefined : int(args, 'threads', 1, 1, 256);
  const basePool = enginePoolFactory(process.env.RPR_ENGINE_HOST);
  const createPoolFn =
    provider === undefined && threads === undefined
      ? basePool
      : (opts: PoolOptions) => (basePool ?? createPool)({ ...opts, ...(provider ? { executionProvider: provider } : {}), ...(threads ? { intraOpThreads: threads } : {}) });
  const services = createServices({ version: cliVersion(), dataDir, transport: 'loopback', backend: backend as BackendName | undefined, workers, ...(createPoolFn ? { createPool: createPoolFn } : {}) });
  if (options.workspace === false) return services;
  try {
    await openWorkspace(services, str(args, 'workspace'));
  } catch (err) {
    await services.close();
    throw err;
  }
  return services;
}

/** Open (create when missing) the workspace at `path`, by default the app's own in its data folder. */
export async function openWorkspace(services: Services, path: string | undefined): Promise<void> {
  await services.call('workspace.open', { path: resolve(path ?? defaultWorkspace(defaultDataDir())), create: true });
}

/**
 * Where the CLI's engine workers run, from RPR_ENGINE_HOST: unset, '' or 'thread' (default:
 * worker_threads), or 'fork' (child processes: a worker can crash, or be killed, alone).
 * Returns the pool factory for 'fork', undefined for the default.
 */
export function enginePoolFactory(value: string | undefined): ((opts: PoolOptions) => EnginePool) | undefined {
  if (value === undefined || value === '' || value === 'thread') return undefined;
  if (value === 'fork') return (opts) => createPool({ ...opts, host: forkHost() });
  throw new UsageError(`RPR_ENGINE_HOST must be "thread" or "fork", got "${value}"`);
}

export function cliVersion(): string {
  return process.env.npm_package_version ?? '0.1.0';
}

/** Write JSON atomically (temp then rename). */
export function writeJsonFile(path: string, value: unknown): void {
  const full = resolve(path);
  mkdirSync(dirname(full), { recursive: true });
  const tmp = `${full}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, full);
}

/** a duration as a clock for the progress line: m:ss or h:mm:ss ('--:--' when unknown) */
export function formatClock(ms: number | null): string {
  if (ms === null) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Run a job of `kind` to its end, printing its progress; its typed result, or the error its work threw. */
export async function followJob<K extends JobKind>(services: Services, kind: K, jobId: string, io: CliIo): Promise<JobResultOf<K>> {
  const off = services.on('job.progress', (p) => {
    if (p.jobId !== jobId) return;
    const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : '0.0';
    const rate = formatRate(p.rate, p.unit);
    const preds = p.metrics?.predictionsPerSec ? ` ${formatRate(p.metrics.predictionsPerSec, 'predictions')}` : '';
    io.progress(`${pct}% ${formatProgressCount(p.done, p.total, p.unit)}${rate ? ` ${rate}` : ''}${preds} ETA ${formatClock(p.etaMs)}${p.message ? ' ' + p.message : ''}`);
  });
  const onSigint = () => {
    io.err('cancelling…');
    void services.call('jobs.cancel', { jobId });
  };
  process.once('SIGINT', onSigint);
  try {
    return await services.outcome(jobId, kind);
  } finally {
    off();
    process.removeListener('SIGINT', onSigint);
  }
}
