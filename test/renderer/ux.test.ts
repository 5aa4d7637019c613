/**
 * Issue 12 (first contact and everyday use), items 1, 2, 5, 3, 4, 15 and 16: what a new user saw
 * go wrong, each checked as the user sees it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import { useNotify } from '../../src-renderer/src/stores/notify';
import ModelsView from '../../src-renderer/src/views/ModelsView.vue';
import ScoreView from '../../src-renderer/src/views/ScoreView.vue';
import { flush, makeModel, makeRun } from './fakes';
import { seed, setup } from './store-setup';

beforeEach(() => localStorage.clear());

describe('item 1: training charts', () => {
  it('plot loss/val loss and accuracy/val accuracy against real-valued epochs, never the counters; the summary is readable', async () => {
    const { pinia, client } = await setup();
    await seed();
    client.handlers['models.train'] = () => ({ jobId: 't1' });
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="train-button"]').trigger('submit');
    await flush();
    const rec = (epoch: number, batch: number, extra: Record<string, number> = {}) =>
      client.emit('job.progress', { jobId: 't1', kind: 'train', done: batch, total: 1266, rate: 900, unit: 'samples', etaMs: 8000, metrics: { epoch, epochs: 3, batch, batches: 422, loss: 1 / (epoch + batch / 422), acc: 0.5 + 0.1 * epoch, epochEnd: batch === 422 ? 1 : 0, ...extra } });
    rec(1, 110);
    rec(1, 211);
    rec(1, 422, { valLoss: 0.31, valAcc: 0.91 });
    rec(2, 211);
    await flush();
    const loss = w.find('[data-testid="train-loss-chart"]');
    const acc = w.find('[data-testid="train-acc-chart"]');
    expect(loss.attributes('data-series')).toBe('loss,val loss');
    expect(acc.attributes('data-series')).toBe('accuracy,val accuracy');
    // x is epochs as a real number: batch 110 of 422 in epoch 1 is 0.2607, not "1.110"
    expect(loss.attributes('data-x')).toBe('0.2607,0.5,1,1.5');
    const summary = w.find('[data-testid="train-last"]').text();
    expect(summary).toBe('epoch 2/3 · batch 211/422 · loss 0.4000 · accuracy 70.00% · val loss 0.3100 · val accuracy 91.00%');
    expect(summary).not.toMatch(/batches|epochEnd|epochs \d/);
    w.unmount();
  });
});

describe('item 2: cancelled training', () => {
  it('a cancelled train job is shown as cancelled (no success toast); a model kept from a cancelled training is marked in the list, detail and pickers', async () => {
    const { pinia, client } = await setup();
    client.handlers['models.list'] = () => [makeModel('m1', 'M'), { ...makeModel('m2', 'half'), config: { epochs: 3, epochsRun: 0, cancelled: true } }];
    await seed();
    client.handlers['models.train'] = () => ({ jobId: 't1' });
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="train-button"]').trigger('submit');
    await flush();
    client.emit('job.finished', { jobId: 't1', kind: 'train', status: 'cancelled', error: 'training cancelled after 0 of 3 epochs: the partly trained model was not kept' });
    await flush();
    const toasts = useNotify().toasts;
    expect(toasts.some((t) => t.kind === 'success')).toBe(false);
    expect(toasts.find((t) => t.kind === 'info')?.message).toMatch(/cancelled after 0 of 3 epochs: the partly trained model was not kept/);
    const job = w.find('#train-title').element.closest('form')!.querySelector('[data-testid="job-inline"]')!;
    expect(job.getAttribute('data-status')).toBe('cancelled');
    expect(job.querySelector('[data-testid="job-error"]')!.className).not.toContain('error-text');
    const items = w.findAll('[data-testid="model-item"]');
    expect(items[0].find('[data-testid="model-cancelled"]').exists()).toBe(false);
    expect(items[1].find('[data-testid="model-cancelled"]').text()).toBe('cancelled after 0 epochs');
    await items[1].trigger('click');
    await flush();
    expect(w.find('#model-title').text()).toBe('half (cancelled after 0 epochs)');
    w.unmount();
    const s = mount(ScoreView, { global: { plugins: [pinia] } });
    await flush();
    expect(s.findAll('[data-testid="score-model"] option').map((o) => o.text())).toEqual(['M', 'half (cancelled after 0 epochs)']);
    s.unmount();
  });
});

describe('item 5: the Runs table follows scoring jobs live', () => {
  it('moves with every commit (no call, no lag) and shows a cancelled run as cancelled', async () => {
    const { pinia, client } = await setup();
    const running = { ...makeRun('run2', 500), status: 'running' as const, done: 0, stats: null };
    client.handlers['scoring.list'] = () => [makeRun('run1'), running];
    client.handlers['scoring.get'] = (i) => (i.runId === 'run2' ? running : makeRun(i.runId));
    await seed();
    const w = mount(ScoreView, { global: { plugins: [pinia] } });
    await flush();
    const row = () => w.findAll('[data-testid="run-item"]').find((r) => r.attributes('data-id') === 'run2')!;
    expect(row().text()).toContain('0/500');
    client.emit('job.progress', { jobId: 's1', kind: 'score', done: 137, total: 500, rate: 50, unit: 'images', etaMs: 1000 });
    client.emit('scoring.changed', { runId: 'run2', done: 137, count: 500 });
    await flush();
    expect(row().text()).toContain('137/500');
    expect(client.calls.filter((c) => c.name === 'scoring.get')).toHaveLength(0);
    // cancelled: the service marks the run cancelled and the table says so
    Object.assign(running, { status: 'cancelled', done: 137 });
    client.emit('job.finished', { jobId: 's1', kind: 'score', status: 'cancelled', error: 'cancelled' });
    await flush();
    expect(row().attributes('data-status')).toBe('cancelled');
    expect(row().findAll('td').map((t) => t.text())).toContain('cancelled');
    expect(row().find('[data-testid="run-resume"]').exists()).toBe(true);
    w.unmount();
  });
});

describe('item 3: equalize to smallest class', () => {
  it('warns in the preview which class sets the size and by how much it is short', async () => {
    const { pinia, client } = await setup();
    const kept = [90, 97, 3, 88, 92, 80, 85, 91, 77, 95];
    client.handlers['curation.preview'] = (i) => {
      const eq = i.rules.balance.mode === 'equalize';
      return { before: new Array(10).fill(100), after: eq ? new Array(10).fill(3) : kept, short: [], kept, target: eq ? 3 : null, total: eq ? 30 : 798, members: [] };
    };
    await seed();
    const { default: CurateView } = await import('../../src-renderer/src/views/CurateView.vue');
    const w = mount(CurateView, { global: { plugins: [pinia] } });
    await w.find('[data-testid="curate-run"]').setValue('run1');
    await new Promise((r) => setTimeout(r, 50));
    await flush();
    expect(w.find('[data-testid="curate-equalize-note"]').exists()).toBe(false);
    await w.find('[data-testid="curate-balance"]').setValue('equalize');
    await new Promise((r) => setTimeout(r, 250));
    await flush();
    expect(w.find('[data-testid="curate-equalize-note"]').text()).toBe(
      'Equalized to 3 per class: class two kept only 3 images, 94 fewer than class one (97). Balancing leaves out 768 of the 798 kept images.',
    );
    w.unmount();
  });
});

describe('item 4: one chosen curated set', () => {
  const set1 = { id: 'set1', name: 'robust-3', version: 2, datasetId: 'ds1', runId: 'run1', rules: { minSteps: null, balance: { mode: 'per-class' as const, n: 3 }, seed: 0 }, overrides: [{ index: 5, mode: 'exclude' as const }], classCounts: [], total: 29, createdAt: 'now' };
  it('drives the preview, export and retrain, is shown by name, and survives a reload', async () => {
    const { pinia, client } = await setup();
    client.handlers['curation.list'] = () => [set1];
    // a set curated from a training-split run: the kind Retrain may use (issue 9)
    const trainRun = () => [{ ...makeRun('run1'), split: 'train', purpose: 'training-split' as const }];
    client.handlers['scoring.list'] = trainRun;
    client.handlers['curation.preview'] = (i) => ({ before: new Array(10).fill(6), after: new Array(10).fill(3), short: [], total: 30 - (i.overrides?.length ?? (i.workspaceOverrides ? set1.overrides.length : 0)), members: [] });
    client.handlers['curation.export'] = () => ({ jobId: 'x1' });
    client.handlers['curation.retrain'] = () => ({ jobId: 'r1' });
    const { useWorkspace } = await import('../../src-renderer/src/stores/workspace');
    await useWorkspace().init();
    await seed();
    const { default: CurateView } = await import('../../src-renderer/src/views/CurateView.vue');
    let w = mount(CurateView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="curate-set"]').setValue('set1');
    await new Promise((r) => setTimeout(r, 250));
    await flush();
    // the set's run and recipe fill the editor and the preview
    expect((w.find('[data-testid="curate-run"]').element as HTMLSelectElement).value).toBe('run1');
    expect((w.find('[data-testid="curate-balance"]').element as HTMLSelectElement).value).toBe('per-class');
    // the preview reads the set's overrides from the workspace, where choosing the set put them
    expect(client.calls.filter((c) => c.name === 'curation.preview').at(-1)?.input).toEqual({ runId: 'run1', rules: set1.rules, workspaceOverrides: true });
    expect(client.calls.filter((c) => c.name === 'curation.editOverrides').at(-1)?.input).toMatchObject({ datasetId: 'ds1', mode: 'exclude' });
    expect(w.find('[data-testid="preview-set-name"]').text()).toBe('“robust-3” v2');
    expect(w.find('[data-testid="export-set-name"]').text()).toBe('Set: “robust-3” v2 · 29 images');
    expect(w.find('[data-testid="retrain-set-name"]').text()).toBe('On set: “robust-3” v2 · 29 images');
    w.unmount();

    // a reload: new stores, the same browser storage
    const again = await setup();
    again.client.handlers['curation.list'] = () => [set1];
    again.client.handlers['scoring.list'] = trainRun;
    again.client.handlers['curation.preview'] = client.handlers['curation.preview'];
    again.client.handlers['curation.export'] = () => ({ jobId: 'x2' });
    again.client.handlers['curation.retrain'] = () => ({ jobId: 'r2' });
    await useWorkspace().init();
    await seed();
    w = mount(CurateView, { global: { plugins: [again.pinia] } });
    await new Promise((r) => setTimeout(r, 250));
    await flush();
    expect((w.find('[data-testid="curate-set"]').element as HTMLSelectElement).value).toBe('set1');
    expect((w.find('[data-testid="curate-balance"]').element as HTMLSelectElement).value).toBe('per-class');
    expect(w.find('[data-testid="preview-set-name"]').text()).toBe('“robust-3” v2');
    expect(w.find('[data-testid="curate-total"]').text()).toBe('29');
    await w.find('[data-testid="export-path"]').setValue('/out/x');
    await w.find('[data-testid="export-button"]').trigger('submit');
    await w.find('[data-testid="retrain-button"]').trigger('submit');
    await flush();
    expect(again.client.calls.find((c) => c.name === 'curation.export')?.input).toMatchObject({ setId: 'set1' });
    expect(again.client.calls.find((c) => c.name === 'curation.retrain')?.input).toMatchObject({ setId: 'set1' });
    // an edit: the preview no longer claims to be the set, and says what Export and Retrain use
    await w.find('[data-testid="curate-balance"]').setValue('all');
    await flush();
    expect(w.find('[data-testid="preview-set-name"]').exists()).toBe(false);
    expect(w.find('[data-testid="preview-set-edited"]').text()).toContain('Export and Retrain use the saved set');
    w.unmount();
  });
});

describe('item 15: toasts and popovers', () => {
  it('the engine ⚙ popover closes on Escape and on a click elsewhere (a change of view); errors stay until dismissed, info fades', async () => {
    const { pinia } = await setup();
    const { default: App } = await import('../../src-renderer/src/App.vue');
    const w = mount(App, { global: { plugins: [pinia] }, attachTo: document.body });
    await flush(10);
    const details = w.find('[data-testid="engine-settings"]').element as HTMLDetailsElement;
    details.open = true;
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(details.open).toBe(false);
    details.open = true;
    await w.find('[data-testid="nav-models"]').trigger('click');
    await flush();
    expect(w.find('[data-testid="view-models"]').exists()).toBe(true);
    expect(details.open).toBe(false);
    // a click inside the popover leaves it open
    details.open = true;
    (details.querySelector('[data-testid="engine-workers"]') as HTMLElement).click();
    expect(details.open).toBe(true);
    details.open = false;

    const notify = useNotify();
    notify.toasts = []; // whatever the fake workspace lacks (it has no jobs.interrupted) is not this test's concern
    notify.push('error', 'first');
    notify.push('error', 'second');
    notify.push('info', 'fades', 200);
    expect(notify.toasts.map((t) => t.kind)).toEqual(['error', 'error', 'info']);
    await new Promise((r) => setTimeout(r, 400));
    await flush();
    expect(w.findAll('[data-testid="toast"]').map((t) => t.attributes('data-kind'))).toEqual(['error', 'error']);
    // the toasts sit in their own docked row, not over the content
    expect(w.find('[data-testid="toasts"]').classes()).toContain('shown');
    await w.find('[data-testid="toasts-dismiss-errors"]').trigger('click');
    expect(w.findAll('[data-testid="toast"]')).toHaveLength(0);
    w.unmount();
  }, 30_000); // the whole shell mounts: slow on a loaded machine
});

describe('item 16: small things', () => {
  const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

  it('selects the dataset an import made', async () => {
    const { pinia, client } = await setup();
    await seed();
    const { default: DatasetsView } = await import('../../src-renderer/src/views/DatasetsView.vue');
    const w = mount(DatasetsView, { global: { plugins: [pinia] } });
    await flush();
    expect(useDatasets().selectedId).toBe('ds1');
    const ds2 = { ...client.dataset, id: 'ds2', name: 'mnist-small' };
    client.handlers['datasets.list'] = () => [client.dataset, ds2];
    client.emit('datasets.changed', { datasets: [client.dataset, ds2] });
    client.emit('job.finished', { jobId: 'i1', kind: 'import', status: 'done', result: ds2 });
    await flush();
    expect(useDatasets().selectedId).toBe('ds2');
    const active = w.findAll('[data-testid="dataset-item"]').find((b) => b.attributes('aria-pressed') === 'true');
    expect(active?.attributes('data-id')).toBe('ds2');
    w.unmount();
  });

  it('names classes once ("9", not "9 (9)" or "0 · 0"), and explains what "Fooling p ≤" bounds', async () => {
    const { pinia, client } = await setup({ train: 30, test: 20 });
    client.handlers['datasets.list'] = () => [{ ...client.dataset, classNames: digits }];
    const image = client.handlers['datasets.image']!;
    client.handlers['datasets.image'] = async (i) => {
      const d = await image(i);
      return { ...d, className: digits[d.label] };
    };
    client.handlers['scoring.fooling'] = (i) => ({
      id: `test/${i.index}`, step: 12, original: new Uint8Array(16), perturbed: new Uint8Array(16).fill(9), changedPixels: 16,
      cleanPred: 9, foolPred: 4, foolUpper: 0.25, shape: { height: 4, width: 4, channels: 1 },
    });
    await Promise.all([useDatasets().init(), useScoring().init()]);
    const { default: ExploreView } = await import('../../src-renderer/src/views/ExploreView.vue');
    const w = mount(ExploreView, { global: { plugins: [pinia] }, attachTo: document.body });
    await flush(10);
    const labels = w.findAll('[data-testid="filter-label"] option').map((o) => o.text());
    expect(labels).toEqual(['all', ...digits]);
    await w.find('[data-testid="explore-run"]').setValue('run1');
    await flush(10);
    await w.findAll('[data-testid="cell"]')[3].trigger('click');
    await flush(10);
    expect(w.find('[data-testid="detail-label"]').text()).toBe('9');
    expect(w.find('[data-testid="detail-fooling"]').findAll('figcaption').map((f) => f.text())).toEqual(['original → 9', 'step 12 → 4']);
    const help = w.find('[data-testid="detail-bound-help"]');
    expect(help.attributes('title')).toMatch(/^Upper bound \(one-sided Clopper–Pearson, 95% confidence\) on the chance that a single random perturbation of this image fools the model, from the 250 draws/);
    expect(help.attributes('tabindex')).toBe('0');
    // the pair comes first in the panel, before the image's own facts
    const panel = w.find('[data-testid="detail-panel"]').element;
    const order = [...panel.querySelectorAll('[data-testid="detail-fooling"], [data-testid="detail-label"]')].map((e) => e.getAttribute('data-testid'));
    expect(order).toEqual(['detail-fooling', 'detail-label']);
    w.unmount();
  });

  it('names a compared model once when its row label is its name ("M", not "M M")', async () => {
    const { pinia, client } = await setup();
    const row = (label: string, modelId: string) => ({
      label, modelId, runId: 'r', testAccuracy: 0.9, robustRatio: 0.5, robustRatioCI95: [0.4, 0.6] as [number, number],
      perClassRobustRatio: new Array(10).fill(0.5), curve: [0.9, 0.5], trainingSet: { source: 'train', count: 100, validation: 10, classCounts: new Array(10).fill(10) },
    });
    client.handlers['curation.compare'] = () => ({ rows: [row('M', 'm1'), row('M_R', 'm3')], mcnemar: { M_vs_M_R: 0.5 } });
    client.handlers['models.list'] = () => [makeModel('m1', 'M'), makeModel('m3', 'M_R: M on robust v1')];
    await seed();
    const { default: CompareView } = await import('../../src-renderer/src/views/CompareView.vue');
    const w = mount(CompareView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="compare-button"]').trigger('submit');
    await flush();
    // the row header names the model once; the run line below it is its own element
    const header = (label: string): string => {
      const th = w.find(`[data-testid="compare-row-${label}"] th`);
      return th.text().replace(th.find(`[data-testid="compare-run-${label}"]`).text(), '').trim();
    };
    expect(header('M')).toBe('M');
    expect(header('M_R')).toBe('M_R M_R: M on robust v1');
    w.unmount();
  });

  it('shows a model lineage as readable fields with links to its dataset, run, curated set and source model', async () => {
    const { pinia, client } = await setup();
    const set1 = { id: 'set1', name: 'robust-3', version: 2, datasetId: 'ds1', runId: 'run1', rules: { minSteps: null, balance: { mode: 'all' as const }, seed: 0 }, overrides: [], classCounts: [], total: 29, createdAt: 'now' };
    client.handlers['curation.list'] = () => [set1];
    client.handlers['curation.preview'] = () => ({ before: [], after: [], short: [], total: 29, members: [] });
    const mr = { ...makeModel('m2', 'M_R: M on robust-3 v2'), lineage: { datasetId: 'ds1', dataset: 'tiny-mnist', split: 'train', count: 29, role: 'M_R', curatedSetId: 'set1', curatedSet: 'robust-3 v2', sourceModelId: 'm1', trainCount: 26, valCount: 3 } };
    client.handlers['models.list'] = () => [makeModel('m1', 'M'), mr];
    const { useWorkspace } = await import('../../src-renderer/src/stores/workspace');
    await useWorkspace().init();
    await seed();
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    await w.findAll('[data-testid="model-item"]')[1].trigger('click');
    await flush();
    const card = w.find('#model-title').element.closest('article')!;
    expect(card.textContent).not.toMatch(/[{}"]/);
    const field = (id: string) => w.find(`[data-testid="${id}"]`).text();
    expect(field('lineage-role')).toBe('M_R: retrained on a curated set');
    expect(field('lineage-dataset')).toBe('tiny-mnist, train split');
    expect(field('lineage-count')).toBe('26 images (+ 3 held out for validation)');
    expect(field('lineage-set')).toBe('robust-3 v2');
    expect(field('lineage-run')).toBe('test split · paper · seed 0 · 250 steps');
    expect(field('lineage-source')).toBe('M');
    const { useNav } = await import('../../src-renderer/src/stores/nav');
    const { useSelectedSet } = await import('../../src-renderer/src/stores/selectedSet');
    const nav = useNav();
    await w.find('[data-testid="lineage-set-link"]').trigger('click');
    expect(nav.request).toBe('curate');
    expect(useSelectedSet().setId).toBe('set1');
    await w.find('[data-testid="lineage-run-link"]').trigger('click');
    expect(nav.request).toBe('score');
    expect(nav.focusRunId).toBe('run1');
    await w.find('[data-testid="lineage-dataset-link"]').trigger('click');
    expect(nav.request).toBe('datasets');
    await w.find('[data-testid="lineage-source-link"]').trigger('click');
    await flush();
    expect(w.find('#model-title').text()).toBe('M');
    w.unmount();
  });
});
