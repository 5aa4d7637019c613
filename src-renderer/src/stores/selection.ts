import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { OverrideMode, OverridesState } from '../../../src-main/contract';
import { useClient } from '../api';
import { decodeIndexSet, encodeIndexSet, runsOfBitmap, toBitmap } from '../../../src-main/contract/index-set';
import { useGrid } from './grid';
import { useNotify } from './notify';

/**
 * Selections in the grid and what they act on, the way FiftyOne's grid tags samples:
 * click, shift-click a range, ctrl/cmd-click to toggle, drag a rectangle, select all in the
 * current filter; then include / exclude / clear the override, tag or untag. Overrides and
 * tags live in the workspace per dataset split (run-length encoded, with undo), so they
 * survive reloads and are shared by every window and the CLI.
 *
 * The selection is a byte per grid row (a million rows: 1 MB), indexed like GridIndex rows.
 */
export const useSelection = defineStore('selection', () => {
  const grid = useGrid();
  const notify = useNotify();
  const selected = shallowRef<Uint8Array>(new Uint8Array(0));
  const count = ref(0);
  /** bumped on every selection change (cells re-render) */
  const version = ref(0);
  /** result position of the last plain click (shift-click ranges start here) */
  const anchor = ref(-1);
  /** overrides per split of the grid's dataset */
  const overrides = shallowRef<Record<string, OverridesState>>({});
  /** per split: 1 = included, 2 = excluded, by split index */
  const marks = shallowRef<Record<string, Uint8Array>>({});
  const busy = ref(false);

  watch(
    () => grid.index,
    (ix) => {
      selected.value = new Uint8Array(ix?.n ?? 0);
      count.value = 0;
      anchor.value = -1;
      version.value++;
      overrides.value = {};
      marks.value = {};
      if (ix && grid.dataset) void loadOverrides();
    },
    { immediate: true },
  );

  function touch(): void {
    let c = 0;
    const s = selected.value;
    for (let i = 0; i < s.length; i++) c += s[i];
    count.value = c;
    version.value++;
  }

  function isSelected(row: number): boolean {
    return selected.value[row] === 1;
  }

  /** Select result positions lo..hi (inclusive), adding to the selection or replacing it. */
  function selectPositions(lo: number, hi: number, add: boolean): void {
    const rows = grid.rows;
    const s = add ? selected.value : new Uint8Array(selected.value.length);
    for (let p = Math.max(0, Math.min(lo, hi)); p <= Math.min(rows.length - 1, Math.max(lo, hi)); p++) s[rows[p]] = 1;
    selected.value = s;
    touch();
  }

  /** A click on a result position: plain = only it; shift = range from the anchor; toggle = flip it. */
  function click(pos: number, mods: { shift?: boolean; toggle?: boolean } = {}): void {
    const rows = grid.rows;
    if (pos < 0 || pos >= rows.length) return;
    if (mods.shift && anchor.value >= 0) {
      selectPositions(anchor.value, pos, !!mods.toggle);
      return;
    }
    if (mods.toggle) {
      const s = selected.value;
      s[rows[pos]] = s[rows[pos]] ? 0 : 1;
      selected.value = s;
      anchor.value = pos;
      touch();
      return;
    }
    anchor.value = pos;
    selectPositions(pos, pos, false);
  }

  /** Shift+arrow: select from the anchor (set at `from` when there is none) to `to`, replacing the selection. */
  function extendTo(from: number, to: number): void {
    if (anchor.value < 0) click(from);
    selectPositions(anchor.value, to, false);
  }

  /** A dragged rectangle between two result positions of a grid with `cols` columns. */
  function selectRect(a: number, b: number, cols: number, add: boolean): void {
    const rows = grid.rows;
    const s = add ? selected.value : new Uint8Array(selected.value.length);
    const r0 = Math.floor(Math.min(a, b) / cols);
    const r1 = Math.floor(Math.max(a, b) / cols);
    const c0 = Math.min(a % cols, b % cols);
    const c1 = Math.max(a % cols, b % cols);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const p = r * cols + c;
        if (p < rows.length) s[rows[p]] = 1;
      }
    }
    selected.value = s;
    touch();
  }

  /** Every image the current filter shows. */
  function selectAll(): void {
    const s = new Uint8Array(selected.value.length);
    for (const r of grid.rows) s[r] = 1;
    selected.value = s;
    touch();
  }

  function clear(): void {
    selected.value = new Uint8Array(selected.value.length);
    anchor.value = -1;
    touch();
  }

  /** The selection per split, as run-length encoded index sets. */
  function perSplit(): { split: string; selection: string; n: number }[] {
    const ix = grid.index;
    if (!ix) return [];
    const s = selected.value;
    const out: { split: string; selection: string; n: number }[] = [];
    ix.splitNames.forEach((name, si) => {
      const total = grid.dataset?.splits.find((x) => x.name === name)?.count ?? 0;
      const bits = new Uint8Array(total);
      const n = ix.markFlagged(s, si, bits);
      if (n) out.push({ split: name, selection: encodeIndexSet(runsOfBitmap(bits)), n });
    });
    return out;
  }

  function remember(st: OverridesState): void {
    overrides.value = { ...overrides.value, [st.split]: st };
    const total = grid.dataset?.splits.find((x) => x.name === st.split)?.count ?? 0;
    const m = new Uint8Array(total);
    toBitmap(decodeIndexSet(st.include), total, m, 1);
    toBitmap(decodeIndexSet(st.exclude), total, m, 2);
    marks.value = { ...marks.value, [st.split]: m };
  }

  async function loadOverrides(): Promise<void> {
    const ds = grid.dataset;
    if (!ds) return;
    for (const s of ds.splits) {
      const st = await notify.guard('overrides', () => useClient().call('curation.overrides', { datasetId: ds.id, split: s.name }));
      if (st && grid.dataset?.id === ds.id) remember(st);
    }
  }

  /** 1 included, 2 excluded, 0 neither. */
  function markOf(split: string, index: number): number {
    return marks.value[split]?.[index] ?? 0;
  }

  async function act(what: string, call: (datasetId: string, split: string, selection: string) => Promise<OverridesState>): Promise<number> {
    const ds = grid.dataset;
    if (!ds || count.value === 0) return 0;
    busy.value = true;
    let n = 0;
    try {
      for (const part of perSplit()) {
        const st = await notify.guard(what, () => call(ds.id, part.split, part.selection));
        if (!st) break;
        remember(st);
        n += part.n;
      }
    } finally {
      busy.value = false;
    }
    return n;
  }

  const override = (mode: OverrideMode | null) =>
    act('override', (datasetId, split, selection) => useClient().call('curation.editOverrides', { datasetId, split, selection, mode }));
  const tag = (name: string, on = true) => {
    if (!name.trim()) {
      notify.push('error', 'tag: enter a tag name');
      return Promise.resolve(0);
    }
    return act('tag', (datasetId, split, selection) => useClient().call('curation.tag', { datasetId, split, selection, tag: name.trim(), on }));
  };
  async function undo(split: string): Promise<void> {
    const ds = grid.dataset;
    if (!ds) return;
    const st = await notify.guard('undo', () => useClient().call('curation.undoOverrides', { datasetId: ds.id, split }));
    if (st) remember(st);
  }

  const tagNames = computed(() => [...new Set(Object.values(overrides.value).flatMap((o) => Object.keys(o.tags)))].sort());
  /** images forced in / out over every split of the grid's dataset */
  const includedCount = computed(() => Object.values(overrides.value).reduce((a, o) => a + o.includeCount, 0));
  const excludedCount = computed(() => Object.values(overrides.value).reduce((a, o) => a + o.excludeCount, 0));
  /** Whether the workspace holds an override edit to undo in one of these splits. */
  function canUndoIn(splits: string[]): boolean {
    return splits.some((s) => (overrides.value[s]?.undoDepth ?? 0) > 0);
  }

  return { selected, count, version, anchor, overrides, marks, busy, tagNames, includedCount, excludedCount, canUndoIn, isSelected, click, extendTo, selectPositions, selectRect, selectAll, clear, perSplit, loadOverrides, markOf, override, tag, undo, remember };
});
