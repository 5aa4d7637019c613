/**
 * Delete and rename what a workspace holds (datasets, models, scoring runs, curated sets), with
 * what depends on it. A removal is all or nothing: the folders to delete are first moved aside,
 * then every row goes in one transaction; if that fails the folders are moved back. Only then
 * are the moved folders deleted, and the database compacted, so the space freed is measured.
 *
 * What goes with what:
 * - a dataset takes its splits, images, pixel files, scoring runs and curated sets; models
 *   trained on it keep their weights and lose the link;
 * - a model takes its folder, its scoring runs and the curated sets made from those runs;
 * - a scoring run takes its scores and the curated sets made from it;
 * - a curated set takes its members.
 * Models trained on a removed curated set (or retrained from a removed model) are kept and listed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ItemKind, ItemRef, RemovalPlan } from '../contract/types';
import type { StoreContext } from './context';
import { DB_FILE, modelDirOf, notFound, parseJson, pixelsDir } from './context';
import type { SqlValue } from './db';
import { WorkspaceError, errorText } from './errors';
import { InputError } from '../core/errors';

/** moved-aside folders wait here between the move and the commit */
export const TRASH_DIR = '.trash-rpr';

export interface StorePlan extends RemovalPlan {
  /** runs among the removed that are marked as being scored */
  runningRuns: string[];
  ids: { datasets: string[]; models: string[]; runs: string[]; sets: string[] };
  folders: string[];
}

export interface RemovalRepository {
  /** what removing it would remove, what would be affected, and about how many bytes it frees */
  plan(kind: ItemKind, id: string): StorePlan;
  /** remove it and everything that goes with it; returns the plan carried out and the bytes freed (measured) */
  remove(kind: ItemKind, id: string): { plan: StorePlan; freedBytes: number };
  /** give it a new name (trimmed); returns the reference with the new name */
  rename(kind: ItemKind, id: string, name: string): ItemRef;
}

interface ModelRow {
  id: string;
  name: string;
  dataset_id: string | null;
  lineage: string;
}

const TABLE: Record<ItemKind, string> = { dataset: 'datasets', model: 'models', run: 'scoring_runs', curated: 'curated_sets' };
const WHAT: Record<ItemKind, string> = { dataset: 'dataset', model: 'model', run: 'scoring run', curated: 'curated set' };

export function folderBytes(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of fs.readdirSync(p)) n += folderBytes(path.join(p, name));
  return n;
}

export function createRemovalRepository(ctx: StoreContext): RemovalRepository {
  const { db, root } = ctx;
  const list = (ids: string[]) => ids.map(() => '?').join(',');
  const column = (sql: string, params: SqlValue[]) => db.column(sql, params).map(String);

  function runName(id: string): string {
    const r = db.get<{ split: string; seed: number; model: string | null; dataset: string | null; created_at: string; name: string | null }>(
      `SELECT r.split, r.seed, r.created_at, r.name, m.name AS model, d.name AS dataset
       FROM scoring_runs r LEFT JOIN models m ON m.id = r.model_id LEFT JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?`,
      [id],
    );
    if (!r) return id;
    const base = `${r.model ?? 'deleted model'} · ${r.dataset ?? 'deleted dataset'}/${r.split} · seed ${r.seed} · ${r.created_at.slice(0, 16).replace('T', ' ')}`;
    return r.name ? `${r.name} (${base})` : base;
  }

  function nameOf(kind: ItemKind, id: string): string {
    if (kind === 'run') return runName(id);
    if (kind === 'curated') {
      const s = db.get<{ name: string; version: number }>('SELECT name, version FROM curated_sets WHERE id = ?', [id]);
      return s ? `${s.name} v${s.version}` : id;
    }
    const v = db.value(`SELECT name FROM ${TABLE[kind]} WHERE id = ?`, [id]);
    return typeof v === 'string' ? v : id;
  }

  function mustExist(kind: ItemKind, id: string): void {
    if (db.value(`SELECT 1 FROM ${TABLE[kind]} WHERE id = ?`, [id]) === undefined) throw notFound(ctx, WHAT[kind], id);
  }

  function dbBytes(): number {
    const pages = Number(db.value('PRAGMA page_count') ?? 0);
    const size = Number(db.value('PRAGMA page_size') ?? 0);
    return pages * size;
  }

  function plan(kind: ItemKind, id: string): StorePlan {
    mustExist(kind, id);
    const ids: StorePlan['ids'] = { datasets: [], models: [], runs: [], sets: [] };
    if (kind === 'dataset') {
      ids.datasets = [id];
      ids.runs = column('SELECT id FROM scoring_runs WHERE dataset_id = ? ORDER BY created_at', [id]);
      ids.sets = column('SELECT id FROM curated_sets WHERE dataset_id = ? ORDER BY created_at', [id]);
    } else if (kind === 'model') {
      ids.models = [id];
      ids.runs = column('SELECT id FROM scoring_runs WHERE model_id = ? ORDER BY created_at', [id]);
    } else if (kind === 'run') {
      ids.runs = [id];
    } else {
      ids.sets = [id];
    }
    if (ids.runs.length && kind !== 'dataset') {
      ids.sets = column(`SELECT id FROM curated_sets WHERE run_id IN (${list(ids.runs)}) ORDER BY created_at`, ids.runs);
    }
    const removes: ItemRef[] = [
      ...ids.models.filter((m) => m !== id).map((m) => ({ kind: 'model' as const, id: m, name: nameOf('model', m) })),
      ...ids.runs.filter((r) => r !== id).map((r) => ({ kind: 'run' as const, id: r, name: nameOf('run', r) })),
      ...ids.sets.filter((s) => s !== id).map((s) => ({ kind: 'curated' as const, id: s, name: nameOf('curated', s) })),
    ];
    // kept, but pointing at something removed
    const affects: RemovalPlan['affects'] = [];
    for (const m of db.all<ModelRow>('SELECT id, name, dataset_id, lineage FROM models ORDER BY created_at, id')) {
      if (ids.models.includes(m.id)) continue;
      const lin = parseJson<Record<string, unknown>>(m.lineage, {});
      const set = [lin.curatedSetId, lin.controlFor].find((s) => typeof s === 'string' && ids.sets.includes(s));
      let why: string | null = null;
      if (m.dataset_id !== null && ids.datasets.includes(m.dataset_id)) why = 'trained on this dataset: keeps its weights, loses the link to the dataset';
      else if (typeof set === 'string') why = `trained on curated set ${nameOf('curated', set)}: keeps its weights; its lineage will name a deleted set`;
      else if (typeof lin.sourceModelId === 'string' && ids.models.includes(lin.sourceModelId)) why = 'retrained from this model: keeps its weights; its lineage will name a deleted model';
      if (why) affects.push({ kind: 'model', id: m.id, name: m.name, why });
    }
    const folders = [...ids.models.map((m) => modelDirOf(root, m)), ...ids.datasets.map((d) => pixelsDir(root, d))].filter((f) => fs.existsSync(f));
    const fileBytes = folders.reduce((n, f) => n + folderBytes(f), 0);
    // the database's share, estimated from the rows that go (measured after the removal)
    const count = (sql: string, params: SqlValue[]) => Number(db.value(sql, params) ?? 0);
    const rowsGone =
      (ids.runs.length ? count(`SELECT COUNT(*) FROM scores WHERE run_id IN (${list(ids.runs)})`, ids.runs) : 0) +
      (ids.sets.length ? count(`SELECT COUNT(*) FROM curated_members WHERE set_id IN (${list(ids.sets)})`, ids.sets) : 0) +
      (ids.datasets.length ? count(`SELECT COUNT(*) FROM images WHERE dataset_id IN (${list(ids.datasets)})`, ids.datasets) : 0);
    const rowsAll = count('SELECT (SELECT COUNT(*) FROM scores) + (SELECT COUNT(*) FROM curated_members) + (SELECT COUNT(*) FROM images)', []);
    const dbShare = rowsAll > 0 ? Math.round((dbBytes() * rowsGone) / rowsAll) : 0;
    // a job of this process that uses any of it blocks the removal (the service fills this in)
    const running = ids.runs.filter((r) => db.value('SELECT status FROM scoring_runs WHERE id = ?', [r]) === 'running');
    return {
      target: { kind, id, name: nameOf(kind, id) },
      removes,
      affects,
      bytes: fileBytes + dbShare,
      blocked: null,
      runningRuns: running,
      ids,
      folders,
    };
  }

  /** checkpoint the WAL into the main file and report the bytes both hold */
  function onDisk(): number {
    try {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch {
      // another connection is reading: the sizes still add up
    }
    return folderBytes(path.join(root, DB_FILE)) + folderBytes(path.join(root, `${DB_FILE}-wal`));
  }

  function remove(kind: ItemKind, id: string): { plan: StorePlan; freedBytes: number } {
    const p = plan(kind, id);
    const fileBytes = p.folders.reduce((n, f) => n + folderBytes(f), 0);
    const trash = path.join(root, TRASH_DIR, randomBytes(6).toString('hex'));
    // leftovers of a removal interrupted after its commit
    fs.rmSync(path.join(root, TRASH_DIR), { recursive: true, force: true });
    const moved: [string, string][] = [];
    const putBack = () => {
      for (const [from, to] of moved.reverse()) {
        try {
          fs.renameSync(to, from);
        } catch {
          // nothing better to do: the error below names the failure
        }
      }
    };
    const before = onDisk();
    try {
      fs.mkdirSync(trash, { recursive: true });
      p.folders.forEach((f, i) => {
        const to = path.join(trash, String(i));
        fs.renameSync(f, to);
        moved.push([f, to]);
      });
    } catch (err) {
      putBack();
      throw new WorkspaceError(root, `cannot remove ${WHAT[kind]} ${p.target.name}: its files could not be moved (${errorText(err)}); nothing was removed`, 'io', { cause: err });
    }
    try {
      db.tx(() => {
        const del = (table: string, col: string, values: string[]) => {
          if (values.length) db.run(`DELETE FROM ${table} WHERE ${col} IN (${list(values)})`, values);
        };
        del('curated_sets', 'id', p.ids.sets);
        del('scoring_runs', 'id', p.ids.runs);
        del('models', 'id', p.ids.models);
        del('datasets', 'id', p.ids.datasets);
        // interrupted jobs that would resume something removed (running jobs of the app were refused before)
        for (const gone of [...p.ids.datasets, ...p.ids.models, ...p.ids.runs, ...p.ids.sets]) {
          db.run('DELETE FROM jobs WHERE params LIKE ?', [`%${JSON.stringify(gone)}%`]);
        }
      });
    } catch (err) {
      putBack();
      throw new WorkspaceError(root, `cannot remove ${WHAT[kind]} ${p.target.name}: ${errorText(err)}; nothing was removed`, 'io', { cause: err });
    }
    fs.rmSync(path.dirname(trash), { recursive: true, force: true });
    let after = before;
    try {
      db.exec('VACUUM');
      after = onDisk();
    } catch {
      // busy (a statement in flight or another process): the rows' space is reused by later writes
      after = onDisk();
    }
    return { plan: p, freedBytes: fileBytes + Math.max(0, before - after) };
  }

  function rename(kind: ItemKind, id: string, name: string): ItemRef {
    mustExist(kind, id);
    const clean = name.trim();
    if (!clean) throw new InputError(`${WHAT[kind]} ${nameOf(kind, id)}`, 'a name cannot be empty');
    if (kind === 'curated') {
      const v = db.value('SELECT version FROM curated_sets WHERE id = ?', [id]);
      const clash = db.value('SELECT id FROM curated_sets WHERE name = ? AND version = ? AND id <> ?', [clean, v ?? 0, id]);
      if (clash !== undefined) throw new InputError(`curated set ${nameOf(kind, id)}`, `a curated set named "${clean} v${String(v)}" already exists: choose another name`);
    }
    db.run(`UPDATE ${TABLE[kind]} SET name = ? WHERE id = ?`, [clean, id]);
    return { kind, id, name: nameOf(kind, id) };
  }

  return { plan, remove, rename };
}
