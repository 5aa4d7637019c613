import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { CuratedSetInfo } from '../../../src-main/contract';
import { useCuration } from './curation';
import { useWorkspace } from './workspace';

const KEY = 'rpr.curation.selectedSet:';

/**
 * The one curated set the Curate view works with (issue 12, item 4): choosing it loads its run and
 * recipe into the preview, and Export and Retrain use it, named in their cards. The choice is
 * kept per workspace in this browser, so a reload comes back to the same set.
 */
export const useSelectedSet = defineStore('selectedSet', () => {
  const cur = useCuration();
  const workspace = useWorkspace();
  const setId = ref<string | null>(null);
  const set = computed<CuratedSetInfo | null>(() => cur.sets.find((s) => s.id === setId.value) ?? null);
  const key = (): string | null => (workspace.current?.path ? KEY + workspace.current.path : null);

  function remember(id: string | null): void {
    const k = key();
    if (!k) return;
    try {
      if (id) localStorage.setItem(k, id);
      else localStorage.removeItem(k);
    } catch {
      // storage full or blocked: the choice lasts for this session only
    }
  }

  /** Choose a set: its run and its recipe (rules and overrides) fill the preview. */
  function choose(id: string | null): void {
    setId.value = id;
    remember(id);
    const s = set.value;
    if (!s) return;
    if (cur.runId !== s.runId) cur.selectRun(s.runId);
    cur.loadRecipe(s.rules, s.overrides);
  }

  /** A set just saved from the editor: chosen as it is (its recipe is what the editor holds). */
  function adopt(id: string): void {
    setId.value = id;
    remember(id);
  }

  /** After a reload: the remembered set, its run and, unless the workspace holds newer edits of that run, its recipe. */
  function restore(): void {
    if (setId.value || cur.runId) return;
    const k = key();
    const id = k ? localStorage.getItem(k) : null;
    const s = cur.sets.find((x) => x.id === id);
    if (!s) return;
    setId.value = s.id;
    cur.selectRun(s.runId);
    cur.loadRecipe(s.rules, s.overrides, { unlessDraft: true });
  }

  /** Does the preview show exactly the chosen set's recipe? */
  const matchesPreview = computed(() => {
    const s = set.value;
    if (!s || cur.runId !== s.runId) return false;
    const norm = (o: { index: number; mode: string }[]): string => JSON.stringify([...o].sort((a, b) => a.index - b.index).map((x) => [x.index, x.mode]));
    return JSON.stringify(cur.rules) === JSON.stringify(s.rules) && norm(cur.overrideList) === norm(s.overrides);
  });

  // a run chosen by hand that is not the set's: no set is chosen any more
  watch(
    () => cur.runId,
    (r) => {
      if (set.value && set.value.runId !== r) {
        setId.value = null;
        remember(null);
      }
    },
  );
  // the set list arrives after the view: restore once it is there
  watch(() => cur.sets, restore);

  return { setId, set, matchesPreview, choose, adopt, restore };
});
