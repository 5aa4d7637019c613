/**
 * Curation overrides and tags of a dataset split, kept in the workspace (not in a browser's
 * localStorage): `pixels/<datasetId>/<split>.overrides.json` beside the split's pixels, so
 * they go when the dataset goes. Each set of indices is run-length encoded (contract/index-set),
 * so excluding a million images in a range costs a few bytes. Every edit is written
 * atomically, bumps `version`, and pushes the previous state on an undo stack (bounded).
 * Rules drafts of scoring runs on this split ride along (`rules[runId]`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CurationRules, OverrideMode, OverridesState } from '../contract/types';
import { countRuns, decodeIndexSet, encodeIndexSet, subtractRuns, unionRuns, type Runs } from '../contract/index-set';
import { pixelsDir } from './context';
import type { StoreContext } from './context';
import { WorkspaceError } from './errors';
import { writeFileAtomic } from './fsutil';

/** Edits one can undo. */
export const UNDO_DEPTH = 100;
const TAG = /^[^\u0000-\u001f]{1,64}$/;

interface Snapshot {
  include: string;
  exclude: string;
  tags: Record<string, string>;
}

interface OverridesFile extends Snapshot {
  format: 'rpr-overrides';
  version: number;
  undo: Snapshot[];
  rules: Record<string, CurationRules>;
}

export interface OverridesRepository {
  get(datasetId: string, split: string): OverridesState;
  /** Force include / exclude (or clear with null) the indices of `selection`; one undo step. */
  edit(datasetId: string, split: string, selection: Runs, mode: OverrideMode | null): OverridesState;
  /** Add or remove a tag on the selection; one undo step. */
  tag(datasetId: string, split: string, selection: Runs, tag: string, on: boolean): OverridesState;
  undo(datasetId: string, split: string): OverridesState;
  setRules(datasetId: string, split: string, runId: string, rules: CurationRules): OverridesState;
  /** The overrides as the curation core takes them. */
  list(datasetId: string, split: string): { index: number; mode: OverrideMode }[];
}

const EMPTY = encodeIndexSet([]);

export function createOverridesRepository(ctx: StoreContext, splitCount: (datasetId: string, split: string) => number): OverridesRepository {
  const fileOf = (datasetId: string, split: string) => path.join(pixelsDir(ctx.root, datasetId), `${split}.overrides.json`);

  function read(datasetId: string, split: string): OverridesFile {
    splitCount(datasetId, split); // the dataset and split must exist
    const file = fileOf(datasetId, split);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return { format: 'rpr-overrides', version: 0, include: EMPTY, exclude: EMPTY, tags: {}, undo: [], rules: {} };
    }
    try {
      const f = JSON.parse(text) as OverridesFile;
      if (f.format !== 'rpr-overrides') throw new Error('not an overrides file');
      decodeIndexSet(f.include);
      decodeIndexSet(f.exclude);
      return f;
    } catch (err) {
      throw new WorkspaceError(file, `curation overrides are unreadable (${(err as Error).message})`, 'corrupt', { cause: err });
    }
  }

  function state(datasetId: string, split: string, f: OverridesFile): OverridesState {
    const tagCounts: Record<string, number> = {};
    for (const [t, v] of Object.entries(f.tags)) tagCounts[t] = countRuns(decodeIndexSet(v));
    return {
      datasetId,
      split,
      version: f.version,
      include: f.include,
      exclude: f.exclude,
      includeCount: countRuns(decodeIndexSet(f.include)),
      excludeCount: countRuns(decodeIndexSet(f.exclude)),
      tags: { ...f.tags },
      tagCounts,
      undoDepth: f.undo.length,
      rules: { ...f.rules },
    };
  }

  function write(datasetId: string, split: string, f: OverridesFile): OverridesState {
    fs.mkdirSync(pixelsDir(ctx.root, datasetId), { recursive: true });
    writeFileAtomic(fileOf(datasetId, split), JSON.stringify(f));
    return state(datasetId, split, f);
  }

  function checkSelection(datasetId: string, split: string, sel: Runs): void {
    const n = splitCount(datasetId, split);
    const last = sel.length ? sel[sel.length - 2] + sel[sel.length - 1] - 1 : -1;
    if (last >= n) throw new WorkspaceError(ctx.root, `selection reaches image ${split}/${last}, but the split has ${n} images`, 'not-found');
  }

  function step(datasetId: string, split: string, change: (f: OverridesFile) => Snapshot): OverridesState {
    const f = read(datasetId, split);
    const before: Snapshot = { include: f.include, exclude: f.exclude, tags: f.tags };
    const after = change(f);
    if (after.include === before.include && after.exclude === before.exclude && JSON.stringify(after.tags) === JSON.stringify(before.tags)) return state(datasetId, split, f);
    return write(datasetId, split, { ...f, ...after, version: f.version + 1, undo: [...f.undo, before].slice(-UNDO_DEPTH) });
  }

  return {
    get: (datasetId, split) => state(datasetId, split, read(datasetId, split)),

    edit(datasetId, split, selection, mode) {
      checkSelection(datasetId, split, selection);
      return step(datasetId, split, (f) => {
        let inc = subtractRuns(decodeIndexSet(f.include), selection);
        let exc = subtractRuns(decodeIndexSet(f.exclude), selection);
        if (mode === 'include') inc = unionRuns(inc, selection);
        if (mode === 'exclude') exc = unionRuns(exc, selection);
        return { include: encodeIndexSet(inc), exclude: encodeIndexSet(exc), tags: f.tags };
      });
    },

    tag(datasetId, split, selection, tag, on) {
      if (!TAG.test(tag)) throw new WorkspaceError(ctx.root, `tag ${JSON.stringify(tag)}: 1 to 64 characters, no control characters`, 'not-found');
      checkSelection(datasetId, split, selection);
      return step(datasetId, split, (f) => {
        const cur = f.tags[tag] ? decodeIndexSet(f.tags[tag]) : [];
        const next = on ? unionRuns(cur, selection) : subtractRuns(cur, selection);
        const tags = { ...f.tags };
        if (next.length) tags[tag] = encodeIndexSet(next);
        else delete tags[tag];
        return { include: f.include, exclude: f.exclude, tags };
      });
    },

    undo(datasetId, split) {
      const f = read(datasetId, split);
      const prev = f.undo[f.undo.length - 1];
      if (!prev) return state(datasetId, split, f);
      return write(datasetId, split, { ...f, ...prev, version: f.version + 1, undo: f.undo.slice(0, -1) });
    },

    setRules(datasetId, split, runId, rules) {
      const f = read(datasetId, split);
      return write(datasetId, split, { ...f, rules: { ...f.rules, [runId]: rules } });
    },

    list(datasetId, split) {
      const f = read(datasetId, split);
      const out: { index: number; mode: OverrideMode }[] = [];
      for (const [text, mode] of [[f.include, 'include'], [f.exclude, 'exclude']] as const) {
        const r = decodeIndexSet(text);
        for (let k = 0; k < r.length; k += 2) for (let i = r[k]; i < r[k] + r[k + 1]; i++) out.push({ index: i, mode });
      }
      return out.sort((a, b) => a.index - b.index);
    },
  };
}
