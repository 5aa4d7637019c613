import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { GridIndex } from '../../src-renderer/src/lib/gridIndex';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useGrid } from '../../src-renderer/src/stores/grid';
import { useNav } from '../../src-renderer/src/stores/nav';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import { useSelection } from '../../src-renderer/src/stores/selection';
import ExploreView from '../../src-renderer/src/views/ExploreView.vue';
import { fakeWorkspaceClient, flush, labelOf } from './fakes';

/** Views read the grid through methods of GridIndex and the stores, never their arrays. */
describe('GridIndex accessors', () => {
  // rows: train/0..2 then test/0..1; labels 0,1,2,1,0
  const ix = new GridIndex({ splitNames: ['train', 'test'], splitCounts: [3, 2], label: [0, 1, 2, 1, 0] });

  it('image(row) names the split, index and label of a row', () => {
    expect(ix.image(0)).toEqual({ split: 'train', index: 0, label: 0 });
    expect(ix.image(4)).toEqual({ split: 'test', index: 1, label: 0 });
  });

  it('scoreAt(row) is null without a run and for rows the run did not score', () => {
    expect(ix.scoreAt(3)).toBeNull();
    ix.setScores({ index: [1], steps: [7], robust: [0], cleanPred: [2], foolPred: [5] }, 'test', 10);
    expect(ix.scoreAt(3)).toBeNull(); // test/0 was not scored
    expect(ix.scoreAt(4)).toEqual({ steps: 7, robust: false, cleanPred: 2, foolPred: 5 });
    expect(ix.scoreAt(1)).toBeNull(); // a train row
    ix.setScores(null);
    expect(ix.scoreAt(4)).toBeNull();
  });

  it('indicesIn(split, rows) keeps the rows of that split, in the rows order', () => {
    expect(ix.indicesIn('test', [4, 0, 3, 2])).toEqual([1, 0]);
    expect(ix.indicesIn('train', [2, 0, 4])).toEqual([2, 0]);
    expect(ix.indicesIn('valid', [0, 1])).toEqual([]);
  });

  it('markFlagged sets one byte per flagged image of a split and counts them', () => {
    const bits = new Uint8Array(3);
    expect(ix.markFlagged(Uint8Array.from([1, 0, 1, 1, 0]), 0, bits)).toBe(2);
    expect([...bits]).toEqual([1, 0, 1]);
  });
});

describe('the Explore view through the stores\' methods', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
  });

  async function setup() {
    const pinia = createPinia();
    setActivePinia(pinia);
    const client = fakeWorkspaceClient({ train: 300, test: 100 });
    setClient(client);
    await Promise.all([useDatasets().init(), useScoring().init()]);
    const w = mount(ExploreView, { global: { plugins: [pinia] }, attachTo: document.body });
    await flush(10);
    return { w, client, grid: useGrid(), sel: useSelection() };
  }

  it('grid getters: split names, image count, the image under the cursor, the indices shown per split', async () => {
    const { w, grid } = await setup();
    expect(grid.splitNames).toEqual(['train', 'test']);
    expect(grid.imageCount).toBe(400);
    expect(w.find('[data-testid="grid-status"]').text()).toContain('400 of 400');
    expect(grid.selectedImage).toBeNull();
    grid.setCursor(301);
    expect(grid.selectedImage).toEqual({ split: 'test', index: 1, label: labelOf('test', 1) });
    await w.find('[data-testid="filter-label"]').setValue('7');
    await flush();
    const withLabel7 = (split: string, n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => labelOf(split, i) === 7);
    expect(grid.shownIndicesIn('test')).toEqual(withLabel7('test', 100));
    expect(grid.shownIndicesIn('test')).toHaveLength(10);
    expect(grid.shownIndicesIn('train')).toEqual(withLabel7('train', 300));
    w.unmount();
  });

  it('setQuery changes the result; the sort and filter selects go through it', async () => {
    const { w, grid } = await setup();
    grid.setQuery({ splits: [1], sortDir: 'desc' });
    await flush();
    expect(grid.rows.length).toBe(100);
    expect(w.findAll('[data-testid="cell"]')[0].attributes('data-id')).toBe('test/99');
    await w.find('[data-testid="sort-dir"]').setValue('asc');
    await flush();
    expect(grid.query.sortDir).toBe('asc');
    expect(w.findAll('[data-testid="cell"]')[0].attributes('data-id')).toBe('test/0');
    w.unmount();
  });

  it('shift+arrows extend the selection from the anchor; the selection bar counts overrides and undoes them', async () => {
    const { w, sel } = await setup();
    const g = w.find('[data-testid="grid"]');
    await g.trigger('keydown', { key: 'ArrowRight' }); // cursor on the first cell, no anchor
    await g.trigger('keydown', { key: 'ArrowRight', shiftKey: true });
    await g.trigger('keydown', { key: 'ArrowRight', shiftKey: true });
    await flush();
    expect(sel.count).toBe(3);
    expect(w.findAll('[data-picked="1"]').map((c) => c.attributes('data-id'))).toEqual(['train/0', 'train/1', 'train/2']);
    expect(w.find('[data-testid="selection-undo"]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid="selection-exclude"]').trigger('click');
    await flush();
    expect(sel.excludedCount).toBe(3);
    expect(w.find('[data-testid="override-summary"]').text()).toContain('3 excluded · 0 included');
    expect(w.findAll('[data-override="exclude"]')).toHaveLength(3);
    expect(w.find('[data-testid="selection-undo"]').attributes('disabled')).toBeUndefined();
    await w.find('[data-testid="selection-undo"]').trigger('click');
    await flush();
    expect(w.find('[data-testid="override-summary"]').text()).toContain('0 excluded · 0 included');
    expect(sel.canUndoIn(['train'])).toBe(false);
    w.unmount();
  });
});

describe('nav', () => {
  it('focusRun asks for the Score view with the run in focus; followed clears the request', () => {
    setActivePinia(createPinia());
    const nav = useNav();
    nav.focusRun('run7');
    expect([nav.request, nav.focusRunId]).toEqual(['score', 'run7']);
    nav.followed();
    expect(nav.request).toBeNull();
    expect(nav.focusRunId).toBe('run7');
  });
});
