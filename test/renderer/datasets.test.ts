import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useJobs } from '../../src-renderer/src/stores/jobs';
import { useNotify } from '../../src-renderer/src/stores/notify';
import DatasetsView from '../../src-renderer/src/views/DatasetsView.vue';
import Toasts from '../../src-renderer/src/components/Toasts.vue';
import { fakeWorkspaceClient, flush, labelOf } from './fakes';

async function setup() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const client = fakeWorkspaceClient({ train: 60, test: 20 });
  setClient(client);
  await Promise.all([useDatasets().init(), useJobs().init()]);
  const w = mount({ components: { DatasetsView, Toasts }, template: '<DatasetsView /><Toasts />' }, { global: { plugins: [pinia] } });
  await flush();
  return { w, client };
}

describe('Datasets view', () => {
  beforeEach(() => {
    delete window.rpr;
  });

  it('imports with the path, format and name the user entered, and shows the job progress', async () => {
    const { w, client } = await setup();
    await w.find('[data-testid="import-path"]').setValue('  /data/mnist  ');
    await w.find('[data-testid="import-format"]').setValue('idx');
    await w.find('[data-testid="import-name"]').setValue('MNIST');
    await w.find('[data-testid="import-button"]').trigger('submit');
    await flush();
    const call = client.calls.find((c) => c.name === 'datasets.import');
    expect(call?.input).toEqual({ path: '/data/mnist', format: 'idx', name: 'MNIST' });
    client.emit('job.progress', { jobId: 'job1', kind: 'import', done: 30000, total: 70000, rate: 50000, unit: 'images', etaMs: 800 });
    await flush();
    const job = w.find('[data-testid="job-inline"]');
    expect(job.attributes('data-status')).toBe('running');
    expect(job.text()).toContain('30000/70000 images');
    client.emit('job.finished', { jobId: 'job1', kind: 'import', status: 'failed', error: '/data/mnist/train-labels-idx1-ubyte: truncated (expected 60008 bytes, got 100)' });
    await flush();
    expect(w.find('[data-testid="job-inline"]').attributes('data-status')).toBe('failed');
    const toast = w.findAll('[data-testid="toast"]').find((t) => t.attributes('data-kind') === 'error');
    expect(toast?.text()).toContain('train-labels-idx1-ubyte: truncated');
  });

  it('shows server errors of a call to the user', async () => {
    const { w, client } = await setup();
    client.handlers['datasets.import'] = () => {
      throw new Error('/nope: no such file or folder');
    };
    await w.find('[data-testid="import-path"]').setValue('/nope');
    await w.find('[data-testid="import-button"]').trigger('submit');
    await flush();
    expect(w.find('[data-testid="toast"]').text()).toContain('import: /nope: no such file or folder');
    expect(w.find('[data-testid="toast"]').attributes('role')).toBe('alert');
  });

  it('refuses an empty path without calling the server', async () => {
    const { w, client } = await setup();
    await w.find('[data-testid="import-button"]').trigger('submit');
    await flush();
    expect(client.calls.some((c) => c.name === 'datasets.import')).toBe(false);
    expect(useNotify().toasts[0].message).toMatch(/enter the path/);
  });

  it('lists datasets and shows the summary with per-class counts per split', async () => {
    const { w, client } = await setup();
    const items = w.findAll('[data-testid="dataset-item"]');
    expect(items).toHaveLength(1);
    expect(items[0].text()).toContain('tiny-mnist');
    expect(w.find('[data-testid="summary-shape"]').text()).toBe('4×4×1');
    expect(w.find('[data-testid="summary-total"]').text()).toBe('80');
    expect(w.find('[data-testid="split-count-train"]').text()).toContain('60');
    expect(w.find('[data-testid="histogram"]').exists()).toBe(true);
    for (const [split, n] of [['train', 60], ['test', 20]] as const) {
      for (let c = 0; c < 10; c++) {
        let expected = 0;
        for (let i = 0; i < n; i++) if (labelOf(split, i) === c) expected++;
        expect(w.find(`[data-testid="class-count-${split}-${c}"]`).text()).toBe(String(expected));
      }
    }
    // live update from the datasets.changed event
    const ds2 = { ...client.dataset, id: 'ds2', name: 'fashion' };
    client.emit('datasets.changed', { datasets: [client.dataset, ds2] });
    await flush();
    expect(w.findAll('[data-testid="dataset-item"]')).toHaveLength(2);
  });

  it('downloads MNIST from the mirror given', async () => {
    const { w, client } = await setup();
    await w.find('[data-testid="download-mirror"]').setValue('http://127.0.0.1:8080/mnist/');
    await w.find('[data-testid="download-button"]').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'datasets.download')?.input).toEqual({ mirror: 'http://127.0.0.1:8080/mnist/' });
    expect(useJobs().jobs['job1'].kind).toBe('download');
  });

  it('drag-and-drop uses the preload path when present, explains otherwise', async () => {
    const { w, client } = await setup();
    const file = new File(['x'], 'mnist');
    await w.find('[data-testid="view-datasets"]').trigger('drop', { dataTransfer: { files: [file] } });
    await flush();
    expect(w.find('[data-testid="drop-note"]').text()).toMatch(/needs the desktop app/);
    expect(client.calls.some((c) => c.name === 'datasets.import')).toBe(false);
    window.rpr = { invoke: async () => ({ ok: true, value: null }), on: () => () => {}, pathForFile: (f: File) => `/dropped/${f.name}` };
    await w.find('[data-testid="view-datasets"]').trigger('drop', { dataTransfer: { files: [file] } });
    await flush();
    expect(client.calls.find((c) => c.name === 'datasets.import')?.input).toEqual({ path: '/dropped/mnist', format: 'auto' });
  });
});
