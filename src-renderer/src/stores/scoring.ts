import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { CallInput, ScoreColumnArrays, ScoringRunSummary } from '../../../src-main/contract';
import { useClient } from '../api';
import { useJobs } from './jobs';
import { useNotify } from './notify';

/** Scoring runs: seeded by scoring.list, kept live by scoring.changed; per-run scores on demand (cached). */
export const useScoring = defineStore('scoring', () => {
  const runs = ref<ScoringRunSummary[]>([]);
  const notify = useNotify();
  const jobs = useJobs();
  const scoresCache = shallowRef<Record<string, ScoreColumnArrays>>({});
  let unsub: (() => void) | null = null;
  let unsubJobs: (() => void) | null = null;

  async function init(): Promise<void> {
    const client = useClient();
    unsub ??= client.on('scoring.changed', (p) => (p.done !== undefined && patchProgress(p.runId, p.done) ? undefined : void refreshRun(p.runId)));
    unsubJobs ??= jobs.onJobFinished((f) => {
      if (f.kind === 'score') void refresh();
    });
    await refresh();
  }
  async function refresh(): Promise<void> {
    const r = await notify.guard('scoring runs', () => useClient().call('scoring.list', {}));
    if (r) runs.value = r;
  }
  async function refreshRun(runId: string): Promise<void> {
    const r = await notify.guard('scoring run', () => useClient().call('scoring.get', { runId }));
    if (!r) return;
    const i = runs.value.findIndex((x) => x.id === runId);
    if (i >= 0) runs.value.splice(i, 1, r);
    else runs.value.unshift(r);
    if (r.status === 'done' || r.done !== scoresCache.value[runId]?.index.length) {
      const { [runId]: _drop, ...rest } = scoresCache.value;
      scoresCache.value = rest;
    }
  }
  /**
   * A commit of a running run: its row follows at once (the same moment the job bar moves), with
   * no call; false when the run is not listed yet (then it is fetched).
   */
  function patchProgress(runId: string, done: number): boolean {
    const i = runs.value.findIndex((x) => x.id === runId);
    if (i < 0) return false;
    const r = runs.value[i];
    runs.value.splice(i, 1, { ...r, done, status: 'running' });
    return true;
  }
  async function scores(runId: string): Promise<ScoreColumnArrays | undefined> {
    const hit = scoresCache.value[runId];
    if (hit) return hit;
    const s = await notify.guard('scores', () => useClient().call('scoring.scores', { runId }));
    if (s) scoresCache.value = { ...scoresCache.value, [runId]: s };
    return s;
  }
  async function start(input: CallInput<'scoring.start'>): Promise<{ jobId: string; runId: string } | undefined> {
    const r = await notify.guard('start scoring', () => useClient().call('scoring.start', input));
    if (r) {
      jobs.track(r.jobId, 'score', `Score ${input.split}`);
      await refresh();
    }
    return r;
  }
  async function resume(runId: string): Promise<{ jobId: string; runId: string } | undefined> {
    const r = await notify.guard('resume scoring', () => useClient().call('scoring.resume', { runId }));
    if (r) jobs.track(r.jobId, 'score', `Resume run ${runId}`);
    return r;
  }
  function forDataset(datasetId: string | null | undefined): ScoringRunSummary[] {
    return runs.value.filter((r) => r.datasetId === datasetId);
  }
  return { runs, init, refresh, refreshRun, scores, start, resume, forDataset };
});
