import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useGrid } from '../../src-renderer/src/stores/grid';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import ExploreView from '../../src-renderer/src/views/ExploreView.vue';
import { fakeWorkspaceClient, flush, labelOf } from './fakes';

async function setup(train = 5000, test = 1000) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const client = fakeWorkspaceClient({ train, test });
  setClient(client);
  await Promise.all([useDatasets().init(), useScoring().init()]);
  const w = mount(ExploreView, { global: { plugins: [pinia] }, attachTo: document.body });
  await flush(10);
  return { w, client, grid: useGrid() };
}

describe('image grid', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
  });

  it('renders only the visible cells, with ids, labels and aria labels', async () => {
    const { w, grid, client } = await setup();
    expect(grid.rows.length).toBe(6000);
    const cells = w.findAll('[data-testid="cell"]');
    // 800x600 fallback viewport, 40px thumbs + 2px gap: 19 columns, 15 rows + overscan
    expect(cells.length).toBeGreaterThan(100);
    expect(cells.length).toBeLessThan(500);
    expect(cells[0].attributes('data-id')).toBe('train/0');
    expect(cells[0].attributes('data-label')).toBe(String(labelOf('train', 0)));
    expect(cells[0].attributes('aria-label')).toBe(`train/0, label ${client.dataset.classNames[labelOf('train', 0)]}`);
    expect(cells[1].attributes('data-id')).toBe('train/1');
    // only the thumbnails near the viewport are fetched (binary frames, ranges), never a whole split
    const thumbs = client.calls.filter((c) => c.name === 'datasets.thumbs').map((c) => c.input as { split: string; offset?: number; count?: number });
    expect(thumbs.length).toBeGreaterThan(0);
    expect(thumbs.every((t) => t.split === 'train')).toBe(true);
    expect(thumbs.reduce((a, t) => a + (t.count ?? 0), 0)).toBeLessThan(2000);
    // one canvas per visible row (drawn under the cells), none per cell
    expect(w.findAll('canvas.row-canvas').length).toBe(w.findAll('[role="row"]').length);
    expect(cells[0].find('canvas').exists()).toBe(false);
    expect(w.findAll('[role="row"]')[0].findAll('[data-testid="cell"]')).toHaveLength(19);
    expect(w.find('[data-testid="grid"]').attributes('data-count')).toBe('6000');
    w.unmount();
  });

  it('filters by label and split, sorts by label, and shrinks the thumbnails', async () => {
    const { w, grid } = await setup(300, 100);
    await w.find('[data-testid="filter-label"]').setValue('7');
    await flush();
    const cells = w.findAll('[data-testid="cell"]');
    expect(cells.length).toBe(grid.rows.length);
    expect(cells.length).toBe(40); // 30 of 300 train + 10 of 100 test have label 7
    expect(cells.every((c) => c.attributes('data-label') === '7')).toBe(true);
    await w.find('[data-testid="filter-split"]').setValue('test');
    await flush();
    const ids = w.findAll('[data-testid="cell"]').map((c) => c.attributes('data-id'));
    expect(ids.length).toBe(10);
    expect(ids.every((id) => id?.startsWith('test/'))).toBe(true);
    await w.find('[data-testid="filter-label"]').setValue('all');
    await w.find('[data-testid="sort-key"]').setValue('label');
    await w.find('[data-testid="sort-dir"]').setValue('desc');
    await flush();
    const labels = w.findAll('[data-testid="cell"]').map((c) => Number(c.attributes('data-label')));
    expect(labels[0]).toBe(9);
    expect([...labels].sort((a, b) => b - a)).toEqual(labels);
    const before = w.findAll('[data-testid="cell"]').length;
    await w.find('[data-testid="filter-split"]').setValue('all');
    await w.find('[data-testid="thumb-size"]').setValue('24');
    await flush();
    expect(grid.thumbSize).toBe(24);
    expect(w.findAll('[data-testid="cell"]').length).toBeGreaterThan(before);
    w.unmount();
  });

  it('moves the selection with the keyboard, scrolls it into view and opens the detail with Enter', async () => {
    const { w, grid } = await setup();
    const g = w.find('[data-testid="grid"]');
    await g.trigger('keydown', { key: 'ArrowRight' }); // no selection yet -> first cell
    expect(grid.cursor).toBe(0);
    await g.trigger('keydown', { key: 'ArrowRight' });
    await g.trigger('keydown', { key: 'ArrowDown' });
    expect(grid.cursor).toBe(1 + 19);
    await g.trigger('keydown', { key: 'ArrowLeft' });
    await g.trigger('keydown', { key: 'ArrowUp' });
    expect(grid.cursor).toBe(0);
    await g.trigger('keydown', { key: 'PageDown' });
    expect(grid.cursor).toBe(14 * 19); // 600 / 42 = 14 full rows per page
    await g.trigger('keydown', { key: 'End' });
    expect(grid.cursor).toBe(5999);
    await flush();
    // the last cell is now rendered and selected
    const sel = w.find('.cell.selected');
    expect(sel.attributes('data-id')).toBe('test/999');
    expect(sel.attributes('aria-selected')).toBe('true');
    expect(g.attributes('aria-activedescendant')).toBe('cell-5999');
    expect((g.element as HTMLElement).scrollTop).toBeGreaterThan(0);
    await g.trigger('keydown', { key: 'Home' });
    await flush();
    expect(grid.cursor).toBe(0);
    expect((g.element as HTMLElement).scrollTop).toBe(0);
    await g.trigger('keydown', { key: 'Enter' });
    await flush();
    expect(w.find('[data-testid="detail-panel"]').exists()).toBe(true);
    expect(w.find('[data-testid="detail-id"]').text()).toBe('train/0');
    await g.trigger('keydown', { key: 'Escape' });
    expect(w.find('[data-testid="detail-panel"]').exists()).toBe(false);
    w.unmount();
  });

  it('click opens the detail panel with id, label, split and origin', async () => {
    const { w, client } = await setup(300, 100);
    const cell = w.findAll('[data-testid="cell"]')[5];
    await cell.trigger('click');
    await flush();
    const panel = w.find('[data-testid="detail-panel"]');
    expect(panel.exists()).toBe(true);
    expect(w.find('[data-testid="detail-id"]').text()).toBe('train/5');
    const lab = labelOf('train', 5);
    expect(w.find('[data-testid="detail-label"]').text()).toBe(`${lab} (${client.dataset.classNames[lab]})`);
    expect(w.find('[data-testid="detail-split"]').text()).toBe('train');
    expect(w.find('[data-testid="detail-origin"]').text()).toBe('train-images-idx3-ubyte#5');
    expect(client.calls.find((c) => c.name === 'datasets.image')?.input).toEqual({ datasetId: 'ds1', split: 'train', index: 5 });
    expect(w.find('.cell.selected').attributes('data-id')).toBe('train/5');
    w.unmount();
  });

  it('with a scoring run: badges, score filters and sorts, and the fooling view', async () => {
    const { w, grid, client } = await setup(300, 100);
    client.handlers['scoring.fooling'] = (i) => ({
      id: `test/${i.index}`, step: 12, original: new Uint8Array(16), perturbed: new Uint8Array(16).fill(9), changedPixels: 16,
      cleanPred: 3, foolPred: 5, foolUpper: 0.25, shape: { height: 4, width: 4, channels: 1 },
    });
    // until the run's scores arrive the status says so (the browse bench waits on it)
    const scores = client.handlers['scoring.scores']!;
    let release: () => void = () => {};
    const gate = new Promise<void>((ok) => (release = ok));
    client.handlers['scoring.scores'] = async (i) => {
      await gate;
      return scores(i);
    };
    await w.find('[data-testid="explore-run"]').setValue('run1');
    await flush(10);
    expect(w.find('[data-testid="grid-status"]').text()).toContain('loading scores…');
    expect(grid.run).toBeNull();
    release();
    await flush(10);
    expect(w.find('[data-testid="grid-status"]').text()).not.toContain('loading');
    expect(grid.run?.id).toBe('run1');
    expect(w.find('[data-testid="score-filters"]').exists()).toBe(true);
    expect(w.find('[data-testid="run-robust-ratio"]').text()).toBe('30.0%');
    // scored rows only: the 100 test images
    expect(grid.rows.length).toBe(100);
    const c0 = w.findAll('[data-testid="cell"]')[0];
    expect(c0.attributes('data-id')).toBe('test/0');
    expect(c0.attributes('data-steps')).toBe('250');
    expect(c0.find('[data-testid="cell-badge"]').text()).toBe('★');
    await w.find('[data-testid="filter-misclassified"]').setValue('yes');
    await flush();
    const mis = w.findAll('[data-testid="cell"]');
    expect(mis.length).toBe(20); // every 5th image
    expect(mis.every((c) => c.attributes('data-steps') === '0' && c.classes('misclassified'))).toBe(true);
    await w.find('[data-testid="filter-misclassified"]').setValue('no');
    await w.find('[data-testid="sort-key"]').setValue('steps');
    await w.find('[data-testid="filter-robust"]').setValue('no');
    await flush();
    const steps = w.findAll('[data-testid="cell"]').map((c) => Number(c.attributes('data-steps')));
    expect(steps.length).toBeGreaterThan(0);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(steps.every((s) => s >= 1 && s < 250)).toBe(true);
    const min = w.find('[data-testid="filter-steps-min"]');
    await min.setValue('100');
    await min.trigger('change');
    await flush();
    expect(w.findAll('[data-testid="cell"]').every((c) => Number(c.attributes('data-steps')) >= 100)).toBe(true);
    await w.findAll('[data-testid="cell"]')[0].trigger('click');
    await flush(10);
    expect(w.find('[data-testid="detail-step"]').text()).toBe('12');
    expect(w.find('[data-testid="detail-changed"]').text()).toBe('16');
    expect(w.find('[data-testid="detail-bound"]').text()).toBe('0.250');
    // perturbation preview
    client.handlers['scoring.preview'] = (i) => ({ original: new Uint8Array(16), perturbed: i.steps.map(() => new Uint8Array(16)), shape: { height: 4, width: 4, channels: 1 } });
    await w.find('[data-testid="preview-run"]').trigger('click');
    await flush();
    const call = client.calls.find((c) => c.name === 'scoring.preview')!;
    // the preview's defaults follow the dataset's shape: k = round(sqrt(4*4)) = 4 (issue 12, item 13)
    expect(call.input).toMatchObject({ datasetId: 'ds1', split: 'test', scheme: { name: 'paper', params: { k: 4 } }, steps: [1, 2, 3, 4, 5, 6] });
    expect(w.findAll('.preview canvas').length).toBe(6);
    // detaching the run restores the plain grid
    await w.find('[data-testid="explore-run"]').setValue('');
    await flush();
    expect(grid.rows.length).toBe(400);
    expect(w.find('[data-testid="cell-badge"]').exists()).toBe(false);
    w.unmount();
  });
});
