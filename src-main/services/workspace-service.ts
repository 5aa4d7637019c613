/** Workspace and system calls. */
import type { CallArgs, CallResults } from '../contract/calls';
import { readRecent } from '../store/recent';
import type { AppState } from './app-state';

export function workspaceHandlers(app: AppState) {
  return {
    'system.info': async (): Promise<CallResults['system.info']> => ({
      version: app.host.version,
      dataDir: app.host.dataDir,
      transport: app.host.transport,
      backend: await app.backendInfo(),
    }),
    'system.setEngine': (a: CallArgs<'system.setEngine'>) => app.setEngine(a.backend, a.workers),
    'workspace.open': (a: CallArgs<'workspace.open'>) => app.open(a.path, a.create).info(),
    'workspace.current': () => app.workspace?.info() ?? null,
    'workspace.recent': () => readRecent(app.host.dataDir),
    'workspace.pickFolder': async (a: CallArgs<'workspace.pickFolder'>) => (app.host.dialogs ? app.host.dialogs.pickFolder(a.title) : null),
    'jobs.list': () => app.jobs.list(),
    'jobs.cancel': (a: CallArgs<'jobs.cancel'>) => ({ cancelled: app.jobs.cancel(a.jobId) }),
  };
}
