import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { BalanceRule, Comparison, CuratedSetInfo, CurationPreview, CurationRules, ExportFormat, OverrideMode } from '../../../src-main/contract';
import { useClient } from '../api';
import { errorMessage } from '../api/errors';
import { useJobs } from './jobs';
import { useNotify } from './notify';

type Change = { index: number; prev: OverrideMode | null; next: OverrideMode | null }[];

const DRAFT = 'rpr.curation.draft.';

export const defaultRules = (): CurationRules => ({ minSteps: null, balance: { mode: 'all' }, seed: 0 });

/**
 * The curation being edited: its scoring run, rules and manual overrides (kept as a draft in
 * localStorage on every edit, with undo), the live preview, saved sets, export, retrain, compare.
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

  const overrideList = computed(() =>
    Object.entries(overrides.value)
      .map(([k, mode]) => ({ index: Number(k), mode }))
      .sort((a, b) => a.index - b.index),
  );
  const canUndo = computed(() => undoStack.value.length > 0);

  async function init(): Promise<void> {
    unsub ??= useClient().on('curation.changed', () => void refreshSets());
    await refreshSets();
  }
  async function refreshSets(): Promise<void> {
    const r = await notify.guard('curated sets', () => useClient().call('curation.list', {}));
    if (r) sets.value = r;
  }

  function persistDraft(): void {
    if (!runId.value) return;
    try {
      localStorage.setItem(DRAFT + runId.value, JSON.stringify({ rules: rules.value, overrides: overrides.value, savedAt: new Date().toISOString() }));
    } catch (e) {
      notify.error(e, 'saving the curation draft');
    }
  }

  function loadDraft(id: string): void {
    try {
      const raw = localStorage.getItem(DRAFT + id);
      if (!raw) return;
      const d = JSON.parse(raw) as { rules?: CurationRules; overrides?: Record<number, OverrideMode> };
      if (d.rules) rules.value = d.rules;
      if (d.overrides) overrides.value = d.overrides;
    } catch {
      notify.push('error', `the saved curation draft of run ${id} is unreadable; starting fresh`);
    }
  }

  function selectRun(id: string | null): void {
    runId.value = id;
    rules.value = defaultRules();
    overrides.value = {};
    undoStack.value = [];
    preview.value = null;
    if (id) loadDraft(id);
    schedulePreview(0);
  }

  function setMinSteps(v: number | null): void {
    rules.value = { ...rules.value, minSteps: v };
    persistDraft();
  }
  function setBalance(b: BalanceRule): void {
    rules.value = { ...rules.value, balance: b };
    persistDraft();
  }
  function setSeed(s: number): void {
    rules.value = { ...rules.value, seed: s };
    persistDraft();
  }
  /** keep images the model misclassifies unperturbed (steps 0) when min steps is 0: off unless asked */
  function setKeepMisclassified(v: boolean): void {
    const { keepMisclassified: _k, ...rest } = rules.value;
    rules.value = v ? { ...rest, keepMisclassified: true } : rest;
    persistDraft();
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
    persistDraft();
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
    persistDraft();
    return true;
  }

  // every edit is persisted synchronously (above); the preview follows with a short debounce
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
      const p = await notify.guard('curation preview', () =>
        useClient().call('curation.preview', { runId: id, rules: rules.value, overrides: overrideList.value }),
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
    const s = await notify.guard('save curated set', () =>
      useClient().call('curation.save', { runId: id, name: name.trim(), rules: rules.value, overrides: overrideList.value }),
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
  function dispose(): void {
    unsub?.();
    unsub = null;
    if (timer) clearTimeout(timer);
  }

  // ---- the chosen curated set's recipe (issue 12, item 4; the choice itself lives in stores/selectedSet.ts)

  /** Put a saved set's rules and overrides in the editor (one fresh start: undo history cleared). */
  function loadRecipe(r: CurationRules, list: { index: number; mode: OverrideMode }[]): void {
    rules.value = JSON.parse(JSON.stringify(r)) as CurationRules;
    const next: Record<number, OverrideMode> = {};
    for (const o of list) next[o.index] = o.mode;
    overrides.value = next;
    undoStack.value = [];
    persistDraft();
  }
  /** Is there an edited draft of this run (newer than any saved set)? */
  function hasDraft(id: string): boolean {
    try {
      return localStorage.getItem(DRAFT + id) !== null;
    } catch {
      return false;
    }
  }

  return {
    setKeepMisclassified,
    runId, rules, overrides, overrideList, undoStack, canUndo, preview, previewing, sets, comparison,
    init, refreshSets, selectRun, setMinSteps, setBalance, setSeed, override, overrideRange, undo,
    refreshPreview, save, exportSet, retrain, compare, dispose,
    loadRecipe, hasDraft,
  };
});
