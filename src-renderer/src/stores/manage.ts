import { defineStore } from 'pinia';
import { formatBytes } from '../../../src-main/contract/quantities';
import { ref } from 'vue';
import type { ItemKind, ItemRef, RemovalPlan, RemovalResult } from '../../../src-main/contract';
import { useClient } from '../api';
import { useCuration } from './curation';
import { useDatasets } from './datasets';
import { useModels } from './models';
import { useNotify } from './notify';
import { useScoring } from './scoring';

export const KIND_WORD: Record<ItemKind, string> = { dataset: 'dataset', model: 'model', run: 'scoring run', curated: 'curated set' };

export { formatBytes };

/**
 * Delete and rename datasets, models, scoring runs and curated sets: the dry run of a removal
 * (what goes with it, what is affected, the space it frees), the removal, the rename; every
 * list that may change is refreshed after.
 */
export const useManage = defineStore('manage', () => {
  const notify = useNotify();
  /** the removal being confirmed */
  const pending = ref<RemovalPlan | null>(null);
  const busy = ref(false);

  async function refreshAll(): Promise<void> {
    await Promise.all([useDatasets().refresh(), useModels().refresh(), useScoring().refresh(), useCuration().refreshSets()]);
  }

  async function ask(kind: ItemKind, id: string): Promise<RemovalPlan | undefined> {
    const plan = await notify.guard(`delete ${KIND_WORD[kind]}`, () => useClient().call('workspace.dependents', { kind, id }));
    pending.value = plan ?? null;
    return plan;
  }
  function cancel(): void {
    pending.value = null;
  }
  async function confirm(): Promise<RemovalResult | undefined> {
    const plan = pending.value;
    if (!plan || plan.blocked) return undefined;
    const { kind, id } = plan.target;
    busy.value = true;
    try {
      const c = useClient();
      const r = await notify.guard(`delete ${KIND_WORD[kind]} ${plan.target.name}`, () =>
        kind === 'dataset' ? c.call('datasets.remove', { datasetId: id })
        : kind === 'model' ? c.call('models.remove', { modelId: id })
        : kind === 'run' ? c.call('scoring.remove', { runId: id })
        : c.call('curation.remove', { setId: id }),
      );
      if (!r) return undefined;
      pending.value = null;
      const more = r.removedItems.length - 1;
      notify.push('success', `Deleted ${KIND_WORD[kind]} ${r.target.name}${more > 0 ? ` and ${more} item${more === 1 ? '' : 's'} that depended on it` : ''}; ${formatBytes(r.freedBytes)} freed.`);
      // the curation in progress was on a removed run: let it go (its draft would resume a run that is gone)
      const cur = useCuration();
      if (cur.runId && r.removedItems.some((x) => x.kind === 'run' && x.id === cur.runId)) cur.selectRun(null);
      await refreshAll();
      return r;
    } finally {
      busy.value = false;
    }
  }
  async function rename(kind: ItemKind, id: string, name: string): Promise<ItemRef | undefined> {
    const c = useClient();
    const r = await notify.guard(`rename ${KIND_WORD[kind]}`, () =>
      kind === 'dataset' ? c.call('datasets.rename', { datasetId: id, name })
      : kind === 'model' ? c.call('models.rename', { modelId: id, name })
      : kind === 'run' ? c.call('scoring.rename', { runId: id, name })
      : c.call('curation.rename', { setId: id, name }),
    );
    if (r) await refreshAll();
    return r;
  }
  return { pending, busy, ask, cancel, confirm, rename };
});
