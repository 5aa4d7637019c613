import { defineStore } from 'pinia';
import { formatProgressCount, formatRate } from '../../../src-main/contract/quantities';
import { computed, ref } from 'vue';
import type { JobFinished, JobInfo, JobProgress } from '../../../src-main/contract';
import { useClient } from '../api';
import { liveInit } from './live';
import { useNotify } from './notify';

export interface JobState extends JobInfo {
  progress: JobProgress | null;
  /** every metrics record seen (training: loss/accuracy per epoch or batch) */
  metrics: (Record<string, number> & { done: number })[];
}

type FinishListener = (f: JobFinished) => void;

/** Running jobs, kept live by job.* events; others subscribe to a job's end with onFinished. */
export const useJobs = defineStore('jobs', () => {
  const jobs = ref<Record<string, JobState>>({});
  const notify = useNotify();
  const finishListeners = new Set<FinishListener>();
  /** the newest job a view started, by slot (e.g. 'train', 'export'), so a view shows it again after navigation */
  const lastBySlot = ref<Record<string, string>>({});

  const running = computed(() => Object.values(jobs.value).filter((j) => j.status === 'running' || j.status === 'queued'));

  function upsert(info: JobInfo): JobState {
    const prev = jobs.value[info.id];
    const next: JobState = { ...info, progress: prev?.progress ?? null, metrics: prev?.metrics ?? [] };
    jobs.value[info.id] = next;
    return next;
  }

  function onProgress(p: JobProgress): void {
    let j = jobs.value[p.jobId];
    if (!j) j = upsert({ id: p.jobId, kind: p.kind, title: p.kind, status: 'running', createdAt: new Date().toISOString() });
    j.progress = p;
    if (j.status === 'queued') j.status = 'running';
    if (p.metrics) j.metrics.push({ ...p.metrics, done: p.done });
  }

  function onFinished(f: JobFinished): void {
    const j = jobs.value[f.jobId] ?? upsert({ id: f.jobId, kind: f.kind, title: f.kind, status: f.status, createdAt: new Date().toISOString() });
    j.status = f.status;
    j.error = f.error;
    j.result = f.result;
    if (f.status === 'failed') notify.push('error', `${j.title} failed: ${f.error ?? 'unknown error'}`);
    else if (f.status === 'done') notify.push('success', `${j.title}: done`);
    else notify.push('info', f.error && f.error !== 'cancelled' ? `${j.title}: ${f.error}` : `${j.title}: cancelled`);
    for (const l of [...finishListeners]) l(f);
  }

  const init = liveInit(
    () => [useClient().on('job.started', (j) => void upsert(j)), useClient().on('job.progress', onProgress), useClient().on('job.finished', onFinished)],
    async () => {
      const list = await notify.guard('jobs', () => useClient().call('jobs.list', {}));
      if (list) for (const j of list) upsert(j);
    },
  );

  /** jobs a crash or kill left unfinished in this workspace, offered for resume */
  const interrupted = ref<JobInfo[]>([]);

  async function loadInterrupted(): Promise<void> {
    const list = await notify.guard('interrupted jobs', () => useClient().call('jobs.interrupted', {}));
    interrupted.value = list ?? [];
  }

  async function resume(jobId: string): Promise<void> {
    const j = interrupted.value.find((x) => x.id === jobId);
    const r = await notify.guard('resume job', () => useClient().call('jobs.resume', { jobId }));
    if (r && j) {
      track(r.jobId, j.kind, j.title);
      notify.push('info', `Resumed: ${j.title}`);
    }
    await loadInterrupted();
  }

  async function dismiss(jobId: string): Promise<void> {
    await notify.guard('dismiss job', () => useClient().call('jobs.dismiss', { jobId }));
    await loadInterrupted();
  }

  async function cancel(jobId: string): Promise<void> {
    await notify.guard('cancel job', () => useClient().call('jobs.cancel', { jobId }));
  }

  /** Register a job id returned by a call (before its job.started event may arrive). */
  function track(jobId: string, kind: JobInfo['kind'], title: string): void {
    if (!jobs.value[jobId]) upsert({ id: jobId, kind, title, status: 'queued', createdAt: new Date().toISOString() });
    lastBySlot.value[kind] = jobId;
  }
  function last(slot: string): string | null {
    return lastBySlot.value[slot] ?? null;
  }

  function onJobFinished(l: FinishListener): () => void {
    finishListeners.add(l);
    return () => finishListeners.delete(l);
  }

  return { jobs, running, lastBySlot, interrupted, init, cancel, track, last, onJobFinished, loadInterrupted, resume, dismiss };
});

export function formatEta(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export { formatProgressCount, formatRate };
