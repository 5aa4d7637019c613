/** A fake of the workspace's overrides and tags (per dataset split), for the memory client. */
import type { CurationRules, OverrideMode, OverridesState } from '../../src-main/contract';
import type { MemoryHandlers } from '../../src-renderer/src/api/memory';
import { countRuns, decodeIndexSet, encodeIndexSet, subtractRuns, unionRuns } from '../../src-main/contract/index-set';

interface Split {
  include: string;
  exclude: string;
  tags: Record<string, string>;
  version: number;
  undo: { include: string; exclude: string; tags: Record<string, string> }[];
  rules: Record<string, CurationRules>;
}

export function fakeOverrides(runSplit: (runId: string) => { datasetId: string; split: string } = () => ({ datasetId: 'ds1', split: 'test' })) {
  const store = new Map<string, Split>();
  const at = (d: string, s: string): Split => {
    const k = `${d}/${s}`;
    let v = store.get(k);
    if (!v) store.set(k, (v = { include: encodeIndexSet([]), exclude: encodeIndexSet([]), tags: {}, version: 0, undo: [], rules: {} }));
    return v;
  };
  const state = (datasetId: string, split: string): OverridesState => {
    const v = at(datasetId, split);
    const tagCounts: Record<string, number> = {};
    for (const [t, x] of Object.entries(v.tags)) tagCounts[t] = countRuns(decodeIndexSet(x));
    return { datasetId, split, version: v.version, include: v.include, exclude: v.exclude, includeCount: countRuns(decodeIndexSet(v.include)), excludeCount: countRuns(decodeIndexSet(v.exclude)), tags: { ...v.tags }, tagCounts, undoDepth: v.undo.length, rules: { ...v.rules } };
  };
  const push = (v: Split) => {
    v.undo.push({ include: v.include, exclude: v.exclude, tags: { ...v.tags } });
    v.version++;
  };
  const handlers: MemoryHandlers = {
    'curation.overrides': (i) => state(i.datasetId, i.split),
    'curation.editOverrides': (i) => {
      const v = at(i.datasetId, i.split);
      push(v);
      const sel = decodeIndexSet(i.selection);
      let inc = subtractRuns(decodeIndexSet(v.include), sel);
      let exc = subtractRuns(decodeIndexSet(v.exclude), sel);
      const mode = i.mode as OverrideMode | null;
      if (mode === 'include') inc = unionRuns(inc, sel);
      if (mode === 'exclude') exc = unionRuns(exc, sel);
      v.include = encodeIndexSet(inc);
      v.exclude = encodeIndexSet(exc);
      return state(i.datasetId, i.split);
    },
    'curation.tag': (i) => {
      const v = at(i.datasetId, i.split);
      push(v);
      const cur = v.tags[i.tag] ? decodeIndexSet(v.tags[i.tag]) : [];
      const next = i.on === false ? subtractRuns(cur, decodeIndexSet(i.selection)) : unionRuns(cur, decodeIndexSet(i.selection));
      if (next.length) v.tags[i.tag] = encodeIndexSet(next);
      else delete v.tags[i.tag];
      return state(i.datasetId, i.split);
    },
    'curation.undoOverrides': (i) => {
      const v = at(i.datasetId, i.split);
      const prev = v.undo.pop();
      if (prev) Object.assign(v, prev, { version: v.version + 1 });
      return state(i.datasetId, i.split);
    },
    'curation.saveRules': (i) => {
      const w = runSplit(i.runId);
      at(w.datasetId, w.split).rules[i.runId] = i.rules as CurationRules;
      return state(w.datasetId, w.split);
    },
  };
  /** The overrides of a split as the curation core takes them. */
  const list = (datasetId: string, split: string): { index: number; mode: OverrideMode }[] => {
    const st = state(datasetId, split);
    const out: { index: number; mode: OverrideMode }[] = [];
    for (const [text, mode] of [[st.include, 'include'], [st.exclude, 'exclude']] as const) {
      const r = decodeIndexSet(text);
      for (let k = 0; k < r.length; k += 2) for (let i = r[k]; i < r[k] + r[k + 1]; i++) out.push({ index: i, mode });
    }
    return out.sort((a, b) => a.index - b.index);
  };
  return { handlers, state, store, list };
}
