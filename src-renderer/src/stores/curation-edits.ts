/**
 * The curation's manual overrides of one run's images (force include / exclude) with undo: plain
 * state, no I/O. Each edit returns what changed as an `OverrideEdit`, which the curation store
 * queues to the workspace.
 */
import { computed, ref } from 'vue';
import type { OverrideMode } from '../../../src-main/contract';

/** Images whose override changes: index → new mode, null = cleared. */
export type OverrideEdit = Record<number, OverrideMode | null>;

/** One undo step: each touched image's mode before and after. */
type Change = { index: number; prev: OverrideMode | null; next: OverrideMode | null }[];

export function useOverrideEdits() {
  const overrides = ref<Record<number, OverrideMode>>({});
  const undoStack = ref<Change[]>([]);

  const overrideList = computed(() =>
    Object.entries(overrides.value)
      .map(([k, mode]) => ({ index: Number(k), mode }))
      .sort((a, b) => a.index - b.index),
  );
  const canUndo = computed(() => undoStack.value.length > 0);

  /** Set (or clear with null) the override of these images: one undo step; null when nothing changes. */
  function set(indices: Iterable<number>, mode: OverrideMode | null): OverrideEdit | null {
    const change: Change = [];
    const next = { ...overrides.value };
    for (const i of indices) {
      const prev = next[i] ?? null;
      if (prev === mode) continue;
      change.push({ index: i, prev, next: mode });
      if (mode) next[i] = mode;
      else delete next[i];
    }
    if (change.length === 0) return null;
    overrides.value = next;
    undoStack.value.push(change);
    const edit: OverrideEdit = {};
    for (const c of change) edit[c.index] = c.next;
    return edit;
  }

  /** Take back the last step; null when there is none. */
  function undo(): OverrideEdit | null {
    const change = undoStack.value.pop();
    if (!change) return null;
    const next = { ...overrides.value };
    for (const c of change) {
      if (c.prev) next[c.index] = c.prev;
      else delete next[c.index];
    }
    overrides.value = next;
    const edit: OverrideEdit = {};
    for (const c of change) edit[c.index] = c.prev;
    return edit;
  }

  /** Replace every override (a fresh start: undo history cleared); returns the difference. */
  function replace(list: { index: number; mode: OverrideMode }[]): OverrideEdit {
    const next: Record<number, OverrideMode> = {};
    for (const o of list) next[o.index] = o.mode;
    const edit: OverrideEdit = {};
    for (const k of Object.keys(overrides.value)) if (!(k in next)) edit[Number(k)] = null;
    for (const [k, m] of Object.entries(next)) if (overrides.value[Number(k)] !== m) edit[Number(k)] = m;
    overrides.value = next;
    undoStack.value = [];
    return edit;
  }

  /** Show overrides as stored (loaded from the workspace: nothing to write back). */
  function load(stored: Record<number, OverrideMode>): void {
    overrides.value = stored;
  }

  /** No overrides and no history (another run). */
  function reset(): void {
    overrides.value = {};
    undoStack.value = [];
  }

  return { overrides, undoStack, overrideList, canUndo, set, undo, replace, load, reset };
}
