import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { BalanceRule, Comparison, CuratedSetInfo, CurationPreview, CurationRules, ExportFormat, OverrideMode } from '../../../src-main/contract';
import { useClient } from '../api';
import { errorMessage } from '../api/errors';
import { migrateLocalDrafts, overridesRecord, pushOverrides, splitOfRun } from './curation-overrides';
import { useJobs } from './jobs';
import { useNotify } from './notify';

type Change = { index: number; prev: OverrideMode | null; next: OverrideMode | null }[];

export const defaultRules = (): CurationRules => ({ minSteps: null, balance: { mode: 'all' }, seed: 0 });

/**
 * The curation being edited: its scoring run, rules and manual overrides (stored in the
 * workspace per dataset split on every edit, with undo; old localStorage drafts are moved
 * there once), the live preview, saved sets, export, retrain, compare.
 */
export const useCuration = defineStore('curation', () => {
  const notify = useNotify();
  const jobs = useJobs();
  const runId = ref<string | null>(null);
  const rules = ref<CurationRules>(defaultRules());
  const overrides = ref<Record<number, OverrideMode>>({});
  const undoStack = ref<Change[]>([]);
  const preview = shallowRef<CurationPreview | null>(null);
  const previewing = ref(false);
  const sets = ref<CuratedSetInfo[]>([]);
  const comparison = shallowRef<Comparison | null>(null);
  let unsub: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let previewToken = 0;
  /** the run's dataset split, once known; edits wait for it and for each other (in order) */
  let where: Promise<{ datasetId: string; split: string } | null> = Promise.resolve(null);
  let writes: Promise<unknown> = Promise.resolve();
  let migrated: Promise<unknown> | null = null;
  /** runs whose workspace state held edits when loaded */
  const drafts = new Set<string>();

  const overrideList = computed(() =>
    Object.entries(overrides.value)
      .map(([k, mode]) => ({ index: Number(k), mode }))
      .sort((a, b) => a.index - b.index),
  );
  const canUndo = computed(() => undoStack.value.length > 0);

  async function init(): Promise<void> {
    unsub ??= useClient().on('curation.changed', () => void refreshSets());
    migrated ??= migrateLocalDrafts(useClient(), typeof localStorage === 'undefined' ? undefined : localStorage, (m) => notify.push('error', m));
    await Promise.all([refreshSets(), migrated]);
  }
  async function refreshSets(): Promise<void> {
    const r = await notify.guard('curated sets', () => useClient().call('curation.list', {}));
    if (r) sets.value = r;
  }

  /** Queue a write to the workspace (edits apply in order; the preview waits for them). */
  function queue(what: string, write: (at: { datasetId: string; split: string }) => Promise<unknown>): void {
    const runAt = runId.value;
    writes = writes
      .then(() => where)
      .then((at) => (at && runAt === runId.value ? write(at) : null))
      .catch((e) => notify.error(e, what));
  }

  function persistRules(): void {
    const id = runId.value;
    if (!id) return;
    const r = rules.value;
    queue('saving the curation rules', () => useClient().call('curation.saveRules', { runId: id, rules: r }));
  }

  async function loadFromWorkspace(id: string): Promise<{ datasetId: string; split: string } | null> {
    await migrated;
    const at = await notify.guard('curation overrides', () => splitOfRun(useClient(), id));
    if (!at || runId.value !== id) return at ?? null;
    const st = await notify.guard('curation overrides', () => useClient().call('curation.overrides', at));
    if (st && runId.value === id) {
      overrides.value = overridesRecord(st);
      if (st.rules[id]) rules.value = st.rules[id];
      // edits of this run kept in the workspace (a recipe loaded after a reload does not replace them)
      if (st.rules[id] || Object.keys(overrides.value).length > 0) drafts.add(id);
    }
    return at;
  }

  function selectRun(id: string | null): void {
    runId.value = id;
    rules.value = defaultRules();
    overrides.value = {};
    undoStack.value = [];
    preview.value = null;
    where = id ? loadFromWorkspace(id) : Promise.resolve(null);
    schedulePreview(0);
  }

  function setMinSteps(v: number | null): void {
    rules.value = { ...rules.value, minSteps: v };
    persistRules();
  }
  function setBalance(b: BalanceRule): void {
    rules.value = { ...rules.value, balance: b };
    persistRules();
  }
  function setSeed(s: number): void {
    rules.value = { ...rules.value, seed: s };
    persistRules();
  }
  /** keep images the model misclassifies unperturbed (steps 0) when min steps is 0: off unless asked */
  function setKeepMisclassified(v: boolean): void {
    const { keepMisclassified: _k, ...rest } = rules.value;
    rules.value = v ? { ...rest, keepMisclassified: true } : rest;
    persistRules();
  }

  /** Force include/exclude (or clear with null) a set of images; one undo step. */
  function override(indices: Iterable<number>, mode: OverrideMode | null): number {
    const change: Change = [];
    const next = { ...overrides.value };
    for (const i of indices) {
      const prev = next[i] ?? null;
      if (prev === mode) continue;
      change.push({ index: i, prev, next: mode });
      if (mode) next[i] = mode;
      else delete next[i];
    }
    if (change.length === 0) return 0;
    overrides.value = next;
    undoStack.value.push(change);
    const edit: Record<number, OverrideMode | null> = {};
    for (const c of change) edit[c.index] = c.next;
    queue('saving the overrides', (at) => pushOverrides(useClient(), at, edit));
    return change.length;
  }
  function overrideRange(from: number, to: number, mode: OverrideMode | null): number {
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    const idx: number[] = [];
    for (let i = lo; i <= hi; i++) idx.push(i);
    return override(idx, mode);
  }
  function undo(): boolean {
    const change = undoStack.value.pop();
    if (!change) return false;
    const next = { ...overrides.value };
    for (const c of change) {
      if (c.prev) next[c.index] = c.prev;
      else delete next[c.index];
    }
    overrides.value = next;
    const edit: Record<number, OverrideMode | null> = {};
    for (const c of change) edit[c.index] = c.prev;
    queue('undoing the override', (at) => pushOverrides(useClient(), at, edit));
    return true;
  }

  // every edit is queued to the workspace (above); the preview follows with a short debounce
  watch([rules, overrides], () => schedulePreview(), { deep: true });

  function schedulePreview(delay = 150): void {
    if (timer) clearTimeout(timer);
    if (!runId.value) return;
    timer = setTimeout(() => {
      timer = null;
      void refreshPreview();
    }, delay);
  }
  async function refreshPreview(): Promise<void> {
    const id = runId.value;
    if (!id) return;
    const token = ++previewToken;
    previewing.value = true;
    try {
      await writes; // the preview reads the overrides stored in the workspace
      const p = await notify.guard('curation preview', () =>
        useClient().call('curation.preview', { runId: id, rules: rules.value, workspaceOverrides: true }),
      );
      if (p && token === previewToken) preview.value = p;
    } finally {
      if (token === previewToken) previewing.value = false;
    }
  }

  async function save(name: string): Promise<CuratedSetInfo | undefined> {
    const id = runId.value;
    if (!id) {
      notify.push('error', 'curate: pick a scoring run first');
      return undefined;
    }
    if (!name.trim()) {
      notify.push('error', 'curate: give the set a name');
      return undefined;
    }
    await writes;
    const s = await notify.guard('save curated set', () =>
      useClient().call('curation.save', { runId: id, name: name.trim(), rules: rules.value, workspaceOverrides: true }),
    );
    if (s) {
      notify.push('success', `saved “${s.name}” v${s.version} (${s.total} images)`);
      await refreshSets();
    }
    return s;
  }
  /**
   * Start an export. With `onError`, a refusal (no folder, a folder not empty…) goes to the caller,
   * which shows it by the form's field, instead of a toast.
   */
  async function exportSet(setId: string, path: string, format: ExportFormat, onError?: (message: string) => void): Promise<string | undefined> {
    const fail = (message: string): undefined => {
      if (onError) onError(message);
      else notify.push('error', `export: ${message}`);
      return undefined;
    };
    if (!path.trim()) return fail('enter an output folder');
    let r: { jobId: string } | undefined;
    try {
      r = await useClient().call('curation.export', { setId, path: path.trim(), format });
    } catch (e) {
      return fail(errorMessage(e));
    }
    if (r) jobs.track(r.jobId, 'export', `Export ${format}`);
    return r?.jobId;
  }
  async function retrain(setId: string, sourceModelId: string, control: boolean, budget?: { budget: 'source' | 'epochs' | 'converge' | 'equal-steps'; epochs?: number }): Promise<string | undefined> {
    const input = budget && budget.budget !== 'source' ? { setId, sourceModelId, control, ...budget } : { setId, sourceModelId, control };
    const r = await notify.guard('retrain', () => useClient().call('curation.retrain', input));
    if (r) jobs.track(r.jobId, 'retrain', control ? 'Retrain M_R and control M_C' : 'Retrain M_R');
    return r?.jobId;
  }
  async function compare(modelIds: string[], datasetId: string, split = 'test'): Promise<Comparison | undefined> {
    if (modelIds.length === 0) {
      notify.push('error', 'compare: choose at least one model');
      return undefined;
    }
    const c = await notify.guard('compare', () => useClient().call('curation.compare', { modelIds, datasetId, split }));
    if (c) comparison.value = c;
    return c;
  }
  // ---- the chosen curated set's recipe (issue 12, item 4; the choice itself lives in stores/selectedSet.ts)

  /**
   * Put a saved set's rules and overrides in the editor (one fresh start: undo history cleared),
   * once the workspace's own state of the run has loaded; the workspace's overrides of the split
   * become the set's. With `unlessDraft`, a run whose workspace already holds edits (rules or
   * overrides) keeps them: after a reload, the latest edits win over the set they started from.
   */
  function loadRecipe(r: CurationRules, list: { index: number; mode: OverrideMode }[], opts: { unlessDraft?: boolean } = {}): void {
    const id = runId.value;
    where = where.then((at) => {
      if (!at || runId.value !== id || (opts.unlessDraft && id && drafts.has(id))) return at;
      rules.value = JSON.parse(JSON.stringify(r)) as CurationRules;
      const next: Record<number, OverrideMode> = {};
      for (const o of list) next[o.index] = o.mode;
      const edit: Record<number, OverrideMode | null> = {};
      for (const k of Object.keys(overrides.value)) if (!(k in next)) edit[Number(k)] = null;
      for (const [k, m] of Object.entries(next)) if (overrides.value[Number(k)] !== m) edit[Number(k)] = m;
      overrides.value = next;
      undoStack.value = [];
      persistRules();
      if (Object.keys(edit).length) queue('loading the set', (w) => pushOverrides(useClient(), w, edit));
      schedulePreview(0);
      return at;
    });
  }

  return {
    setKeepMisclassified,
    runId, rules, overrides, overrideList, undoStack, canUndo, preview, previewing, sets, comparison,
    init, refreshSets, selectRun, setMinSteps, setBalance, setSeed, override, overrideRange, undo,
    refreshPreview, save, exportSet, retrain, compare,
    loadRecipe,
  };
});
