/**
 * The state every service shares: the host, the event bus, the job manager and the open
 * workspace (one at a time).
 */
import type { BackendInfo } from '../contract/types';
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
    this.jobs = new JobManager(this.events);
  }

  get workspace(): Workspace | null {
    return this.ws;
  }

  /** The open workspace, or a clear error telling the user to open one. */
  requireWorkspace(): Workspace {
    if (!this.ws) throw new Error('no workspace is open: open or create one first');
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
      const opts = { size: this.host.workers, backend: this.host.backend };
      this.pool = this.host.createPool ? this.host.createPool(opts) : createPool(opts);
    }
    return this.pool;
  }

  async backendInfo(): Promise<BackendInfo> {
    const info = await this.engine().backendInfo();
    return { ...info, workers: this.engine().size };
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
