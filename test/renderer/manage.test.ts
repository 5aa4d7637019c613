/** Issue 12, item 8: delete (with what depends on it, confirmed, space freed shown) and rename from every view. */
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { RemovalPlan } from '../../src-main/contract';
import { setClient } from '../../src-renderer/src/api';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useJobs } from '../../src-renderer/src/stores/jobs';
import { useModels } from '../../src-renderer/src/stores/models';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import { useCuration } from '../../src-renderer/src/stores/curation';
import { useNotify } from '../../src-renderer/src/stores/notify';
import { formatBytes } from '../../src-renderer/src/stores/manage';
import ModelsView from '../../src-renderer/src/views/ModelsView.vue';
import DatasetsView from '../../src-renderer/src/views/DatasetsView.vue';
import ScoreView from '../../src-renderer/src/views/ScoreView.vue';
import CurateView from '../../src-renderer/src/views/CurateView.vue';
import { fakeWorkspaceClient, flush } from './fakes';

const plan = (over: Partial<RemovalPlan> = {}): RemovalPlan => ({
  target: { kind: 'model', id: 'm1', name: 'M' },
  removes: [
    { kind: 'run', id: 'run1', name: 'M · tiny-mnist/test · seed 0 · 2024-01-01 00:00' },
    { kind: 'curated', id: 'set1', name: 'robust v1' },
  ],
  affects: [{ kind: 'model', id: 'm2', name: 'M_R', why: 'trained on curated set robust v1: keeps its weights' }],
  bytes: 1_234_567,
  blocked: null,
  ...over,
});

async function setup() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const client = fakeWorkspaceClient();
  setClient(client);
  client.handlers['workspace.dependents'] = (i) => ({ ...plan(), target: { kind: i.kind, id: i.id, name: 'X' } });
  client.handlers['models.remove'] = () => ({ removed: true, target: { kind: 'model', id: 'm1', name: 'M' }, removedItems: [], freedBytes: 2_500_000 });
  client.handlers['models.rename'] = (i) => ({ kind: 'model', id: i.modelId, name: i.name });
  await useJobs().init();
  await Promise.all([useDatasets().init(), useModels().init(), useScoring().init(), useCuration().init()]);
  return { pinia, client };
}

describe('delete and rename (issue 12, item 8)', () => {
  beforeEach(() => localStorage.clear());

  it('formats the space freed', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1_234_567)).toBe('1.2 MB');
    expect(formatBytes(45_000_000_000)).toBe('45 GB');
  });

  it('Models: Delete… lists what goes with it and what is affected, shows the space, and deletes only on confirmation', async () => {
    const { pinia, client } = await setup();
    client.handlers['workspace.dependents'] = () => plan();
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="model-item"]').trigger('click');
    await w.find('[data-testid="item-delete"]').trigger('click');
    await flush();
    expect(client.calls.find((c) => c.name === 'workspace.dependents')?.input).toEqual({ kind: 'model', id: 'm1' });
    const dialog = w.find('[data-testid="delete-dialog"]');
    expect(dialog.text()).toContain('Delete model “M”?');
    expect(w.find('[data-testid="delete-removes"]').text()).toContain('scoring run M · tiny-mnist/test · seed 0');
    expect(w.find('[data-testid="delete-removes"]').text()).toContain('curated set robust v1');
    expect(w.find('[data-testid="delete-affects"]').text()).toContain('model M_R: trained on curated set robust v1');
    expect(w.find('[data-testid="delete-bytes"]').text()).toBe('Frees about 1.2 MB on disk.');
    expect(client.calls.some((c) => c.name === 'models.remove')).toBe(false);
    await w.find('[data-testid="delete-cancel"]').trigger('click');
    expect(w.find('[data-testid="delete-dialog"]').exists()).toBe(false);
    await w.find('[data-testid="item-delete"]').trigger('click');
    await flush();
    await w.find('[data-testid="delete-confirm"]').trigger('click');
    await flush();
    expect(client.calls.find((c) => c.name === 'models.remove')?.input).toEqual({ modelId: 'm1' });
    expect(useNotify().toasts.map((t) => t.message)).toContain('Deleted model M; 2.5 MB freed.');
    expect(w.find('[data-testid="delete-dialog"]').exists()).toBe(false);
    // every list is read again
    expect(client.calls.filter((c) => c.name === 'scoring.list').length).toBeGreaterThanOrEqual(2);
  });

  it('a removal a running job blocks says why and cannot be confirmed', async () => {
    const { pinia, client } = await setup();
    client.handlers['workspace.dependents'] = () => plan({ blocked: '"Score M on tiny-mnist/test" is running and uses this model: cancel it or let it finish first' });
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="model-item"]').trigger('click');
    await w.find('[data-testid="item-delete"]').trigger('click');
    await flush();
    expect(w.find('[data-testid="delete-blocked"]').text()).toContain('cancel it or let it finish first');
    expect(w.find('[data-testid="delete-confirm"]').attributes('disabled')).toBeDefined();
  });

  it('Rename says the rule in words when the name is empty, and renames', async () => {
    const { pinia, client } = await setup();
    const w = mount(ModelsView, { global: { plugins: [pinia] } });
    await flush();
    await w.find('[data-testid="model-item"]').trigger('click');
    await w.find('[data-testid="item-rename"]').trigger('click');
    await flush();
    expect((w.find('[data-testid="rename-input"]').element as HTMLInputElement).value).toBe('M');
    await w.find('[data-testid="rename-input"]').setValue('   ');
    expect(w.find('[data-testid="rename-error"]').text()).toBe('A name cannot be empty.');
    expect(w.find('[data-testid="rename-save"]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid="rename-input"]').setValue(' baseline ');
    expect(w.find('[data-testid="rename-error"]').exists()).toBe(false);
    await w.find('[data-testid="rename-input"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'models.rename')?.input).toEqual({ modelId: 'm1', name: 'baseline' });
  });

  it('Datasets, Score runs and curated sets have Rename and Delete… too, each asking for its own dependents', async () => {
    const { pinia, client } = await setup();
    client.handlers['curation.list'] = () => [{ id: 'set1', name: 'robust', version: 1, datasetId: 'ds1', runId: 'run1', rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 }, overrides: [], classCounts: [], total: 5, createdAt: 'x' }];
    await useCuration().refreshSets();
    const views = [
      { view: DatasetsView, kind: 'dataset', id: 'ds1' },
      { view: ScoreView, kind: 'run', id: 'run1' },
      { view: CurateView, kind: 'curated', id: 'set1' },
    ] as const;
    for (const v of views) {
      const w = mount(v.view, { global: { plugins: [pinia] } });
      await flush();
      if (v.kind === 'curated') {
        await w.find('[data-testid="curate-run"]').setValue('run1');
        await flush();
      }
      expect(w.find('[data-testid="item-rename"]').exists()).toBe(true);
      await w.find('[data-testid="item-delete"]').trigger('click');
      await flush();
      expect(client.calls.filter((c) => c.name === 'workspace.dependents').at(-1)?.input).toEqual({ kind: v.kind, id: v.id });
      expect(w.find('[data-testid="delete-dialog"]').exists()).toBe(true);
      w.unmount();
    }
  });
});
