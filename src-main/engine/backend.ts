/**
 * The engine's backend ladder: onnxruntime → tensorflow (tfjs-node-gpu, then tfjs-node) → wasm → cpu.
 * onnxruntime runs inference only: beside it the best TF.js backend is started too (training,
 * and scoring models that have no ONNX graph). BackendInfo names both (`tfjsBackend`) and
 * ONNX Runtime's execution provider (`executionProvider`).
 *
 * Importing this module starts nothing: `initBackend` does the work on first call and is
 * idempotent (concurrent and repeated calls share one result). On wasm it points the
 * loader at the package's .wasm files (resolved from node_modules, so it works from the
 * sources under vitest/tsx and from the bundle in out/main) and registers the training
 * kernels the backend lacks.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BackendInfo, BackendName } from '../contract/types';

export type TfNamespace = typeof tf;

export interface InitBackendOptions {
  /** use exactly this backend; an unavailable one is an error instead of a fall-through */
  force?: BackendName;
  /** ONNX Runtime execution provider ('cpu', 'cuda'…); default: the best the build has */
  executionProvider?: string;
}

/** A forced backend cannot run here. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    super(`backend "${backend}" was requested but is unavailable: ${reason}`);
  }
}

const TF_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const BACKENDS: readonly BackendName[] = ['onnxruntime', ...TF_BACKENDS];

type Attempt = { ok: true } | { ok: false; reason: string };

let current: BackendInfo | null = null;
let pending: { key: string; promise: Promise<BackendInfo>; settled: BackendInfo | null } | null = null;
const attempts = new Map<BackendName, Promise<Attempt>>();

/** The TF.js namespace every engine module should use (one copy of the registry). */
export function getTf(): TfNamespace {
  return tf;
}

/** The backend initBackend settled on, or null before it has run. */
export function currentBackend(): BackendInfo | null {
  return current ? { ...current, unavailable: { ...current.unavailable } } : null;
}

export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const force = opts.force;
  if (force !== undefined && !BACKENDS.includes(force)) {
    return Promise.reject(new Error(`unknown backend "${String(force)}": expected one of ${BACKENDS.join(', ')}`));
  }
  const key = `${force ?? 'auto'}/${opts.executionProvider ?? ''}`;
  // production mode: no debug checks, and no "install tfjs-node" banner on stdout/stderr for
  // every worker (the status bar and `rpr` already say which backend runs and why)
  if (!tf.env().getBool('PROD')) tf.env().set('PROD', true);
  // same request again: share the first answer, unless someone switched backends since
  if (pending && pending.key === key && (pending.settled === null || tf.getBackend() === pending.settled.name)) {
    return pending.promise;
  }
  const promise = choose(force, opts.executionProvider);
  const entry: NonNullable<typeof pending> = { key, promise, settled: null };
  pending = entry;
  promise.then(
    (info) => {
      entry.settled = info;
    },
    () => {
      if (pending === entry) pending = null;
    },
  );
  return promise;
}

/** The backend inference runs on ('onnxruntime' when ONNX Runtime is up, else the TF.js one). */
export function inferenceBackend(): { name: BackendName; executionProvider?: string } {
  if (current?.name === 'onnxruntime') return { name: 'onnxruntime', executionProvider: current.executionProvider };
  return { name: tf.getBackend() as BackendName };
}

async function choose(force: BackendName | undefined, provider: string | undefined): Promise<BackendInfo> {
  const unavailable: Partial<Record<BackendName, string>> = {};
  let ort: { provider: string } | null = null;
  if (force === undefined || force === 'onnxruntime') {
    try {
      const { loadOrt } = await import('./onnx/runtime');
      ort = { provider: loadOrt(provider).provider };
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      const reason = /execution provider/.test(msg) ? msg : describeLoadError('onnxruntime-node', err);
      if (force) throw new BackendUnavailableError('onnxruntime', reason);
      unavailable.onnxruntime = reason;
    }
  }
  const ladder = force && force !== 'onnxruntime' ? [force] : TF_BACKENDS;
  for (const name of ladder) {
    const attempt = await tryBackend(name);
    if (attempt.ok && (await activate(name))) {
      current = ort
        ? { name: 'onnxruntime', executionProvider: ort.provider, tfjsBackend: name, unavailable, forced: force !== undefined, workers: 1 }
        : { name, unavailable, forced: force !== undefined, workers: 1 };
      return currentBackend() as BackendInfo;
    }
    const reason = attempt.ok ? `${name} backend failed to initialise` : attempt.reason;
    if (force && force !== 'onnxruntime') throw new BackendUnavailableError(name, reason);
    unavailable[name] = reason;
  }
  throw new Error(`no TF.js backend could start: ${Object.entries(unavailable).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
}

/** Make `name` the active backend (initialising it once); false when it cannot start. */
async function activate(name: BackendName): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

function tryBackend(name: BackendName): Promise<Attempt> {
  let attempt = attempts.get(name);
  if (!attempt) {
    attempt = name === 'tensorflow' ? loadTensorflow() : name === 'wasm' ? loadWasm() : Promise.resolve({ ok: true } as Attempt);
    attempts.set(name, attempt);
  }
  return attempt;
}

/** tfjs-node-gpu, then tfjs-node: each registers the 'tensorflow' backend when it loads. */
async function loadTensorflow(): Promise<Attempt> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg);
      if (tf.findBackendFactory('tensorflow')) return { ok: true };
      reasons.push(`${pkg} loaded but registered no "tensorflow" backend (a second copy of @tensorflow/tfjs?)`);
    } catch (err) {
      reasons.push(describeLoadError(pkg, err));
    }
  }
  return { ok: false, reason: reasons.join('; ') };
}

export function describeLoadError(pkg: string, err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  const notFound = (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && message.includes(pkg);
  return notFound ? `${pkg} not installed` : `${pkg} failed to load: ${message.split('\n')[0]}`;
}

async function loadWasm(): Promise<Attempt> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmTrainingKernels } = await import('./wasm-kernels/index');
    try {
      wasm.setWasmPaths(wasmDistFolder());
    } catch (err) {
      // setWasmPaths refuses once the backend is up; the paths it would set are then moot
      if (!/already initialized/i.test(String((err as Error)?.message ?? err))) throw err;
    }
    registerWasmTrainingKernels();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: describeLoadError('@tensorflow/tfjs-backend-wasm', err) };
  }
}

/** The folder holding tfjs-backend-wasm*.wasm, with a trailing separator (setWasmPaths wants a prefix). */
export function wasmDistFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
}
