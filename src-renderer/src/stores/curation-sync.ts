/**
 * Where the curation's edits are kept: the workspace, per dataset split. Tracks the open run's
 * split (loaded in the background), queues writes so they apply in order and only to the run
 * they were made on, moves old localStorage drafts into the workspace once, and remembers which
 * runs already held edits when opened.
 */
import type { Ref } from 'vue';
import type { CurationRules, OverrideMode } from '../../../src-main/contract';
import { useClient } from '../api';
import { migrateLocalDrafts, overridesRecord, splitOfRun } from './curation-overrides';
import type { useNotify } from './notify';

/** A dataset split: the place a run's overrides belong to. */
export interface SplitRef {
  datasetId: string;
  split: string;
}

/** What a run's stored state holds when it opens. */
export type OnStored = (overrides: Record<number, OverrideMode>, rules: CurationRules | undefined) => void;

export function useWorkspaceSync(runId: Ref<string | null>, notify: ReturnType<typeof useNotify>) {
  /** the run's dataset split, once known; edits wait for it and for each other (in order) */
  let where: Promise<SplitRef | null> = Promise.resolve(null);
  let writes: Promise<unknown> = Promise.resolve();
  let migrated: Promise<unknown> | null = null;
  /** runs whose workspace state held edits when loaded */
  const drafts = new Set<string>();

  /** Move old localStorage drafts into the workspace (once; later calls get the same promise). */
  function migrate(): Promise<unknown> {
    migrated ??= migrateLocalDrafts(useClient(), typeof localStorage === 'undefined' ? undefined : localStorage, (m) => notify.push('error', m));
    return migrated;
  }

  /** Queue a write to the workspace (edits apply in order; the preview waits for them). */
  function queue(what: string, write: (at: SplitRef) => Promise<unknown>): void {
    const runAt = runId.value;
    writes = writes
      .then(() => where)
      .then((at) => (at && runAt === runId.value ? write(at) : null))
      .catch((e) => notify.error(e, what));
  }

  /** Every write queued so far has been tried. */
  function settled(): Promise<unknown> {
    return writes;
  }

  /** Open a run (or none): its split and stored state load in the background, then `onStored`. */
  function open(id: string | null, onStored: OnStored): void {
    where = id ? load(id, onStored) : Promise.resolve(null);
  }

  async function load(id: string, onStored: OnStored): Promise<SplitRef | null> {
    await migrated;
    const at = await notify.guard('curation overrides', () => splitOfRun(useClient(), id));
    if (!at || runId.value !== id) return at ?? null;
    const st = await notify.guard('curation overrides', () => useClient().call('curation.overrides', at));
    if (st && runId.value === id) {
      const stored = overridesRecord(st);
      onStored(stored, st.rules[id]);
      // edits of this run kept in the workspace (a recipe loaded after a reload does not replace them)
      if (st.rules[id] || Object.keys(stored).length > 0) drafts.add(id);
    }
    return at;
  }

  /** Run `step` once the open run's state has loaded (in order with earlier steps); `at` is null without a run. */
  function afterOpen(step: (at: SplitRef | null) => void): void {
    where = where.then((at) => {
      step(at);
      return at;
    });
  }

  /** Whether this run held edits in the workspace when it was opened. */
  function hasDraft(id: string): boolean {
    return drafts.has(id);
  }

  return { migrate, queue, settled, open, afterOpen, hasDraft };
}
