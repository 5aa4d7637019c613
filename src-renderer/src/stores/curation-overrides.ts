/**
 * Curation overrides kept in the workspace (not in localStorage): the helpers the curation
 * store uses to read and edit them, and the one-time migration of old localStorage drafts.
 */
import type { CurationRules, OverrideMode, OverridesState, RprClient } from '../../../src-main/contract';
import { decodeIndexSet, encodeIndexSet, runsOf } from '../../../src-main/contract/index-set';

/** Prefix of the drafts older versions kept in localStorage, one per scoring run. */
export const LOCAL_DRAFT_PREFIX = 'rpr.curation.draft.';

/** The workspace's overrides of a split as index → mode. */
export function overridesRecord(st: OverridesState): Record<number, OverrideMode> {
  const out: Record<number, OverrideMode> = {};
  for (const [text, mode] of [[st.include, 'include'], [st.exclude, 'exclude']] as const) {
    const r = decodeIndexSet(text);
    for (let k = 0; k < r.length; k += 2) for (let i = r[k]; i < r[k] + r[k + 1]; i++) out[i] = mode;
  }
  return out;
}

/** The dataset split a scoring run scored (overrides belong to it). */
export async function splitOfRun(client: RprClient, runId: string): Promise<{ datasetId: string; split: string }> {
  const run = await client.call('scoring.get', { runId });
  return { datasetId: run.datasetId, split: run.split };
}

/** Apply a set of overrides to the workspace: one call per mode. */
export async function pushOverrides(client: RprClient, where: { datasetId: string; split: string }, overrides: Record<number, OverrideMode | null>): Promise<OverridesState | null> {
  let last: OverridesState | null = null;
  for (const mode of ['include', 'exclude', null] as const) {
    const idx = Object.entries(overrides).filter(([, m]) => m === mode).map(([k]) => Number(k));
    if (idx.length === 0) continue;
    last = await client.call('curation.editOverrides', { ...where, selection: encodeIndexSet(runsOf(idx)), mode });
  }
  return last;
}

interface LocalDraft {
  rules?: CurationRules;
  overrides?: Record<number, OverrideMode>;
}

/**
 * Move every curation draft found in localStorage into the workspace, then remove it there.
 * A draft whose run this workspace does not know stays (it may belong to another workspace);
 * an unreadable one is reported and kept. Returns the run ids migrated.
 */
export async function migrateLocalDrafts(client: RprClient, storage: Storage | undefined, onProblem: (message: string) => void): Promise<string[]> {
  if (!storage) return [];
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const k = storage.key(i);
    if (k?.startsWith(LOCAL_DRAFT_PREFIX)) keys.push(k);
  }
  const moved: string[] = [];
  for (const key of keys) {
    const runId = key.slice(LOCAL_DRAFT_PREFIX.length);
    let draft: LocalDraft;
    try {
      draft = JSON.parse(storage.getItem(key) ?? 'null') as LocalDraft;
      if (!draft || typeof draft !== 'object') throw new Error('not an object');
    } catch {
      onProblem(`the curation draft of run ${runId} in this browser is unreadable; it was left in place`);
      continue;
    }
    let where: { datasetId: string; split: string };
    try {
      where = await splitOfRun(client, runId);
    } catch {
      continue; // not a run of this workspace
    }
    try {
      if (draft.overrides && Object.keys(draft.overrides).length) await pushOverrides(client, where, draft.overrides);
      if (draft.rules) await client.call('curation.saveRules', { runId, rules: draft.rules });
      storage.removeItem(key);
      moved.push(runId);
    } catch (e) {
      onProblem(`moving the curation draft of run ${runId} into the workspace failed (${e instanceof Error ? e.message : String(e)}); it was left in place`);
    }
  }
  return moved;
}
