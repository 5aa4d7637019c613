/**
 * Long jobs: each runs off the caller's path, streams throttled progress (done/total, rate,
 * ETA) as events, can be cancelled, and ends in exactly one job.finished event.
 */
import { randomBytes } from 'node:crypto';
import type { JobFinished, JobInfo, JobKind, JobProgress } from '../contract/types';
import type { JobResultOf } from '../contract/job-results';
import { CancelledError, NotFoundError } from '../core/errors';
import { etaMs, startProgress, updateProgress, type ProgressState } from '../core/progress';
import type { EventBus } from './events';

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** `etaMs` overrides the ETA estimated from the done/total rate (work that knows better) */
  progress(done: number, total: number, extra?: { unit?: string; message?: string; metrics?: Record<string, number>; etaMs?: number | null }): void;
}

/** How to run a job again after a crash: the call (and its input) that started it. */
export interface ResumeSpec {
  call: string;
  input: unknown;
}

/** Persist a job's state (the workspace's jobs table); errors there never break the work. */
export type JobPersist = (info: JobInfo, resume: ResumeSpec | undefined) => void;

interface Running {
  info: JobInfo;
  controller: AbortController;
  done: Promise<unknown>;
  /** what the work threw, with its class (the CLI's exit code and the transports classify it) */
  error?: unknown;
}

export class JobManager {
  private readonly jobs = new Map<string, Running>();

  constructor(
    private readonly events: EventBus,
    private readonly now: () => number = Date.now,
    private readonly throttleMs = 100,
    private readonly persist: JobPersist = () => undefined,
  ) {}

  /**
   * Start a job of `kind` whose work must end with that kind's result (contract/job-results.ts),
   * so whoever follows it (`outcome`, a client's job.finished) gets that type. Services start jobs here.
   */
  launch<K extends JobKind>(kind: K, title: string, run: (ctx: JobContext) => Promise<JobResultOf<K>>, resume?: ResumeSpec): { jobId: string; done: Promise<JobResultOf<K>> } {
    return this.start(kind, title, run, resume);
  }

  /** Start a job with any result (tests; services use `launch`, which types the result by the kind). */
  start<T>(kind: JobKind, title: string, run: (ctx: JobContext) => Promise<T>, resume?: ResumeSpec): { jobId: string; done: Promise<T> } {
    const jobId = `job_${randomBytes(6).toString('hex')}`;
    const controller = new AbortController();
    const info: JobInfo = { id: jobId, kind, title, status: 'running', createdAt: new Date(this.now()).toISOString() };
    let state: ProgressState = startProgress(this.now());
    let lastEmit = 0;
    const ctx: JobContext = {
      jobId,
      signal: controller.signal,
      progress: (done, total, extra) => {
        const t = this.now();
        state = updateProgress(state, t, done);
        if (t - lastEmit < this.throttleMs && done < total) return;
        lastEmit = t;
        const p: JobProgress = {
          jobId,
          kind,
          done,
          total,
          rate: state.rate,
          unit: extra?.unit ?? 'items',
          etaMs: extra?.etaMs !== undefined ? extra.etaMs : etaMs(state, done, total),
          message: extra?.message,
          metrics: extra?.metrics,
        };
        this.events.emit('job.progress', p);
      },
    };
    const save = () => {
      try {
        this.persist({ ...info }, resume);
      } catch {
        // the workspace may be closing; the job's own results are committed by the work itself
      }
    };
    save();
    this.events.emit('job.started', info);
    const done = (async () => {
      // yield once so the caller gets its job id before the first event of the work
      await Promise.resolve();
      return run(ctx);
    })();
    const finish = (f: { status: JobFinished['status']; error?: string; result?: T }) => {
      info.status = f.status;
      if (f.error) info.error = f.error;
      if (f.result !== undefined) info.result = f.result;
      save();
      // `launch` typed the result by the kind (TypeScript cannot pick the union member for a generic kind)
      this.events.emit('job.finished', { jobId, kind, ...f } as JobFinished);
    };
    done.then(
      (result) => finish({ status: 'done', result }),
      (err: unknown) => {
        const running = this.jobs.get(jobId);
        if (running) running.error = err;
        if (err instanceof CancelledError || controller.signal.aborted) finish({ status: 'cancelled', error: errorMessage(err) });
        else finish({ status: 'failed', error: errorMessage(err) });
      },
    );
    this.jobs.set(jobId, { info, controller, done });
    return { jobId, done };
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.info.status !== 'running') return false;
    job.controller.abort(new CancelledError());
    return true;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  /** Resolves when the job ends (never rejects); for the CLI and tests. */
  async settle(jobId: string): Promise<JobInfo> {
    const job = this.jobs.get(jobId);
    if (!job) throw new NotFoundError(`unknown job ${jobId}`);
    await job.done.catch(() => undefined);
    await Promise.resolve();
    return { ...job.info };
  }

  /**
   * Wait for a job of `kind` to end: its typed result, or the error its work threw (class kept,
   * so the CLI exits by it), or CancelledError when it was cancelled.
   */
  async outcome<K extends JobKind>(jobId: string, kind: K): Promise<JobResultOf<K>> {
    const job = this.jobs.get(jobId);
    if (!job) throw new NotFoundError(`unknown job ${jobId}`);
    if (job.info.kind !== kind) throw new Error(`job ${jobId} is a ${job.info.kind} job, not a ${kind} job`);
    const info = await this.settle(jobId);
    if (info.status === 'failed') throw job.error ?? new Error(info.error ?? 'job failed');
    if (info.status === 'cancelled') throw new CancelledError();
    // the kind was checked above, and `launch` typed the work's result by its kind
    return job.done as Promise<JobResultOf<K>>;
  }

  /** The error a failed (or cancelled) job ended with, as thrown; undefined otherwise. */
  errorOf(jobId: string): unknown {
    return this.jobs.get(jobId)?.error;
  }

  cancelAll(): void {
    for (const id of this.jobs.keys()) this.cancel(id);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
