import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { useWorkspace } from '../../src-renderer/src/stores/workspace';
import { useSystem } from '../../src-renderer/src/stores/system';
import { formatEta, formatRate, useJobs } from '../../src-renderer/src/stores/jobs';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useModels } from '../../src-renderer/src/stores/models';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import { useCuration } from '../../src-renderer/src/stores/curation';
import { useGrid } from '../../src-renderer/src/stores/grid';
import { useNotify } from '../../src-renderer/src/stores/notify';
import { fakeWorkspaceClient, flush, makeRun } from './fakes';

function setup(opts: Parameters<typeof fakeWorkspaceClient>[0] = {}) {
  setActivePinia(createPinia());
  const client = fakeWorkspaceClient(opts);
  setClient(client);
  return client;
}

describe('stores against the memory client', () => {
  beforeEach(() => localStorage.clear());

  it('workspace: seeded by current + recent, opens/creates, follows workspace.changed', async () => {
    const client = setup({ open: false });
    const ws = useWorkspace();
    await ws.init();
    expect(ws.loaded).toBe(true);
    expect(ws.current).toBeNull();
    expect(ws.recent.map((r) => r.path)).toEqual(['/ws']);
    expect(await ws.open(' /new/ws ', true)).toBe(true);
    expect(client.calls.find((c) => c.name === 'workspace.open')?.input).toEqual({ path: '/new/ws', create: true });
    expect(ws.current?.path).toBe('/new/ws');
    client.emit('workspace.changed', null);
    expect(ws.current).toBeNull();
    client.handlers['workspace.open'] = () => {
      throw new Error('/ro: the folder is read-only');
    };
    expect(await ws.open('/ro')).toBe(false);
    expect(useNotify().toasts.at(-1)?.message).toBe('open workspace: /ro: the folder is read-only');
    expect(await ws.open('   ')).toBe(false);
  });

  it('system: loads the engine info', async () => {
    setup();
    const s = useSystem();
    await s.load();
    expect(s.info?.backend.name).toBe('wasm');
    expect(s.info?.backend.unavailable.tensorflow).toBe('tfjs-node not installed');
  });

  it('jobs: follows started/progress/finished, keeps metrics, notifies listeners, cancels', async () => {
    const client = setup();
    const jobs = useJobs();
    await jobs.init();
    const finished: string[] = [];
    jobs.onJobFinished((f) => finished.push(`${f.jobId}:${f.status}`));
    client.emit('job.started', { id: 'j1', kind: 'train', title: 'Train paper-cnn', status: 'running', createdAt: 'now' });
    client.emit('job.progress', { jobId: 'j1', kind: 'train', done: 1, total: 3, rate: 500, unit: 'samples', etaMs: 4000, metrics: { epoch: 1, loss: 0.5, acc: 0.9 } });
    client.emit('job.progress', { jobId: 'j1', kind: 'train', done: 2, total: 3, rate: 500, unit: 'samples', etaMs: 2000, metrics: { epoch: 2, loss: 0.3, acc: 0.95 } });
    expect(jobs.running.map((j) => j.id)).toEqual(['j1']);
    expect(jobs.jobs.j1.progress?.done).toBe(2);
    expect(jobs.jobs.j1.metrics.map((m) => m.loss)).toEqual([0.5, 0.3]);
    await jobs.cancel('j1');
    expect(client.calls.find((c) => c.name === 'jobs.cancel')?.input).toEqual({ jobId: 'j1' });
    client.emit('job.finished', { jobId: 'j1', kind: 'train', status: 'cancelled' });
    expect(jobs.running).toHaveLength(0);
    expect(finished).toEqual(['j1:cancelled']);
    // progress for a job never announced still shows
    client.emit('job.progress', { jobId: 'j2', kind: 'score', done: 5, total: 10, rate: 1, unit: 'images', etaMs: null });
    expect(jobs.running.map((j) => j.id)).toEqual(['j2']);
    expect(formatEta(65_000)).toBe('1m 5s');
    expect(formatEta(null)).toBe('—');
    expect(formatRate(15300, 'predictions')).toBe('15.3k predictions/s');
  });

  it('datasets: seeded by list, selects the first, live by datasets.changed, refreshes after remove', async () => {
    const client = setup();
    const d = useDatasets();
    await d.init();
    expect(d.selected?.name).toBe('tiny-mnist');
    client.emit('datasets.changed', { datasets: [] });
    expect(d.list).toEqual([]);
    expect(d.selectedId).toBeNull();
    client.handlers['datasets.remove'] = () => ({ removed: true, target: { kind: 'dataset', id: 'ds1', name: 'tiny-mnist' }, removedItems: [], freedBytes: 0 });
    await d.remove('ds1');
    expect(client.calls.filter((c) => c.name === 'datasets.list')).toHaveLength(2);
    expect(await d.importPath({ path: '/x.csv', format: 'csv', split: 'test', name: ' ' })).toBe('job1');
    expect(client.calls.find((c) => c.name === 'datasets.import')?.input).toEqual({ path: '/x.csv', format: 'csv', split: 'test' });
  });

  it('grid: loads columns, fetches only the thumbnails asked for, times queries, keeps the selection across sorts', async () => {
    const client = setup({ train: 50, test: 10 });
    const d = useDatasets();
    await d.init();
    const g = useGrid();
    await g.load(d.selected!);
    expect(g.rows.length).toBe(60);
    // the first screen's tiles (the first split's first images) are asked for before the columns
    const names = client.calls.map((c) => c.name);
    expect(names.indexOf('datasets.thumbs')).toBeLessThan(names.indexOf('datasets.columns'));
    expect(client.calls.filter((c) => c.name === 'datasets.thumbs').map((c) => c.input)).toEqual([{ datasetId: 'ds1', split: 'train', offset: 0, count: 50 }]);
    await flush();
    expect(Array.from(g.tiles!.get('train', 49)!)).toEqual(new Array(16).fill(49));
    g.wantThumbs([0, 1, 2, 55]);
    await flush();
    // train 0..2 are loaded already; test 5 (row 55) goes as an index list
    expect(client.calls.filter((c) => c.name === 'datasets.thumbs').map((c) => c.input).slice(1)).toEqual([
      { datasetId: 'ds1', split: 'test', indices: [5] },
    ]);
    expect(Array.from(g.tiles!.get('test', 5)!)).toEqual(new Array(16).fill(5));
    expect(g.tiles!.get('test', 6)).toBeUndefined();
    g.setCursor(7);
    expect(g.selectedId).toBe('train/7');
    // the query is timed: a clock that moves 2.5 ms per reading shows exactly one query's span
    let clock = 1000;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 2.5));
    g.query.sortKey = 'label';
    await flush();
    spy.mockRestore();
    expect(g.selectedId).toBe('train/7');
    expect(g.lastQueryMs).toBe(2.5);
    expect([...g.rows]).toEqual([...g.index!.query({ ...g.query })]);
    // loading the same dataset again does not refetch
    await g.load(d.selected!);
    expect(client.calls.filter((c) => c.name === 'datasets.columns')).toHaveLength(1);
  });

  it('models: list, train tracks the job, eval results arrive from the job, models.changed refreshes', async () => {
    const client = setup();
    const m = useModels();
    await useJobs().init();
    await m.init();
    expect(m.list.map((x) => x.name)).toEqual(['M', 'M_R']);
    client.handlers['models.train'] = () => ({ jobId: 't1' });
    client.handlers['models.evaluate'] = () => ({ jobId: 'e1' });
    expect(await m.train({ datasetId: 'ds1', arch: 'mlp', epochs: 2, seed: 1 })).toBe('t1');
    expect(useJobs().jobs.t1.kind).toBe('train');
    expect(await m.evaluate('m1', 'ds1', 'test')).toBe('e1');
    client.emit('job.finished', { jobId: 'e1', kind: 'eval', status: 'done', result: { modelId: 'm1', datasetId: 'ds1', split: 'test', accuracy: 0.5, confusion: [[1, 1], [0, 2]], count: 4 } });
    expect(m.evals.m1.accuracy).toBe(0.5);
    client.emit('models.changed', {});
    await flush();
    expect(client.calls.filter((c) => c.name === 'models.list')).toHaveLength(2);
  });

  it('scoring: list, scores cached, scoring.changed updates a run, start/resume track jobs', async () => {
    const client = setup();
    const s = useScoring();
    await useJobs().init();
    await s.init();
    expect(s.runs.map((r) => r.id)).toEqual(['run1']);
    const a = await s.scores('run1');
    const b = await s.scores('run1');
    expect(a).toBe(b);
    expect(client.calls.filter((c) => c.name === 'scoring.scores')).toHaveLength(1);
    client.handlers['scoring.get'] = (i) => ({ ...makeRun(i.runId), status: 'running', done: 5 });
    client.emit('scoring.changed', { runId: 'run2' });
    await flush();
    expect(s.runs.map((r) => r.id)).toEqual(['run2', 'run1']);
    client.handlers['scoring.start'] = () => ({ jobId: 's1', runId: 'run3' });
    client.handlers['scoring.resume'] = () => ({ jobId: 's2', runId: 'run2' });
    await s.start({ modelId: 'm1', datasetId: 'ds1', split: 'test' });
    await s.resume('run2');
    expect(useJobs().jobs.s1.kind).toBe('score');
    expect(useJobs().jobs.s2.title).toBe('Resume run run2');
  });

  it('curation: previews on change, overrides with undo, keeps them in the workspace, saves, exports, retrains, compares', async () => {
    vi.useFakeTimers();
    try {
      const client = setup();
      const previews: unknown[] = [];
      client.handlers['curation.preview'] = (i) => {
        previews.push(i);
        return { before: [5, 5], after: [3, 2], short: [{ classId: 1, available: 2 }], total: 5, members: [1, 2, 3, 4, 5] };
      };
      const c = useCuration();
      await c.init();
      c.selectRun('run1');
      await vi.advanceTimersByTimeAsync(200);
      expect(c.preview?.total).toBe(5);
      c.setBalance({ mode: 'per-class', n: 3 });
      c.setMinSteps(20);
      await vi.advanceTimersByTimeAsync(200);
      expect(previews.at(-1)).toEqual({ runId: 'run1', rules: { minSteps: 20, balance: { mode: 'per-class', n: 3 }, seed: 0 }, workspaceOverrides: true });
      expect(c.override([4], 'exclude')).toBe(1);
      expect(c.overrideRange(8, 6, 'include')).toBe(3);
      expect(c.override([4], 'exclude')).toBe(0); // no change, no undo step
      expect(c.overrideList).toEqual([{ index: 4, mode: 'exclude' }, { index: 6, mode: 'include' }, { index: 7, mode: 'include' }, { index: 8, mode: 'include' }]);
      await vi.advanceTimersByTimeAsync(200);
      // the overrides live in the workspace (the run's split), not in localStorage
      expect(client.overrides.list('ds1', 'test')).toEqual([{ index: 4, mode: 'exclude' }, { index: 6, mode: 'include' }, { index: 7, mode: 'include' }, { index: 8, mode: 'include' }]);
      expect(localStorage.getItem('rpr.curation.draft.run1')).toBeNull();
      expect(c.undo()).toBe(true);
      expect(c.overrideList).toEqual([{ index: 4, mode: 'exclude' }]);
      await vi.advanceTimersByTimeAsync(200);
      expect(client.overrides.list('ds1', 'test')).toEqual([{ index: 4, mode: 'exclude' }]);
      c.selectRun(null);
      c.selectRun('run1');
      await vi.advanceTimersByTimeAsync(200);
      expect(c.overrideList).toEqual([{ index: 4, mode: 'exclude' }]);
      expect(c.rules.minSteps).toBe(20);
      expect(c.undo()).toBe(false); // undo history is per session
      client.handlers['curation.save'] = (i) => ({ id: 'set1', name: i.name, version: 1, datasetId: 'ds1', runId: i.runId, rules: i.rules as never, overrides: i.overrides ?? [], classCounts: [3, 2], total: 5, createdAt: 'now' });
      const saved = await c.save('robust');
      expect(saved?.id).toBe('set1');
      expect(client.calls.find((x) => x.name === 'curation.save')?.input).toEqual({ runId: 'run1', name: 'robust', rules: { minSteps: 20, balance: { mode: 'per-class', n: 3 }, seed: 0 }, workspaceOverrides: true });
      client.handlers['curation.export'] = () => ({ jobId: 'x1' });
      client.handlers['curation.retrain'] = () => ({ jobId: 'r1' });
      expect(await c.exportSet('set1', '/out', 'imagefolder')).toBe('x1');
      expect(await c.exportSet('set1', ' ', 'idx')).toBeUndefined();
      expect(await c.retrain('set1', 'm1', true)).toBe('r1');
      expect(client.calls.find((x) => x.name === 'curation.retrain')?.input).toEqual({ setId: 'set1', sourceModelId: 'm1', control: true });
      client.handlers['curation.compare'] = () => ({ rows: [], mcnemar: { M_vs_M_R: 0.01 } });
      await c.compare(['m1', 'm2'], 'ds1');
      expect(c.comparison?.mcnemar.M_vs_M_R).toBe(0.01);
      expect(await c.compare([], 'ds1')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
