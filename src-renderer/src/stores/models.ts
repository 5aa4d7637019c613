import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CallInput, EvalResult, InputScale, ModelInfo } from '../../../src-main/contract';
import { useClient } from '../api';
import { useJobs } from './jobs';
import { liveInit } from './live';
import { useNotify } from './notify';

/** Models: seeded by models.list, kept live by models.changed; evaluation results from eval jobs. */
export const useModels = defineStore('models', () => {
  const list = ref<ModelInfo[]>([]);
  const evals = ref<Record<string, EvalResult>>({});
  /** eval job id -> model id, to route its result */
  const evalJobs: Record<string, string> = {};
  const notify = useNotify();
  const jobs = useJobs();

  const init = liveInit(
    () => [
      useClient().on('models.changed', () => void refresh()),
      jobs.onJobFinished((f) => {
        if (f.kind === 'eval' && f.status === 'done' && f.result) {
          const r = f.result;
          evals.value = { ...evals.value, [r.modelId ?? evalJobs[f.jobId]]: r };
        }
        if ((f.kind === 'train' || f.kind === 'retrain') && f.status !== 'failed') void refresh();
      }),
    ],
    refresh,
  );
  async function refresh(): Promise<void> {
    const r = await notify.guard('models', () => useClient().call('models.list', {}));
    if (r) list.value = r;
  }
  async function train(input: CallInput<'models.train'>): Promise<string | undefined> {
    const r = await notify.guard('train', () => useClient().call('models.train', input));
    if (!r) return undefined;
    jobs.track(r.jobId, 'train', `Train ${input.name ?? input.arch}`);
    return r.jobId;
  }
  async function importModel(path: string, datasetId: string, inputScale: InputScale, name?: string): Promise<ModelInfo | undefined> {
    const input: CallInput<'models.import'> = { path: path.trim(), datasetId, inputScale };
    if (name?.trim()) input.name = name.trim();
    const m = await notify.guard('import model', () => useClient().call('models.import', input));
    if (m) {
      await refresh();
      notify.push('success', `imported model ${m.name}`);
    }
    return m;
  }
  async function exportModel(modelId: string, path: string): Promise<string | undefined> {
    const r = await notify.guard('export model', () => useClient().call('models.export', { modelId, path: path.trim() }));
    if (r) notify.push('success', `exported to ${r.path}`);
    return r?.path;
  }
  async function exportOnnx(modelId: string, path: string): Promise<{ path: string; maxAbsDeltaP: number; sample: number } | undefined> {
    const r = await notify.guard('export as ONNX', () => useClient().call('models.exportOnnx', { modelId, path: path.trim() }));
    if (r) notify.push('success', `exported ${r.path}${r.sample ? ` (max |Δp| ${r.maxAbsDeltaP.toExponential(2)} on ${r.sample} images)` : ''}`);
    return r;
  }
  async function evaluate(modelId: string, datasetId: string, split: string): Promise<string | undefined> {
    const r = await notify.guard('evaluate', () => useClient().call('models.evaluate', { modelId, datasetId, split }));
    if (!r) return undefined;
    evalJobs[r.jobId] = modelId;
    jobs.track(r.jobId, 'eval', `Evaluate on ${split}`);
    return r.jobId;
  }
  async function remove(modelId: string): Promise<void> {
    const r = await notify.guard('remove model', () => useClient().call('models.remove', { modelId }));
    if (r?.removed) await refresh();
  }
  return { list, evals, init, refresh, train, importModel, exportModel, exportOnnx, evaluate, remove };
});
