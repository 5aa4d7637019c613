/** Issue 12 items 6 and 7: runs are named by what they are, and Compare starts from what was scored. */
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useJobs } from '../../src-renderer/src/stores/jobs';
import { useModels } from '../../src-renderer/src/stores/models';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import { useCuration } from '../../src-renderer/src/stores/curation';
import ScoreView from '../../src-renderer/src/views/ScoreView.vue';
import CurateView from '../../src-renderer/src/views/CurateView.vue';
import ExploreView from '../../src-renderer/src/views/ExploreView.vue';
import CompareView from '../../src-renderer/src/views/CompareView.vue';
import { fakeWorkspaceClient, flush, makeDataset, makeRun } from './fakes';
import { runName } from '../../src-renderer/src/lib/names';
import type { ScoringRunSummary } from '../../src-main/contract';

async function setup() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const client = fakeWorkspaceClient();
  setClient(client);
  return { pinia, client };
}
async function seed() {
  await useJobs().init();
  await Promise.all([useDatasets().init(), useModels().init(), useScoring().init(), useCuration().init()]);
}
/** three runs that differ only by model: after a retrain the pickers used to show them identically */
const threeRuns = (): ScoringRunSummary[] => [
  { ...makeRun('run_a'), modelId: 'm1', createdAt: '2026-11-30T10:00:00Z' },
  { ...makeRun('run_b'), modelId: 'm2', createdAt: '2026-11-30T11:00:00Z' },
  { ...makeRun('run_c'), modelId: 'm2', seed: 7, createdAt: '2026-11-30T12:00:00Z' },
];

describe('run names (issue 12, item 6)', () => {
  beforeEach(() => localStorage.clear());

  it('names a run by model, dataset, split, scheme, seed and date', () => {
    const name = runName({ ...makeRun('r'), createdAt: '2026-11-30T10:05:00' }, { models: [{ id: 'm1', name: 'paper-cnn seed 0' }], datasets: [{ id: 'ds1', name: 'MNIST' }] });
    expect(name).toBe('paper-cnn seed 0 · MNIST/test · paper k=28, 250 steps · seed 0 · 2026-11-30 10:05');
    expect(runName(makeRun('r'), { models: [], datasets: [] })).toContain('deleted model m1 · deleted dataset ds1/test');
  });

  it('Score runs table has Model and Dataset columns with names', async () => {
    const { pinia, client } = await setup();
    client.handlers['scoring.list'] = threeRuns;
    await seed();
    const w = mount(ScoreView, { global: { plugins: [pinia] } });
    await flush();
    const heads = w.findAll('thead th').map((h) => h.text());
    expect(heads).toContain('Model');
    expect(heads).toContain('Dataset');
    const rows = w.findAll('[data-testid="run-item"]');
    expect(rows.map((r) => r.find('[data-testid="run-model"]').text())).toEqual(['M', 'M_R', 'M_R']);
    expect(rows.map((r) => r.find('[data-testid="run-dataset"]').text())).toEqual(['tiny-mnist', 'tiny-mnist', 'tiny-mnist']);
  });

  it('Curate and Explore run pickers tell runs apart by model, dataset, seed and date', async () => {
    const { pinia, client } = await setup();
    client.handlers['scoring.list'] = threeRuns;
    await seed();
    const names = (w: ReturnType<typeof mount>, sel: string) => w.find(sel).findAll('option').map((o) => o.text()).filter((t) => t !== '(choose)' && t !== '(none)');
    const curate = mount(CurateView, { global: { plugins: [pinia] } });
    await flush();
    const c = names(curate, '[data-testid="curate-run"]');
    expect(c).toHaveLength(3);
    expect(new Set(c).size).toBe(3);
    for (const t of c) expect(t).toMatch(/^(M|M_R) · tiny-mnist\/test · paper k=28, 250 steps · seed \d+ · 2026-11-30 \d\d:00$/);
    curate.unmount();
    useDatasets().select('ds1');
    const explore = mount(ExploreView, { global: { plugins: [pinia] } });
    await flush(10);
    const e = names(explore, '[data-testid="explore-run"]');
    expect(e).toEqual(c);
  });
});

describe('Compare defaults and missing scores (issue 12, item 7)', () => {
  beforeEach(() => localStorage.clear());

  it('defaults to the dataset/split the chosen models were scored on', async () => {
    const { pinia, client } = await setup();
    const other = { ...makeDataset(), id: 'ds2', name: 'other-set' };
    client.handlers['datasets.list'] = () => [makeDataset(), other];
    client.handlers['scoring.list'] = () => [
      { ...makeRun('r1'), datasetId: 'ds2', split: 'train', modelId: 'm1' },
      { ...makeRun('r2'), datasetId: 'ds2', split: 'train', modelId: 'm2' },
    ];
    await seed();
    useDatasets().select('ds1');
    const w = mount(CompareView, { global: { plugins: [pinia] } });
    await flush();
    expect((w.find('[data-testid="compare-dataset"]').element as HTMLSelectElement).value).toBe('ds2');
    expect((w.find('[data-testid="compare-split"]').element as HTMLSelectElement).value).toBe('train');
    expect(w.find('[data-testid="compare-missing"]').exists()).toBe(false);
  });

  it('offers "Score <model> on <dataset>/<split>" with the other model\'s parameters, and starts it', async () => {
    const { pinia, client } = await setup();
    client.handlers['scoring.list'] = () => [{ ...makeRun('r1'), modelId: 'm1', scheme: { name: 'pixels', params: { k: 5 } }, maxSteps: 100, seed: 3 }];
    client.handlers['scoring.start'] = () => ({ jobId: 'j1', runId: 'r2' });
    client.handlers['curation.compare'] = () => ({
      rows: [
        { label: 'M', modelId: 'm1', runId: 'r1', testAccuracy: 0.9, robustRatio: 0.3, robustRatioCI95: [0.2, 0.4], perClassRobustRatio: [], curve: [1, 0.5], trainingSet: { source: 'train', count: 60, validation: 10, classCounts: [] } },
        { label: 'M_R', modelId: 'm2', runId: null, testAccuracy: null, robustRatio: null, robustRatioCI95: null, perClassRobustRatio: [], curve: [], trainingSet: { source: 'train', count: 60, validation: 10, classCounts: [] } },
      ],
      mcnemar: {},
    });
    await seed();
    const w = mount(CompareView, { global: { plugins: [pinia] } });
    await flush();
    const missing = w.find('[data-testid="compare-missing"]');
    expect(missing.exists()).toBe(true);
    expect(w.find('[data-testid="compare-missing-m1"]').exists()).toBe(false);
    const btn = w.find('[data-testid="compare-score-m2"]');
    expect(btn.text()).toBe('Score M_R on tiny-mnist/test');
    await w.find('[data-testid="compare-button"]').trigger('submit');
    await flush();
    expect(w.find('[data-testid="compare-run-M_R"]').text()).toBe('not scored on this split');
    expect(w.find('[data-testid="mcnemar-empty"]').text()).toContain('score M_R first');
    await btn.trigger('click');
    await flush();
    expect(client.calls.find((c) => c.name === 'scoring.start')?.input).toEqual({
      modelId: 'm2', datasetId: 'ds1', split: 'test', scheme: { name: 'pixels', params: { k: 5 } }, maxSteps: 100, seed: 3,
    });
  });

  it('with nothing scored, the chart gives way to a sentence and every model gets its Score button', async () => {
    const { pinia, client } = await setup();
    client.handlers['scoring.list'] = () => [];
    client.handlers['curation.compare'] = () => ({
      rows: ['m1', 'm2'].map((id, i) => ({ label: i ? 'M_R' : 'M', modelId: id, runId: null, testAccuracy: null, robustRatio: null, robustRatioCI95: null, perClassRobustRatio: [], curve: [], trainingSet: { source: 'train', count: 60, validation: 10, classCounts: [] } })),
      mcnemar: {},
    });
    await seed();
    const w = mount(CompareView, { global: { plugins: [pinia] } });
    await flush();
    expect(w.find('[data-testid="compare-missing"]').text()).toContain('None of the chosen models is scored on tiny-mnist/test yet');
    expect(w.find('[data-testid="compare-score-m1"]').exists()).toBe(true);
    expect(w.find('[data-testid="compare-score-m2"]').exists()).toBe(true);
    await w.find('[data-testid="compare-button"]').trigger('submit');
    await flush();
    expect(w.find('[data-testid="compare-curves-empty"]').exists()).toBe(true);
  });
});
