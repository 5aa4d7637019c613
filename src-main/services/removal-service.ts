/**
 * Delete and rename datasets, models, scoring runs and curated sets (issue 12). A removal takes
 * what depends on it (listed first by `workspace.dependents`, the dry run) and is refused while
 * a job of this app uses any of it; the store makes it all or nothing.
 */
import type { CallArgs, CallResults } from '../contract/calls';
import type { ItemKind, ItemRef, RemovalPlan, RemovalResult } from '../contract/types';
import { InputError } from '../core/errors';
import type { StorePlan } from '../store/removal';
import type { AppState } from './app-state';

const WHAT: Record<ItemKind, string> = { dataset: 'dataset', model: 'model', run: 'scoring run', curated: 'curated set' };

/** the running job of this app that uses any of the plan's items, as a sentence, or null */
function blockedBy(app: AppState, p: StorePlan): string | null {
  const ws = app.requireWorkspace();
  const ids = [...p.ids.datasets, ...p.ids.models, ...p.ids.runs, ...p.ids.sets];
  for (const job of app.jobs.list()) {
    if (job.status !== 'running' && job.status !== 'queued') continue;
    let params = '';
    try {
      params = JSON.stringify(ws.jobs.get(job.id).params ?? '');
    } catch {
      continue; // not persisted: uses nothing a removal could take
    }
    if (ids.some((id) => params.includes(JSON.stringify(id)))) {
      return `"${job.title}" is running and uses ${p.target.kind === 'run' ? 'this run' : `this ${WHAT[p.target.kind]} or what depends on it`}: cancel it or let it finish first`;
    }
  }
  return null;
}

function publicPlan(p: StorePlan, blocked: string | null): RemovalPlan {
  return { target: p.target, removes: p.removes, affects: p.affects, bytes: p.bytes, blocked };
}

export function planRemoval(app: AppState, kind: ItemKind, id: string): RemovalPlan {
  const p = app.requireWorkspace().removal.plan(kind, id);
  return publicPlan(p, blockedBy(app, p));
}

export function removeItem(app: AppState, kind: ItemKind, id: string): RemovalResult {
  const ws = app.requireWorkspace();
  const p = ws.removal.plan(kind, id);
  const blocked = blockedBy(app, p);
  if (blocked) throw new InputError(`${WHAT[kind]} ${p.target.name}`, `cannot be deleted now: ${blocked}`);
  const { plan, freedBytes } = ws.removal.remove(kind, id);
  // every list that may have lost an item
  if (plan.ids.datasets.length) app.events.emit('datasets.changed', { datasets: ws.datasets.list() });
  if (plan.ids.models.length || plan.affects.length) app.events.emit('models.changed', {});
  for (const setId of plan.ids.sets) app.events.emit('curation.changed', { setId });
  return { removed: true, target: plan.target, removedItems: [plan.target, ...plan.removes], freedBytes };
}

export function renameItem(app: AppState, kind: ItemKind, id: string, name: string): ItemRef {
  const ws = app.requireWorkspace();
  const ref = ws.removal.rename(kind, id, name);
  if (kind === 'dataset') app.events.emit('datasets.changed', { datasets: ws.datasets.list() });
  if (kind === 'model') app.events.emit('models.changed', {});
  if (kind === 'run') app.events.emit('scoring.changed', { runId: id });
  if (kind === 'curated') app.events.emit('curation.changed', { setId: id });
  return ref;
}

export function removalHandlers(app: AppState) {
  return {
    'workspace.dependents': (a: CallArgs<'workspace.dependents'>): CallResults['workspace.dependents'] => planRemoval(app, a.kind, a.id),
    'datasets.remove': (a: CallArgs<'datasets.remove'>) => removeItem(app, 'dataset', a.datasetId),
    'models.remove': (a: CallArgs<'models.remove'>) => removeItem(app, 'model', a.modelId),
    'scoring.remove': (a: CallArgs<'scoring.remove'>) => removeItem(app, 'run', a.runId),
    'curation.remove': (a: CallArgs<'curation.remove'>) => removeItem(app, 'curated', a.setId),
    'datasets.rename': (a: CallArgs<'datasets.rename'>) => renameItem(app, 'dataset', a.datasetId, a.name),
    'models.rename': (a: CallArgs<'models.rename'>) => renameItem(app, 'model', a.modelId, a.name),
    'scoring.rename': (a: CallArgs<'scoring.rename'>) => renameItem(app, 'run', a.runId, a.name),
    'curation.rename': (a: CallArgs<'curation.rename'>) => renameItem(app, 'curated', a.setId, a.name),
  };
}
