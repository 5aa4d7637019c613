import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { BalanceRule, CurationRules, OverrideMode } from '../../../src-main/contract';
import { useClient } from '../api';
import { pushOverrides } from './curation-overrides';
import { useOverrideEdits } from './curation-edits';
import type { OverrideEdit } from './curation-edits';
import { useCurationPreview } from './curation-preview';
import { useCurationSets } from './curation-sets';
import { useWorkspaceSync } from './curation-sync';
import { useJobs } from './jobs';
import { liveInit } from './live';
import { useNotify } from './notify';

export const defaultRules = (): CurationRules => ({ minSteps: null, balance: { mode: 'all' }, seed: 0 });

/**
 * The curation being edited: its scoring run and rules (here), its manual overrides with undo
 * (curation-edits.ts), kept in the workspace per dataset split on every edit (curation-sync.ts;
 * old localStorage drafts are moved there once), the live preview (curation-preview.ts), and
 * saved sets, export, retrain, compare (curation-sets.ts).
 */
export const useCuration = defineStore('curation', () => {
  const notify = useNotify();
  const jobs = useJobs();
  const runId = ref<string | null>(null);
  const rules = ref<CurationRules>(defaultRules());
  const edits = useOverrideEdits();
  const sync = useWorkspaceSync(runId, notify);
  const live = useCurationPreview(runId, rules, edits.overrides, sync.settled, notify);
  const made = useCurationSets(runId, rules, sync.settled, notify, jobs);

  const init = liveInit(
    () => [useClient().on('curation.changed', () => void made.refreshSets())],
    () => {
      const migrated = sync.migrate();
      return Promise.all([made.refreshSets(), migrated]);
    },
  );

  function selectRun(id: string | null): void {
    runId.value = id;
    rules.value = defaultRules();
    edits.reset();
    live.preview.value = null;
    sync.open(id, (stored, r) => {
      edits.load(stored);
      if (r) rules.value = r;
    });
    live.schedulePreview(0);
  }

  // ---- rules: each change is stored in the workspace at once

  function persistRules(): void {
    const id = runId.value;
    if (!id) return;
    const r = rules.value;
    sync.queue('saving the curation rules', () => useClient().call('curation.saveRules', { runId: id, rules: r }));
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

  // ---- overrides: each edit is one undo step, stored in the workspace at once

  function store(what: string, edit: OverrideEdit): void {
    sync.queue(what, (at) => pushOverrides(useClient(), at, edit));
  }
  /** Force include/exclude (or clear with null) a set of images; one undo step. Returns how many changed. */
  function override(indices: Iterable<number>, mode: OverrideMode | null): number {
    const edit = edits.set(indices, mode);
    if (!edit) return 0;
    store('saving the overrides', edit);
    return Object.keys(edit).length;
  }
  function overrideRange(from: number, to: number, mode: OverrideMode | null): number {
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    const idx: number[] = [];
    for (let i = lo; i <= hi; i++) idx.push(i);
    return override(idx, mode);
  }
  function undo(): boolean {
    const edit = edits.undo();
    if (!edit) return false;
    store('undoing the override', edit);
    return true;
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
    sync.afterOpen((at) => {
      if (!at || runId.value !== id || (opts.unlessDraft && id && sync.hasDraft(id))) return;
      rules.value = JSON.parse(JSON.stringify(r)) as CurationRules;
      const edit = edits.replace(list);
      persistRules();
      if (Object.keys(edit).length) store('loading the set', edit);
      live.schedulePreview(0);
    });
  }

  return {
    setKeepMisclassified,
    runId, rules, overrides: edits.overrides, overrideList: edits.overrideList, undoStack: edits.undoStack, canUndo: edits.canUndo,
    preview: live.preview, previewing: live.previewing, sets: made.sets, comparison: made.comparison,
    init, refreshSets: made.refreshSets, selectRun, setMinSteps, setBalance, setSeed, override, overrideRange, undo,
    refreshPreview: live.refreshPreview, save: made.save, exportSet: made.exportSet, retrain: made.retrain, compare: made.compare,
    loadRecipe,
  };
});
