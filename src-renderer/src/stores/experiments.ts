import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CallInput, ExperimentInfo } from '../../../src-main/contract';
import { useClient } from '../api';
import { useJobs } from './jobs';
import { useNotify } from './notify';

/** Experiments: seeded by experiments.list, kept live by experiments.changed and the experiment jobs' ends. */
export const useExperiments = defineStore('experiments', () => {
  const list = ref<ExperimentInfo[]>([]);
  const charts = ref<Record<string, Record<string, string>>>({});
  const notify = useNotify();
  const jobs = useJobs();
  let unsubs: (() => void)[] = [];

  async function init(): Promise<void> {
    if (unsubs.length === 0) {
      unsubs = [
        useClient().on('experiments.changed', () => void refresh()),
        jobs.onJobFinished((f) => {
          if (f.kind === 'experiment') void refresh();
        }),
      ];
    }
    await refresh();
  }
  async function refresh(): Promise<void> {
    const r = await notify.guard('experiments', () => useClient().call('experiments.list', {}));
    if (r) list.value = r;
  }
  async function start(input: CallInput<'experiments.start'>): Promise<{ jobId: string; experimentId: string } | undefined> {
    const r = await notify.guard('start experiment', () => useClient().call('experiments.start', input));
    if (!r) return undefined;
    jobs.track(r.jobId, 'experiment', 'Experiment');
    await refresh();
    return r;
  }
  async function resume(experimentId: string): Promise<string | undefined> {
    const r = await notify.guard('resume experiment', () => useClient().call('experiments.resume', { experimentId }));
    if (!r) return undefined;
    jobs.track(r.jobId, 'experiment', 'Experiment');
    await refresh();
    return r.jobId;
  }
  async function loadCharts(experimentId: string): Promise<void> {
    const r = await notify.guard('charts', () => useClient().call('experiments.charts', { experimentId }));
    if (r) charts.value = { ...charts.value, [experimentId]: r };
  }
  async function exportBundle(experimentId: string, path: string): Promise<string | undefined> {
    const r = await notify.guard('export experiment', () => useClient().call('experiments.export', { experimentId, path: path.trim() }));
    if (r) notify.push('success', `exported ${r.files.length} files to ${r.path}`);
    return r?.path;
  }
  async function remove(experimentId: string): Promise<void> {
    const r = await notify.guard('remove experiment', () => useClient().call('experiments.remove', { experimentId }));
    if (r?.removed) await refresh();
  }
  return { list, charts, init, refresh, start, resume, loadCharts, exportBundle, remove };
});
