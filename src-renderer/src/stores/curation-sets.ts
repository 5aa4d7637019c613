/**
 * What the curation makes and does with it: saved curated sets (listed, saved from the run being
 * edited), exports, retraining and comparing models.
 */
import { ref, shallowRef } from 'vue';
import type { Ref } from 'vue';
import type { Comparison, CuratedSetInfo, CurationRules, ExportFormat } from '../../../src-main/contract';
import { useClient } from '../api';
import { errorMessage } from '../api/errors';
import type { useJobs } from './jobs';
import type { useNotify } from './notify';

/** How a retrain is budgeted: as the source model was trained (default), N epochs, to convergence, or equal steps. */
export interface RetrainBudget {
  budget: 'source' | 'epochs' | 'converge' | 'equal-steps';
  epochs?: number;
}

export function useCurationSets(
  runId: Ref<string | null>,
  rules: Ref<CurationRules>,
  settled: () => Promise<unknown>,
  notify: ReturnType<typeof useNotify>,
  jobs: ReturnType<typeof useJobs>,
) {
  const sets = ref<CuratedSetInfo[]>([]);
  const comparison = shallowRef<Comparison | null>(null);

  async function refreshSets(): Promise<void> {
    const r = await notify.guard('curated sets', () => useClient().call('curation.list', {}));
    if (r) sets.value = r;
  }

  async function save(name: string): Promise<CuratedSetInfo | undefined> {
    const id = runId.value;
    if (!id) {
      notify.push('error', 'curate: pick a scoring run first');
      return undefined;
    }
    if (!name.trim()) {
      notify.push('error', 'curate: give the set a name');
      return undefined;
    }
    await settled();
    const s = await notify.guard('save curated set', () =>
      useClient().call('curation.save', { runId: id, name: name.trim(), rules: rules.value, workspaceOverrides: true }),
    );
    if (s) {
      notify.push('success', `saved “${s.name}” v${s.version} (${s.total} images)`);
      await refreshSets();
    }
    return s;
  }

  /**
   * Start an export. With `onError`, a refusal (no folder, a folder not empty…) goes to the caller,
   * which shows it by the form's field, instead of a toast.
   */
  async function exportSet(setId: string, path: string, format: ExportFormat, onError?: (message: string) => void): Promise<string | undefined> {
    const fail = (message: string): undefined => {
      if (onError) onError(message);
      else notify.push('error', `export: ${message}`);
      return undefined;
    };
    if (!path.trim()) return fail('enter an output folder');
    let r: { jobId: string } | undefined;
    try {
      r = await useClient().call('curation.export', { setId, path: path.trim(), format });
    } catch (e) {
      return fail(errorMessage(e));
    }
    if (r) jobs.track(r.jobId, 'export', `Export ${format}`);
    return r?.jobId;
  }

  async function retrain(setId: string, sourceModelId: string, control: boolean, budget?: RetrainBudget): Promise<string | undefined> {
    const input = budget && budget.budget !== 'source' ? { setId, sourceModelId, control, ...budget } : { setId, sourceModelId, control };
    const r = await notify.guard('retrain', () => useClient().call('curation.retrain', input));
    if (r) jobs.track(r.jobId, 'retrain', control ? 'Retrain M_R and control M_C' : 'Retrain M_R');
    return r?.jobId;
  }

  async function compare(modelIds: string[], datasetId: string, split = 'test'): Promise<Comparison | undefined> {
    if (modelIds.length === 0) {
      notify.push('error', 'compare: choose at least one model');
      return undefined;
    }
    const c = await notify.guard('compare', () => useClient().call('curation.compare', { modelIds, datasetId, split }));
    if (c) comparison.value = c;
    return c;
  }

  return { sets, comparison, refreshSets, save, exportSet, retrain, compare };
}
