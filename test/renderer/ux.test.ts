/**
 * Issue 12 (first contact and everyday use), items 1, 2, 5, 3, 4, 15 and 16: what a new user saw
 * go wrong, each checked as the user sees it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useJobs } from '../../src-renderer/src/stores/jobs';
import { useModels } from '../../src-renderer/src/stores/models';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import { useCuration } from '../../src-renderer/src/stores/curation';
import { useNotify } from '../../src-renderer/src/stores/notify';
import ModelsView from '../../src-renderer/src/views/ModelsView.vue';
import ScoreView from '../../src-renderer/src/views/ScoreView.vue';
import { fakeWorkspaceClient, flush, makeModel, makeRun } from './fakes';

async function setup(opts: Parameters<typeof fakeWorkspaceClient>[0] = {}) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const client = fakeWorkspaceClient(opts);
  setClient(client);
  return { pinia, client };
}
async function seed() {
  await useJobs().init();
  await Promise.all([useDatasets().init(), useModels().init(), useScoring().init(), useCuration().init()]);
}

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
