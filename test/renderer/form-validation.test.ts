/**
 * Issue 12, item 13: every form field is validated where it is typed, with the rule in words;
 * an invalid form never sends a call, so no raw schema message can reach the user.
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
import { SCHEMES, defaultParams } from '../../src-renderer/src/lib/schemes';
import ScoreView from '../../src-renderer/src/views/ScoreView.vue';
import ModelsView from '../../src-renderer/src/views/ModelsView.vue';
import CurateView from '../../src-renderer/src/views/CurateView.vue';
import { fakeWorkspaceClient, flush } from './fakes';

async function setup() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const client = fakeWorkspaceClient();
  setClient(client);
  client.handlers['scoring.start'] = () => ({ jobId: 's1', runId: 'run9' });
  client.handlers['models.train'] = () => ({ jobId: 't1' });
  client.handlers['curation.preview'] = () => ({ before: new Array(10).fill(2), after: new Array(10).fill(2), short: [], total: 20, members: [] });
  await useJobs().init();
  await Promise.all([useDatasets().init(), useModels().init(), useScoring().init(), useCuration().init()]);
  return { pinia, client };
}
const text = (w: ReturnType<typeof mount>, id: string) => w.find(`[data-testid="${id}"]`);

describe('form validation (issue 12, item 13)', () => {
  beforeEach(() => localStorage.clear());

  it('the renderer reads scheme ranges from the contract (no drift: blur σ up to 100, occlusion default a quarter side)', () => {
    expect(SCHEMES.find((s) => s.name === 'blur')!.params.map((p) => p.max)).toEqual([100, 100]);
    expect(defaultParams('occlusion', { height: 64, width: 48 })).toEqual({ size: 12, value: 0 });
  });

  it('Score: empty k, k = 0, empty Max steps are named where they are typed, and nothing is sent', async () => {
    const { pinia, client } = await setup();
    const w = mount(ScoreView, { global: { plugins: [pinia] } });
    await flush();
    await text(w, 'score-param-k').setValue('');
    expect(text(w, 'score-error-k').text()).toBe('k is empty: enter a whole number from 1 to 1000000.');
    expect(text(w, 'score-param-k').attributes('aria-invalid')).toBe('true');
    expect(text(w, 'score-button').attributes('disabled')).toBeDefined();
    await text(w, 'score-param-k').setValue('0');
    expect(text(w, 'score-error-k').text()).toBe('k must be at least 1 (got 0).');
    await text(w, 'score-param-k').setValue('3');
    expect(text(w, 'score-error-k').exists()).toBe(false);
    await text(w, 'score-maxsteps').setValue('');
    expect(text(w, 'score-error-maxsteps').text()).toBe('Max steps is empty: enter a whole number from 1 to 100000.');
    await text(w, 'score-button').trigger('submit');
    await flush();
    expect(client.calls.some((c) => c.name === 'scoring.start')).toBe(false);
    expect(useNotify().toasts).toEqual([]);
    // a shape-bound range: pixels k at most H·W = 16 for the 4×4 fake dataset
    await text(w, 'score-maxsteps').setValue('100');
    await text(w, 'score-scheme').setValue('pixels');
    await flush();
    await text(w, 'score-param-k').setValue('17');
    expect(text(w, 'score-error-k').text()).toBe('k must be at most 16 (got 17).');
    await text(w, 'score-param-k').setValue('16');
    await text(w, 'score-button').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'scoring.start')?.input).toMatchObject({ scheme: { name: 'pixels', params: { k: 16 } }, maxSteps: 100 });
  });

  it('Train: empty or out-of-range epochs, validation share and seed say their rule; Train stays disabled', async () => {
    const { pinia, client } = await setup();
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    await text(w, 'train-epochs').setValue('');
    expect(w.find('#train-err-epochs').text()).toBe('Epochs is empty: enter a whole number from 1 to 1000.');
    await text(w, 'train-val').setValue('0.7');
    expect(w.find('#train-err-val').text()).toBe('Validation share must be at most 0.5 (got 0.7).');
    await text(w, 'train-seed').setValue('-1');
    expect(w.find('#train-err-seed').text()).toBe('Seed must be at least 0 (got -1).');
    expect(text(w, 'train-button').attributes('disabled')).toBeDefined();
    await text(w, 'train-button').trigger('submit');
    await flush();
    expect(client.calls.some((c) => c.name === 'models.train')).toBe(false);
  });

  it('Curate: N = 0, a negative seed and an index past the split are named, never clamped silently', async () => {
    const { pinia, client } = await setup();
    const w = mount(CurateView, { global: { plugins: [pinia] } });
    await text(w, 'curate-run').setValue('run1');
    await text(w, 'curate-balance').setValue('per-class');
    await text(w, 'curate-n').setValue('0');
    await flush();
    expect(w.find('#curate-err-n').text()).toBe('N must be at least 1 (got 0).');
    await text(w, 'curate-seed').setValue('-2');
    expect(w.find('#curate-err-seed').text()).toBe('Seed must be at least 0 (got -2).');
    await text(w, 'override-index').setValue('20');
    expect(w.find('#curate-err-index').text()).toBe('Image index must be at most 19 (got 20).');
    await text(w, 'override-exclude').trigger('click');
    await new Promise((r) => setTimeout(r, 250));
    await flush();
    expect(text(w, 'override-count').text()).toBe('0');
    const previews = client.calls.filter((c) => c.name === 'curation.preview').map((c) => c.input as { rules: { balance: { n?: number }; seed: number } });
    expect(previews.every((p) => p.rules.balance.n !== 0 && p.rules.seed >= 0)).toBe(true);
  });
});
