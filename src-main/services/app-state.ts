/**
 * The state every service shares: the host, the event bus, the job manager and the open
 * workspace (one at a time).
 */
import type { BackendInfo, BackendName } from '../contract/types';
import { ConflictError } from '../core/errors';
import { availableParallelism } from 'node:os';
import { describeCalibration } from './calibration';
import { readSettings, writeSettings } from './settings';
import { createPool, type EnginePool } from '../engine/pool';
import type { ServiceHost } from './context';
import { EventBus } from './events';
import { JobManager } from './jobs';
import { openWorkspace, type Workspace } from '../store/workspace';
import { addRecent } from '../store/recent';

export class AppState {
  readonly events = new EventBus();
  readonly jobs: JobManager;
  private ws: Workspace | null = null;
  private pool: EnginePool | null = null;

  constructor(readonly host: ServiceHost) {
    // the jobs table holds the jobs in flight: a row left 'running' by a dead process, or a job
    // whose engine worker died under it, is offered for resume; any other end leaves nothing behind
    this.jobs = new JobManager(this.events, Date.now, 100, (info, resume) => {
      if (!this.ws) return;
      if (info.status === 'running') this.ws.jobs.upsert({ id: info.id, kind: info.kind, title: info.title, status: info.status, params: resume ? { resume } : undefined });
      else if (info.status === 'failed' && resume && isWorkerCrash(info.error)) this.ws.jobs.upsert({ id: info.id, kind: info.kind, title: info.title, status: 'failed', error: info.error });
      else this.ws.jobs.remove(info.id);
    });
  }

  get workspace(): Workspace | null {
    return this.ws;
  }

  /** The open workspace, or a clear error telling the user to open one. */
  requireWorkspace(): Workspace {
    if (!this.ws) throw new ConflictError('no workspace is open: open or create one first');
    return this.ws;
  }

  open(path: string, create: boolean): Workspace {
    const next = openWorkspace(path, { create });
    if (this.ws && this.ws !== next) {
      this.jobs.cancelAll();
      this.ws.close();
    }
    this.ws = next;
    try {
      addRecent(this.host.dataDir, next.path);
    } catch {
      // the recent list is a convenience; never fail an open on it
    }
    this.events.emit('workspace.changed', next.info());
    return next;
  }

  /** The engine worker pool, started on first use. */
  engine(): EnginePool {
    if (!this.pool) {
      // explicit host options (CLI flags) win over the saved settings
      const saved = readSettings(this.host.dataDir);
      // the calibration is ONNX Runtime's: it applies unless the workers or a TF.js backend were chosen
      const tfForced = (this.host.backend ?? saved.backend ?? 'onnxruntime') !== 'onnxruntime';
      const cal = this.host.workers === undefined && saved.workers === undefined && !tfForced ? saved.calibration : undefined;
      const opts = {
        size: this.host.workers ?? saved.workers ?? cal?.workers,
        backend: this.host.backend ?? saved.backend,
        // ONNX Runtime: the provider chosen in the settings, the calibrated threads per worker
        ...(saved.executionProvider ? { executionProvider: saved.executionProvider } : {}),
        ...(cal ? { intraOpThreads: cal.threads } : {}),
      };
      // ONNX Runtime threads per worker: calibrated, else the cores shared among the workers
      if (!cal && !tfForced) Object.assign(opts, { intraOpThreads: Math.max(1, Math.floor(availableParallelism() / (opts.size ?? availableParallelism()))) });
      this.pool = this.host.createPool ? this.host.createPool(opts) : createPool(opts);
    }
    return this.pool;
  }

  /** Restart the engine with other settings, saved for later runs; a backend that cannot start is refused. */
  async setEngine(backend: BackendName | 'auto', workers: number | null, executionProvider: string | null = null): Promise<BackendInfo> {
    if (this.jobs.list().some((j) => j.status === 'running')) throw new ConflictError('wait for the running jobs to finish (or cancel them) before changing the engine');
    const previous = readSettings(this.host.dataDir);
    const restart = async () => {
      const pool = this.pool;
      this.pool = null;
      await pool?.close();
    };
    writeSettings(this.host.dataDir, {
      ...(backend === 'auto' ? {} : { backend }),
      ...(workers === null ? {} : { workers }),
      ...(executionProvider ? { executionProvider } : {}),
      ...(previous.calibration ? { calibration: previous.calibration } : {}),
    });
    this.host.backend = undefined;
    this.host.workers = undefined;
    await restart();
    try {
      return await this.backendInfo();
    } catch (err) {
      writeSettings(this.host.dataDir, previous);
      await restart();
      throw new ConflictError(`cannot switch the engine to ${backend}: ${(err as Error).message}`);
    }
  }

  async backendInfo(): Promise<BackendInfo> {
    const info = await this.engine().backendInfo();
    const cal = readSettings(this.host.dataDir).calibration;
    return { ...info, workers: this.engine().size, ...(cal && info.name === 'onnxruntime' ? { calibration: describeCalibration(cal) } : {}) };
  }

  /** Close the engine pool; the next use starts one with the saved settings. */
  async restartEngine(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  async close(): Promise<void> {
    this.jobs.cancelAll();
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
    this.ws?.close();
    this.ws = null;
  }
}

/** A job that failed because its engine worker died (a crash or a kill), not because of its input. */
export function isWorkerCrash(error: string | undefined): boolean {
  return !!error && /engine worker (exited unexpectedly|failed to start)/.test(error);
}
