/** Curated sets: saved, versioned selections of a dataset's images (by index in the run's split). */
import type { CuratedSetInfo, CurationRules, OverrideMode } from '../contract/types';
import type { StoreContext } from './context';
import { notFound, parseJson } from './context';
import type { SqlValue } from './db';
import { newId, nowIso } from './ids';

export interface SaveCuratedInput {
  name: string;
  datasetId: string;
  runId: string;
  rules: CurationRules;
  overrides: { index: number; mode: OverrideMode }[];
  classCounts: number[];
  /** image indices of the set (duplicates ignored) */
  members: readonly number[];
}

export interface CuratedRepository {
  /** version = previous highest version of the same name + 1 (1 for a new name) */
  save(input: SaveCuratedInput): CuratedSetInfo;
  /** newest first */
  list(datasetId?: string): CuratedSetInfo[];
  get(id: string): CuratedSetInfo;
  /** member indices, ascending */
  members(id: string): number[];
  remove(id: string): boolean;
}

interface SetRow {
  id: string;
  name: string;
  version: number;
  dataset_id: string;
  run_id: string;
  rules: string;
  overrides: string;
  class_counts: string;
  total: number;
  created_at: string;
}

const CHUNK = 1000;

export function createCuratedRepository(ctx: StoreContext): CuratedRepository {
  const { db } = ctx;

  function toInfo(r: SetRow): CuratedSetInfo {
    return {
      id: r.id,
      name: r.name,
      version: r.version,
      datasetId: r.dataset_id,
      runId: r.run_id,
      rules: parseJson<CurationRules>(r.rules, { minSteps: null, balance: { mode: 'all' }, seed: 0 }),
      overrides: parseJson<CuratedSetInfo['overrides']>(r.overrides, []),
      classCounts: parseJson<number[]>(r.class_counts, []),
      total: r.total,
      createdAt: r.created_at,
    };
  }

  function getRow(id: string): SetRow {
    const r = db.get<SetRow>('SELECT * FROM curated_sets WHERE id = ?', [id]);
    if (!r) throw notFound(ctx, 'curated set', id);
    return r;
  }

  return {
    save(input) {
      const id = newId('cs');
      const members = [...new Set(input.members)].sort((a, b) => a - b);
      db.tx(() => {
        if (db.value('SELECT 1 FROM datasets WHERE id = ?', [input.datasetId]) === undefined) throw notFound(ctx, 'dataset', input.datasetId);
        const prev = db.value('SELECT MAX(version) FROM curated_sets WHERE name = ?', [input.name]);
        const version = (typeof prev === 'number' ? prev : 0) + 1;
        db.run(
          `INSERT INTO curated_sets (id, name, version, dataset_id, run_id, rules, overrides, class_counts, total, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [id, input.name, version, input.datasetId, input.runId, JSON.stringify(input.rules), JSON.stringify(input.overrides),
            JSON.stringify(input.classCounts), members.length, nowIso()],
        );
        const sql = (n: number) => `INSERT INTO curated_members (set_id, idx) VALUES ${new Array(n).fill('(?,?)').join(',')}`;
        for (let start = 0; start < members.length; start += CHUNK) {
          const end = Math.min(members.length, start + CHUNK);
          const params: SqlValue[] = [];
          for (let i = start; i < end; i++) params.push(id, members[i]);
          db.prepare(sql(end - start)).run(params);
        }
      });
      return toInfo(getRow(id));
    },

    list(datasetId) {
      const rows = datasetId === undefined
        ? db.all<SetRow>('SELECT * FROM curated_sets ORDER BY created_at DESC, rowid DESC')
        : db.all<SetRow>('SELECT * FROM curated_sets WHERE dataset_id = ? ORDER BY created_at DESC, rowid DESC', [datasetId]);
      return rows.map(toInfo);
    },

    get(id) {
      return toInfo(getRow(id));
    },

    members(id) {
      getRow(id);
      return db.column('SELECT idx FROM curated_members WHERE set_id = ? ORDER BY idx', [id]) as number[];
    },

    remove(id) {
      return db.tx(() => db.run('DELETE FROM curated_sets WHERE id = ?', [id]).changes > 0);
    },
  };
}
