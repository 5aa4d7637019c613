/** Workspace and system calls. */
import type { CallArgs, CallResults } from '../contract/calls';
import { ConflictError, NotFoundError } from '../core/errors';
import type { JobInfo } from '../contract/types';
import { resolve } from 'node:path';
import { removeStaleTemps } from './export';
import type { ResumeSpec } from './jobs';
import { readRecent } from '../store/recent';
import { isWorkerCrash, type AppState } from './app-state';

function resumeSpecOf(params: unknown): ResumeSpec | null {
  const r = (params as { resume?: ResumeSpec } | null)?.resume;
  return r && typeof r.call === 'string' ? r : null;
}

/** `dispatch` runs a stored call again (validated like any other) to resume an interrupted job. */
export function workspaceHandlers(app: AppState, dispatch: (name: string, input: unknown) => Promise<unknown>) {
  /** jobs a dead process left running, and jobs whose engine worker died (kept as failed) */
  const interrupted = () => {
    const ws = app.workspace;
    if (!ws) return [];
    const crashed = ws.jobs.list().filter((j) => j.status === 'failed' && isWorkerCrash(j.error));
    return [...ws.jobs.interrupted(), ...crashed];
  };
  return {
    'system.info': async (): Promise<CallResults['system.info']> => ({
      version: app.host.version,
      dataDir: app.host.dataDir,
      transport: app.host.transport,
      backend: await app.backendInfo(),
    }),
    'system.setEngine': (a: CallArgs<'system.setEngine'>) => app.setEngine(a.backend, a.workers, a.executionProvider ?? null),
    'workspace.open': (a: CallArgs<'workspace.open'>) => app.open(a.path, a.create).info(),
    'workspace.current': () => app.workspace?.info() ?? null,
    'workspace.recent': () => readRecent(app.host.dataDir),
    'workspace.pickFolder': async (a: CallArgs<'workspace.pickFolder'>) => (app.host.dialogs ? app.host.dialogs.pickFolder(a.title) : null),
    'jobs.list': () => app.jobs.list(),
    'jobs.cancel': (a: CallArgs<'jobs.cancel'>) => ({ cancelled: app.jobs.cancel(a.jobId) }),
    'jobs.interrupted': (): JobInfo[] => interrupted().map(({ params, updatedAt: _u, ...info }) => ({ ...info, resumable: resumeSpecOf(params) !== null })),
    'jobs.resume': async (a: CallArgs<'jobs.resume'>) => {
      const ws = app.requireWorkspace();
      const job = interrupted().find((j) => j.id === a.jobId);
      if (!job) throw new NotFoundError(`job ${a.jobId} is not an interrupted job of this workspace`);
      const spec = resumeSpecOf(job.params);
      if (!spec) throw new ConflictError(`job ${job.title} cannot be resumed: start it again`);
      const started = (await dispatch(spec.call, spec.input)) as { jobId: string };
      ws.jobs.remove(job.id);
      return { jobId: started.jobId };
    },
    'jobs.dismiss': (a: CallArgs<'jobs.dismiss'>) => {
      const ws = app.requireWorkspace();
      const job = interrupted().find((j) => j.id === a.jobId);
      if (!job) return { dismissed: false };
      // an export killed mid-way left its temp folder: dismissing it must not keep that partial export
      const spec = resumeSpecOf(job.params);
      const target = (spec?.input as { path?: unknown } | undefined)?.path;
      if (spec?.call === 'curation.export' && typeof target === 'string') removeStaleTemps(resolve(target));
      return { dismissed: ws.jobs.remove(job.id) };
    },
  };
}
