import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { DatasetSummary, ImageDetail, ScoringRunSummary } from '../../../src-main/contract';
import { useClient } from '../api';
import { GridIndex, defaultQuery } from '../lib/gridIndex';
import { LOADER_BATCH, TileLoader, type WantedImage } from '../lib/tiles';
import type { GridQuery, ScoresLike } from '../lib/gridIndex';
import { useNotify } from './notify';
import { DEFAULT_MAX_STEPS } from '../../../src-main/contract/validate';

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The image grid's data: the dataset's columns (one GridIndex, from a binary typed frame),
 * the thumbnail tiles near the viewport (an LRU filled by datasets.thumbs; never a whole
 * split), the query, its result rows, the cursor and the detail panel.
 */
export const useGrid = defineStore('grid', () => {
  const notify = useNotify();
  const dataset = shallowRef<DatasetSummary | null>(null);
  const index = shallowRef<GridIndex | null>(null);
  const tiles = shallowRef<TileLoader | null>(null);
  /** bumped whenever tiles land (the grid redraws rows whose images arrived) */
  const tileVersion = ref(0);
  const query = ref<GridQuery>(defaultQuery());
  const rows = shallowRef<Int32Array>(new Int32Array(0));
  const lastQueryMs = ref(0);
  const loading = ref(false);
  /** position of the selection in `rows`, -1 for none */
  const cursor = ref(-1);
  const detailOpen = ref(false);
  const detail = shallowRef<ImageDetail | null>(null);
  const run = shallowRef<ScoringRunSummary | null>(null);
  const thumbSize = ref(40);
  let loadToken = 0;

  const selectedRow = computed(() => (cursor.value >= 0 && cursor.value < rows.value.length ? rows.value[cursor.value] : -1));
  const selectedId = computed(() => (index.value && selectedRow.value >= 0 ? index.value.id(selectedRow.value) : null));

  function apply(): void {
    const ix = index.value;
    if (!ix) {
      rows.value = new Int32Array(0);
      return;
    }
    const keep = selectedRow.value;
    const t0 = now();
    const r = ix.query(query.value);
    lastQueryMs.value = now() - t0;
    rows.value = r;
    cursor.value = keep >= 0 ? r.indexOf(keep) : -1;
  }

  watch(query, apply, { deep: true });

  async function load(ds: DatasetSummary): Promise<void> {
    if (dataset.value?.id === ds.id && index.value) {
      dataset.value = ds;
      return;
    }
    const token = ++loadToken;
    loading.value = true;
    dataset.value = ds;
    index.value = null;
    tiles.value?.dispose();
    tiles.value = null;
    run.value = null;
    detail.value = null;
    detailOpen.value = false;
    cursor.value = -1;
    rows.value = new Int32Array(0);
    try {
      const client = useClient();
      const loader = new TileLoader(
        (req) => client.call('datasets.thumbs', { datasetId: ds.id, ...req }),
        ds.shape,
        () => tileVersion.value++,
        (e) => notify.error(e, 'thumbnails'),
      );
      tiles.value = loader;
      // the default view opens on the first split's first images: ask for their tiles while
      // the columns are on their way, so the first paint waits for one round trip, not two
      const first = ds.splits[0];
      if (first) loader.want(Array.from({ length: Math.min(first.count, LOADER_BATCH) }, (_, i) => ({ split: first.name, index: i })));
      const cols = await client.call('datasets.columns', { datasetId: ds.id });
      if (token !== loadToken) return;
      index.value = new GridIndex(cols, ds.classNames.length);
      query.value = defaultQuery();
      apply();
    } catch (e) {
      notify.error(e, `load ${ds.name}`);
    } finally {
      if (token === loadToken) loading.value = false;
    }
  }

  function clear(): void {
    loadToken++;
    dataset.value = null;
    index.value = null;
    tiles.value?.dispose();
    tiles.value = null;
    rows.value = new Int32Array(0);
    cursor.value = -1;
    detail.value = null;
    detailOpen.value = false;
    run.value = null;
  }

  /** Attach a scoring run's scores (or detach with nulls); scored filters/sorts then apply. */
  function attachRun(r: ScoringRunSummary | null, scores: ScoresLike | null): void {
    const ix = index.value;
    if (!ix) return;
    run.value = r;
    ix.setScores(r && scores ? scores : null, r?.split, r?.maxSteps ?? DEFAULT_MAX_STEPS);
    if (!r) {
      const q = query.value;
      if (['steps', 'robust', 'cleanPred'].includes(q.sortKey)) q.sortKey = 'id';
      Object.assign(q, { robust: 'any', misclassified: 'any', cleanPreds: null, stepsMin: null, stepsMax: null, scoredOnly: false });
    }
    apply();
  }

  function setCursor(pos: number): void {
    const n = rows.value.length;
    cursor.value = n === 0 ? -1 : Math.max(0, Math.min(n - 1, pos));
  }

  async function openDetail(pos = cursor.value): Promise<void> {
    setCursor(pos);
    const ix = index.value;
    const ds = dataset.value;
    const row = selectedRow.value;
    if (!ix || !ds || row < 0) return;
    detailOpen.value = true;
    const img = ix.image(row);
    const d = await notify.guard('image detail', () => useClient().call('datasets.image', { datasetId: ds.id, split: img.split, index: img.index }));
    if (d && selectedRow.value === row) detail.value = d;
  }

  function closeDetail(): void {
    detailOpen.value = false;
  }

  /** Ask for the thumbnails of these result positions (nearest the viewport first). */
  function wantThumbs(positions: Iterable<number>): void {
    const ix = index.value;
    const t = tiles.value;
    if (!ix || !t) return;
    const out: WantedImage[] = [];
    const r = rows.value;
    for (const pos of positions) {
      if (pos < 0 || pos >= r.length) continue;
      const img = ix.image(r[pos]);
      out.push({ split: img.split, index: img.index });
    }
    t.want(out);
  }

  function resetQuery(): void {
    query.value = defaultQuery();
  }

  // ---- what views read and change, without reaching into the index or the query object
  /** the dataset's split names (a split id in the query is a position here) */
  const splitNames = computed(() => index.value?.splitNames ?? []);
  /** how many images the dataset has (rows before filtering) */
  const imageCount = computed(() => index.value?.n ?? 0);
  /** the image under the cursor, or null */
  const selectedImage = computed(() => (index.value && selectedRow.value >= 0 ? index.value.image(selectedRow.value) : null));
  /** Change some of the query's fields (the result follows). */
  function setQuery(patch: Partial<GridQuery>): void {
    Object.assign(query.value, patch);
  }
  /** The thumbnail size in CSS pixels (the grid's cell side). */
  function setThumbSize(px: number): void {
    thumbSize.value = px;
  }
  /** The indices (in `split`) of the images the current result shows, in its order. */
  function shownIndicesIn(split: string): number[] {
    return index.value ? index.value.indicesIn(split, rows.value) : [];
  }

  return {
    dataset, index, tiles, tileVersion, wantThumbs, query, rows, lastQueryMs, loading, cursor, detailOpen, detail, run, thumbSize,
    selectedRow, selectedId, load, clear, apply, attachRun, setCursor, openDetail, closeDetail, resetQuery,
    splitNames, imageCount, selectedImage, setQuery, setThumbSize, shownIndicesIn,
  };
});
