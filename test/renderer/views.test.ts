import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { useModels } from '../../src-renderer/src/stores/models';
import App from '../../src-renderer/src/App.vue';
import ModelsView from '../../src-renderer/src/views/ModelsView.vue';
import ScoreView from '../../src-renderer/src/views/ScoreView.vue';
import CurateView from '../../src-renderer/src/views/CurateView.vue';
import CompareView from '../../src-renderer/src/views/CompareView.vue';
import { flush, makeRun } from './fakes';
import { seed, setup } from './store-setup';

describe('App shell', () => {
  beforeEach(() => localStorage.clear());

  it('shows the workspace chooser when none is open, then the app with backend and path in the status bar', async () => {
    const { pinia, client } = await setup({ open: false });
    const w = mount(App, { global: { plugins: [pinia] } });
    await flush(10);
    expect(w.find('[data-testid="workspace-open"]').exists()).toBe(true);
    expect(w.find('[data-testid="workspace-recent"]').text()).toBe('/ws');
    await w.find('[data-testid="workspace-browse"]').trigger('click');
    await flush();
    expect(w.text()).toContain('Folder picking needs the desktop app');
    await w.find('[data-testid="workspace-input"]').setValue('/home/me/ws');
    await w.find('[data-testid="workspace-create"]').trigger('click');
    await flush(10);
    expect(client.calls.find((c) => c.name === 'workspace.open')?.input).toEqual({ path: '/home/me/ws', create: true });
    expect(w.find('[data-testid="workspace-path"]').text()).toBe('/home/me/ws');
    expect(w.find('[data-testid="status-backend"]').text()).toContain('wasm');
    expect(w.find('[data-testid="status-backend"]').attributes('title')).toContain('tensorflow: tfjs-node not installed');
    expect(w.find('[data-testid="status-transport"]').text()).toBe('memory');
    expect(w.find('[data-testid="view-datasets"]').exists()).toBe(true);
    await w.find('[data-testid="nav-explore"]').trigger('click');
    await flush(10);
    expect(w.find('[data-testid="view-explore"]').exists()).toBe(true);
    expect(w.find('[data-testid="nav-explore"]').attributes('aria-current')).toBe('page');
    // running jobs in the status bar, with cancel
    client.emit('job.started', { id: 'j9', kind: 'score', title: 'Score test', status: 'running', createdAt: 'now' });
    client.emit('job.progress', { jobId: 'j9', kind: 'score', done: 250, total: 1000, rate: 12000, unit: 'predictions', etaMs: 62_000 });
    await flush();
    const job = w.find('[data-testid="job"]');
    expect(job.text()).toContain('250/1000');
    expect(job.text()).toContain('12.0k predictions/s');
    expect(job.text()).toContain('ETA 1m 2s');
    await job.find('[data-testid="job-cancel"]').trigger('click');
    expect(client.calls.some((c) => c.name === 'jobs.cancel')).toBe(true);
    // theme: 'auto' follows the system (light in happy-dom), then the toggle picks dark
    expect(document.documentElement.dataset.theme).toBe('light');
    await w.find('[data-testid="theme-toggle"]').trigger('click');
    expect(document.documentElement.dataset.theme).toBe('dark');
    w.unmount();
  });
});

describe('Models view', () => {
  it('trains with the form values, charts live metrics, evaluates into a confusion matrix', async () => {
    const { pinia, client } = await setup();
    await seed();
    client.handlers['models.train'] = () => ({ jobId: 't1' });
    client.handlers['models.evaluate'] = () => ({ jobId: 'e1' });
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    expect(w.findAll('[data-testid="model-item"]')).toHaveLength(2);
    await w.find('[data-testid="train-arch"]').setValue('classic-cnn');
    await w.find('[data-testid="train-epochs"]').setValue('5');
    await w.find('[data-testid="train-seed"]').setValue('7');
    await w.find('[data-testid="train-val"]').setValue('0.2');
    await w.find('[data-testid="train-patience"]').setValue('2');
    await w.find('[data-testid="train-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'models.train')?.input).toEqual({ datasetId: 'ds1', arch: 'classic-cnn', epochs: 5, seed: 7, validationShare: 0.2, earlyStoppingPatience: 2, budget: 'epochs' });
    client.emit('job.progress', { jobId: 't1', kind: 'train', done: 1, total: 5, rate: 900, unit: 'samples', etaMs: 8000, metrics: { epoch: 1, loss: 0.42, acc: 0.88, val_loss: 0.4, val_acc: 0.9 } });
    await flush();
    expect(w.find('[data-testid="train-charts"]').exists()).toBe(true);
    expect(w.find('[data-testid="train-last"]').text()).toContain('val accuracy 90.00%');
    expect(w.find('[data-testid="job-inline"]').text()).toContain('ETA 8s');
    await w.find('[data-testid="eval-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'models.evaluate')?.input).toEqual({ modelId: 'm1', datasetId: 'ds1', split: 'test' });
    const confusion = Array.from({ length: 10 }, (_, t) => Array.from({ length: 10 }, (_, p) => (t === p ? 9 : t === 3 && p === 5 ? 2 : 0)));
    client.emit('job.finished', { jobId: 'e1', kind: 'eval', status: 'done', result: { modelId: 'm1', datasetId: 'ds1', split: 'test', accuracy: 0.9, confusion, count: 92 } });
    await flush();
    expect(w.find('[data-testid="eval-accuracy"]').text()).toBe('90.00%');
    expect(w.find('[data-testid="confusion-3-5"]').text()).toBe('2');
    expect(w.find('[data-testid="confusion-4-4"]').text()).toBe('9');
    // import with mean/std scaling
    client.handlers['models.import'] = (i) => ({ ...(useModels().list[0]), id: 'm9', name: 'imported', inputScale: i.inputScale ?? 'unit' });
    await w.find('[data-testid="import-model-path"]').setValue('/m/model.json');
    await w.find('[data-testid="import-model-scale"]').setValue('meanstd');
    await w.find('[data-testid="import-model-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'models.import')?.input).toEqual({ path: '/m/model.json', datasetId: 'ds1', inputScale: { mean: 0.1307, std: 0.3081 } });
  });
});

describe('Score view', () => {
  it('starts a run with scheme parameters and resumes a paused one', async () => {
    const { pinia, client } = await setup();
    client.handlers['scoring.list'] = () => [makeRun('run1'), { ...makeRun('run2'), status: 'paused', done: 7, stats: null }];
    await seed();
    client.handlers['scoring.start'] = () => ({ jobId: 's1', runId: 'run3' });
    client.handlers['scoring.resume'] = () => ({ jobId: 's2', runId: 'run2' });
    const w = mount(ScoreView, { global: { plugins: [pinia] } });
    await flush();
    // k defaults to round(sqrt(H*W)) of the dataset (4x4 -> 4)
    expect((w.find('[data-testid="score-param-k"]').element as HTMLInputElement).value).toBe('4');
    await w.find('[data-testid="score-param-k"]').setValue('3');
    await w.find('[data-testid="score-maxsteps"]').setValue('100');
    await w.find('[data-testid="score-seed"]').setValue('42');
    await w.find('[data-testid="score-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'scoring.start')?.input).toEqual({
      modelId: 'm1', datasetId: 'ds1', split: 'test', scheme: { name: 'paper', params: { k: 3 } }, maxSteps: 100, seed: 42,
    });
    const rows = w.findAll('[data-testid="run-item"]');
    expect(rows.map((r) => r.attributes('data-status'))).toEqual(['done', 'paused']);
    await rows[1].find('[data-testid="run-resume"]').trigger('click');
    await flush();
    expect(client.calls.find((c) => c.name === 'scoring.resume')?.input).toEqual({ runId: 'run2' });
    await w.find('[data-testid="score-scheme"]').setValue('gaussian');
    await flush();
    expect(w.find('[data-testid="score-param-sigma"]').exists()).toBe(true);
  });
});

describe('Curate view', () => {
  it('previews before/after, names short classes, overrides with undo (button and Ctrl+Z), saves, exports and retrains', async () => {
    const { pinia, client } = await setup();
    localStorage.clear();
    // run1 covers the test split (curate and export only); run2 the train split (retrainable)
    client.handlers['scoring.list'] = () => [makeRun(), { ...makeRun('run2'), split: 'train', purpose: 'training-split' }];
    client.handlers['curation.preview'] = (i) => {
      const ex = (i.workspaceOverrides ? client.overrides.list('ds1', 'test') : (i.overrides ?? [])).filter((o) => o.mode === 'exclude').length;
      return { before: [10, 4, ...new Array(8).fill(6)], after: [3 - ex, 3, ...new Array(8).fill(3)], short: i.rules.balance.mode === 'per-class' ? [{ classId: 1, available: 2 }] : [], total: 30 - ex, members: [] };
    };
    client.handlers['curation.save'] = (i) => ({ id: 'set1', name: i.name, version: 1, datasetId: 'ds1', runId: i.runId, rules: i.rules as never, overrides: i.overrides ?? [], classCounts: [], total: 29, createdAt: 'now' });
    client.handlers['curation.export'] = () => ({ jobId: 'x1' });
    client.handlers['curation.retrain'] = () => ({ jobId: 'r1' });
    await seed();
    const w = mount(CurateView, { global: { plugins: [pinia] }, attachTo: document.body });
    await w.find('[data-testid="curate-run"]').setValue('run1');
    await w.find('[data-testid="curate-balance"]').setValue('per-class');
    await w.find('[data-testid="curate-n"]').setValue('3');
    await new Promise((r) => setTimeout(r, 250));
    await flush();
    expect(w.find('[data-testid="curate-before-0"]').text()).toBe('10');
    expect(w.find('[data-testid="curate-after-0"]').text()).toBe('3');
    expect(w.find('[data-testid="curate-short"]').text()).toContain('one (only 2)');
    expect(client.calls.filter((c) => c.name === 'curation.preview').at(-1)?.input).toMatchObject({ rules: { balance: { mode: 'per-class', n: 3 } } });
    await w.find('[data-testid="override-index"]').setValue('5');
    await w.find('[data-testid="override-exclude"]').trigger('click');
    await new Promise((r) => setTimeout(r, 250));
    await flush();
    expect(w.find('[data-testid="override-count"]').text()).toBe('1');
    expect(w.find('[data-testid="curate-total"]').text()).toBe('29');
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true }));
    await flush();
    expect(w.find('[data-testid="override-count"]').text()).toBe('0');
    await w.find('[data-testid="override-exclude"]').trigger('click');
    await w.find('[data-testid="override-from"]').setValue('10');
    await w.find('[data-testid="override-to"]').setValue('12');
    await w.find('[data-testid="override-range-include"]').trigger('click');
    await flush();
    expect(w.find('[data-testid="override-count"]').text()).toBe('4');
    await w.find('[data-testid="undo"]').trigger('click');
    await flush();
    expect(w.find('[data-testid="override-count"]').text()).toBe('1');
    await w.find('[data-testid="curate-name"]').setValue('robust-3');
    client.handlers['curation.list'] = () => [
      { id: 'set1', name: 'robust-3', version: 1, datasetId: 'ds1', runId: 'run1', rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 }, overrides: [], classCounts: [], total: 29, createdAt: 'now' },
      { id: 'set2', name: 'train-robust', version: 1, datasetId: 'ds1', runId: 'run2', rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 }, overrides: [], classCounts: [], total: 40, createdAt: 'now' },
    ];
    await w.find('[data-testid="curate-save"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'curation.save')?.input).toEqual({
      runId: 'run1', name: 'robust-3', rules: { minSteps: null, balance: { mode: 'per-class', n: 3 }, seed: 0 }, workspaceOverrides: true,
    });
    expect(client.overrides.list('ds1', 'test')).toEqual([{ index: 5, mode: 'exclude' }]);
    expect(w.findAll('[data-testid="set-item"]')).toHaveLength(1);
    await w.find('[data-testid="export-format"]').setValue('imagefolder');
    await w.find('[data-testid="export-path"]').setValue('/out/curated');
    await w.find('[data-testid="export-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'curation.export')?.input).toEqual({ setId: 'set1', path: '/out/curated', format: 'imagefolder' });
    // the Curate view says which split the run covers; Retrain lists only sets of training-split runs
    expect(w.find('[data-testid="curate-run-split"]').text()).toMatch(/covers split "test", the evaluation split/);
    // the chosen set (set1, from the test run) cannot be retrained on: Retrain says so and offers only set2
    expect(w.find('[data-testid="retrain-not-trainable"]').exists()).toBe(true);
    expect(w.findAll('[data-testid="retrain-set"] option').map((o) => o.attributes('value')).filter((v) => v)).toEqual(['set2']);
    expect(w.find('[data-testid="retrain-button"]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid="retrain-set"]').setValue('set2');
    await w.find('[data-testid="retrain-control"]').setValue(false);
    await w.find('[data-testid="retrain-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'curation.retrain')?.input).toEqual({ setId: 'set2', sourceModelId: 'm1', control: false });
    // the finished retrain says what it scored on and shows the source model's lineage-unknown warning
    client.emit('job.finished', { jobId: 'r1', kind: 'retrain', status: 'done', result: { mr: useModels().list[0], mc: null, runs: { M: 'a', MR: 'b', MC: null }, evaluation: { split: 'train', images: 'held-out carve of train (12 images)' }, warnings: ['lineage unknown: model M was trained before training lineage was recorded, so nothing proves it never saw these images'] } });
    await flush();
    expect(w.find('[data-testid="retrain-evaluated"]').text()).toContain('scored on the held-out carve of train (12 images)');
    expect(w.find('[data-testid="retrain-warning"]').text()).toMatch(/^lineage unknown: model M was trained before/);
    w.unmount();
  });
});

describe('Compare view', () => {
  it('compares the chosen models: table, McNemar p-values, composition, spread over seeds', async () => {
    const { pinia, client } = await setup();
    const row = (label: string, modelId: string, acc: number, rr: number) => ({
      label, modelId, runId: 'r', testAccuracy: acc, robustRatio: rr, robustRatioCI95: [rr - 0.01, rr + 0.01] as [number, number],
      perClassRobustRatio: new Array(10).fill(rr), curve: [0.9, rr], trainingSet: label === 'M_C' ? { source: 'lineage unknown: the images it trained on are not recorded', count: null, validation: null, classCounts: [] } : { source: label === 'M' ? 'train' : 'curated set', count: 90, validation: 10, classCounts: new Array(10).fill(9) },
    });
    client.handlers['curation.compare'] = () => ({
      rows: [row('M', 'm1', 0.98, 0.6), row('M_R', 'm2', 0.97, 0.7), row('M_R', 'm2', 0.96, 0.76), row('M_C', 'm3', 0.95, 0.5)],
      mcnemar: { M_vs_M_R: 0.00001, M_vs_M_C: 0 },
    });
    await seed();
    const w = mount(CompareView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="compare-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'curation.compare')?.input).toEqual({ modelIds: ['m1', 'm2'], datasetId: 'ds1', split: 'test' });
    expect(w.find('[data-testid="compare-row-M"]').text()).toContain('98.0%');
    expect(w.find('[data-testid="compare-row-M"]').text()).toContain('[59.0%, 61.0%]');
    expect(w.find('[data-testid="mcnemar-M_vs_M_R"]').text()).toContain('p = 1.00e-5');
    // an underflowing p-value reads "< 1e-300", never "0.0e+0" (the formatter of report.md and Experiments)
    expect(w.find('[data-testid="mcnemar-M_vs_M_C"]').text()).toContain('p < 1e-300');
    expect(w.find('[data-testid="mcnemar-M_vs_M_C"]').text()).not.toContain('e+0');
    expect(w.find('[data-testid="composition"]').text()).toContain('curated set');
    // trained on: the images fitted on, the validation carve beside them; an unknown lineage says so
    expect(w.find('[data-testid="composition-count-M"]').text()).toBe('90 (+ 10 validation)');
    expect(w.find('[data-testid="composition-count-M_C"]').text()).toBe('unknown');
    expect(w.find('[data-testid="spread"]').text()).toContain('73.0% [70.0%, 76.0%]');
  });

  it('on a dataset without a test split, says the comparison is on the held-out carve', async () => {
    const { pinia, client } = await setup();
    client.handlers['curation.compare'] = () => ({
      images: 'held-out carve of train (12 images)',
      rows: [{ label: 'M', modelId: 'm1', runId: 'r', testAccuracy: 0.75, robustRatio: 0.5, robustRatioCI95: [0.2, 0.8] as [number, number], perClassRobustRatio: [], curve: [0.5], trainingSet: { source: 'single train split (held-out carve excluded)', count: 43, validation: 5, classCounts: [22, 21] } }],
      mcnemar: {},
    });
    await seed();
    const w = mount(CompareView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="compare-button"]').trigger('submit');
    await flush();
    expect(w.find('[data-testid="compare-images"]').text()).toMatch(/^Evaluated on the held-out carve of train \(12 images\): the images none of these models trained on/);
    expect(w.find('[data-testid="compare-table"] thead').text()).toContain('Accuracy');
    expect(w.find('[data-testid="compare-table"] thead').text()).not.toContain('Test accuracy');
    expect(w.find('[data-testid="composition-count-M"]').text()).toBe('43 (+ 5 validation)');
  });
});
