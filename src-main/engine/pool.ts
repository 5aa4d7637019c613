/**
 * The engine worker pool: one worker per core by default, jobs queued FIFO, progress and
 * partial results forwarded, cancellation propagated (and enforced by killing a worker that
 * ignores it), a worker that dies mid-job rejects that job with a clear error, never hangs.
 * `runScore` splits a score job's tasks round-robin over the workers and merges the results:
 * RPR results depend only on (seed, split, index, step), so the split never changes them.
 */
import { availableParallelism } from 'node:os';
import type { BackendInfo, BackendName } from '../contract/types';
import { CancelledError, InputError } from '../core/errors';
import { type WorkerExit, type WorkerHandle, type WorkerHost, threadHost } from './hosts';
import type { EngineJob, ImageResult, JobOf, ProgressPayload, ResultOf, ScoreJobResult, WorkerMessage } from './protocol';
import { describeJob, isWorkerMessage } from './protocol';

export interface PoolOptions {
  /** workers (default os.availableParallelism()) */
  size?: number;
  /** force a backend in every worker (default: the best available) */
  backend?: BackendName;
  /** ONNX Runtime execution provider (default: the best the build has) */
  executionProvider?: string;
  /** ONNX Runtime intra-op threads per worker (default: ONNX Runtime's own) */
  intraOpThreads?: number;
  /** default: node:worker_threads */
  host?: WorkerHost;
  /** after a cancel, how long a worker may take to stop before it is killed (default 10 s) */
  cancelGraceMs?: number;
}

export interface RunOptions {
  onProgress?: (p: ProgressPayload) => void;
  onPartial?: (results: ImageResult[]) => void;
  signal?: AbortSignal;
}

export interface EnginePool {
  readonly size: number;
  run<J extends EngineJob>(job: J, opts?: RunOptions): Promise<ResultOf<J>>;
  /** a score job split over up to `size` workers (round-robin by task position), merged */
  runScore(job: JobOf<'score'>, opts?: RunOptions): Promise<ScoreJobResult>;
  /** the backend the workers run (starts one worker if none runs) */
  backendInfo(): Promise<BackendInfo>;
  close(): Promise<void>;
}

interface Pending {
  jobId: string;
  job: EngineJob;
  opts: RunOptions;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
  settled: boolean;
  slot: Slot | null;
  cleanup: () => void;
}

interface Slot {
  handle: WorkerHandle;
  ready: Promise<BackendInfo>;
  job: Pending | null;
  dead: boolean;
  exited: Promise<void>;
}

function rebuildError(m: Extract<WorkerMessage, { type: 'error' }>): Error {
  if (m.name === 'InputError' && m.file !== undefined && m.problem !== undefined) return new InputError(m.file, m.problem, m.kind);
  if (m.name === 'CancelledError') return new CancelledError(m.message);
  const e = new Error(m.message);
  e.name = m.name || 'Error';
  return e;
}

function describeExit(e: WorkerExit): string {
  return [e.code !== null ? `code ${e.code}` : null, e.signal ? `signal ${e.signal}` : null].filter(Boolean).join(', ') || 'no exit code';
}

let jobCounter = 0;

export function createPool(opts: PoolOptions = {}): EnginePool {
  const size = Math.max(1, Math.floor(opts.size ?? availableParallelism()));
  const host = opts.host ?? threadHost();
  const grace = opts.cancelGraceMs ?? 10_000;
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let closed = false;

  const settle = (p: Pending, err: Error | null, result?: unknown): void => {
    if (p.settled) return;
    p.settled = true;
    p.cleanup();
    if (p.slot && p.slot.job === p) p.slot.job = null;
    if (err) p.reject(err);
    else p.resolve(result);
    queueMicrotask(pump);
  };

  function spawnSlot(): Slot {
    const handle = host.spawn();
    let resolveReady!: (b: BackendInfo) => void;
    let rejectReady!: (e: Error) => void;
    const ready = new Promise<BackendInfo>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    ready.catch(() => undefined);
    let resolveExit!: () => void;
    const exited = new Promise<void>((r) => (resolveExit = r));
    const slot: Slot = { handle, ready, job: null, dead: false, exited };
    let lastError: Error | null = null;

    handle.on('message', (m: WorkerMessage) => {
      if (!isWorkerMessage(m)) return;
      if (m.type === 'ready') {
        resolveReady(m.backend);
        return;
      }
      if (m.type === 'error' && m.jobId === null) {
        const e = new Error(`engine worker failed to start: ${m.message}`);
        rejectReady(e);
        if (slot.job) settle(slot.job, e);
        handle.kill();
        return;
      }
      const p = slot.job;
      if (!p || p.jobId !== m.jobId) return;
      switch (m.type) {
        case 'progress': {
          const { jobId: _j, ...rest } = m;
          p.opts.onProgress?.({ jobId: p.jobId, ...rest });
          break;
        }
        case 'partial':
          p.opts.onPartial?.(m.results);
          break;
        case 'result':
          settle(p, null, m.result);
          break;
        case 'error':
          settle(p, rebuildError(m));
          break;
      }
    });
    handle.on('error', (e: Error) => {
      lastError = e;
    });
    handle.on('exit', (e: WorkerExit) => {
      slot.dead = true;
      const i = slots.indexOf(slot);
      if (i >= 0) slots.splice(i, 1);
      const why = `engine worker exited unexpectedly (${describeExit(e)}${lastError ? `: ${lastError.message}` : ''})`;
      rejectReady(new Error(why));
      if (slot.job) settle(slot.job, closed ? new Error('engine pool closed') : new Error(`${why} during ${describeJob(slot.job.job)}`));
      resolveExit();
    });
    handle.postMessage({
      type: 'init',
      ...(opts.backend ? { backend: opts.backend } : {}),
      workers: size,
      ...(opts.executionProvider ? { executionProvider: opts.executionProvider } : {}),
      ...(opts.intraOpThreads ? { intraOpThreads: opts.intraOpThreads } : {}),
    });
    slots.push(slot);
    return slot;
  }

  function assign(slot: Slot, p: Pending): void {
    slot.job = p;
    p.slot = slot;
    slot.ready.then(
      () => {
        if (p.settled || slot.dead) return;
        slot.handle.postMessage({ type: 'start', jobId: p.jobId, job: p.job });
      },
      (e: Error) => settle(p, e),
    );
  }

  function pump(): void {
    while (queue.length && !closed) {
      let slot = slots.find((s) => !s.dead && !s.job);
      if (!slot) {
        if (slots.length >= size) return;
        slot = spawnSlot();
      }
      const p = queue.shift() as Pending;
      if (p.settled) continue;
      assign(slot, p);
    }
  }

  function run<J extends EngineJob>(job: J, ro: RunOptions = {}): Promise<ResultOf<J>> {
    if (closed) return Promise.reject(new Error('engine pool closed'));
    if (ro.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<ResultOf<J>>((resolve, reject) => {
      const jobId = `job-${process.pid}-${++jobCounter}`;
      let killTimer: ReturnType<typeof setTimeout> | null = null;
      const onAbort = (): void => {
        if (p.settled) return;
        if (!p.slot) {
          settle(p, new CancelledError());
          return;
        }
        const slot = p.slot;
        slot.handle.postMessage({ type: 'cancel', jobId });
        killTimer = setTimeout(() => {
          if (p.settled) return;
          settle(p, new CancelledError(`cancelled (the engine worker did not stop within ${grace} ms and was killed)`));
          slot.handle.kill();
        }, grace);
      };
      const p: Pending = {
        jobId,
        job,
        opts: ro,
        resolve: resolve as (r: unknown) => void,
        reject,
        settled: false,
        slot: null,
        cleanup: () => {
          ro.signal?.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
        },
      };
      ro.signal?.addEventListener('abort', onAbort);
      queue.push(p);
      pump();
    });
  }

  async function runScore(job: JobOf<'score'>, ro: RunOptions = {}): Promise<ScoreJobResult> {
    const t0 = performance.now();
    const n = Math.max(1, Math.min(size, job.tasks.length));
    if (n === 1) return run(job, ro);
    const parts = Array.from({ length: n }, (_, w) => job.tasks.filter((_t, i) => i % n === w));
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    ro.signal?.addEventListener('abort', onAbort);
    const last: (ProgressPayload | null)[] = parts.map(() => null);
    const merged = (): ProgressPayload => {
      const ps = last.filter((p): p is ProgressPayload => p !== null);
      const total = parts.reduce((a, t) => a + t.length, 0);
      const done = ps.reduce((a, p) => a + p.done, 0);
      const etas = ps.map((p) => p.etaMs);
      return {
        jobId: ps[0]?.jobId ?? '',
        done,
        total,
        rate: ps.reduce((a, p) => a + p.rate, 0),
        unit: ps[0]?.unit ?? 'predictions',
        etaMs: ps.length < n || etas.some((e) => e === null) ? null : Math.max(...(etas as number[])),
        metrics: { predictions: ps.reduce((a, p) => a + (p.metrics?.predictions ?? 0), 0) },
      };
    };
    try {
      // every part settles before the job does: no partial result arrives after a failure or cancel
      const settled = await Promise.allSettled(
        parts.map((tasks, w) =>
          run(
            { ...job, tasks },
            {
              signal: inner.signal,
              onPartial: ro.onPartial,
              onProgress: (p) => {
                last[w] = p;
                ro.onProgress?.(merged());
              },
            },
          ).catch((e: Error) => {
            inner.abort();
            throw e;
          }),
        ),
      );
      const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      if (errors.length) throw errors.find((e) => !(e instanceof CancelledError)) ?? errors[0];
      const outs = settled.map((r) => (r as PromiseFulfilledResult<ScoreJobResult>).value);
      const results = outs.flatMap((o) => o.results).sort((a, b) => a.index - b.index);
      const { backend, executionProvider, fallback } = outs[0];
      return { results, predictions: outs.reduce((a, o) => a + o.predictions, 0), elapsedMs: performance.now() - t0, backend, ...(executionProvider ? { executionProvider } : {}), ...(fallback ? { fallback } : {}) };
    } finally {
      ro.signal?.removeEventListener('abort', onAbort);
    }
  }

  async function backendInfo(): Promise<BackendInfo> {
    if (closed) throw new Error('engine pool closed');
    const slot = slots.find((s) => !s.dead) ?? spawnSlot();
    return slot.ready;
  }

  async function close(): Promise<void> {
    closed = true;
    for (const p of queue.splice(0)) settle(p, new Error('engine pool closed'));
    const exits = slots.map((s) => s.exited);
    for (const s of [...slots]) s.handle.kill();
    await Promise.all(exits);
  }

  return { size, run, runScore, backendInfo, close };
}
