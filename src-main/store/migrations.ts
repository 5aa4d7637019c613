/**
 * Versioned schema migrations. Append only: never edit a released migration, add a new
 * one. Each is applied in its own transaction and recorded in `schema_migrations`.
 */
import type { Db } from './db';
import { nowIso } from './ids';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation: datasets, splits, images, models, jobs',
    sql: `
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        source_kind TEXT NOT NULL,
        source_path TEXT NOT NULL,
        height INTEGER NOT NULL,
        width INTEGER NOT NULL,
        channels INTEGER NOT NULL,
        class_names TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
      );
      CREATE TABLE splits (
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        count INTEGER NOT NULL,
        pixels_file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        origin TEXT NOT NULL,
        class_counts TEXT NOT NULL,
        PRIMARY KEY (dataset_id, name)
      ) WITHOUT ROWID;
      CREATE TABLE images (
        dataset_id TEXT NOT NULL,
        split TEXT NOT NULL,
        idx INTEGER NOT NULL,
        label INTEGER NOT NULL,
        origin TEXT,
        PRIMARY KEY (dataset_id, split, idx),
        FOREIGN KEY (dataset_id, split) REFERENCES splits(dataset_id, name) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE TABLE models (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        arch TEXT NOT NULL,
        format TEXT NOT NULL,
        input_shape TEXT NOT NULL,
        num_classes INTEGER NOT NULL,
        input_scale TEXT NOT NULL,
        dataset_id TEXT REFERENCES datasets(id) ON DELETE SET NULL,
        config TEXT NOT NULL,
        lineage TEXT NOT NULL,
        hash TEXT NOT NULL,
        metrics TEXT NOT NULL,
        path TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX models_hash ON models(hash);
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        status TEXT NOT NULL,
        params TEXT,
        result TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX jobs_status ON jobs(status);
    `,
  },
  {
    version: 2,
    name: 'scoring: scoring_runs, scores',
    sql: `
      CREATE TABLE scoring_runs (
        id TEXT PRIMARY KEY,
        model_id TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        split TEXT NOT NULL,
        scheme TEXT NOT NULL,
        max_steps INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        shard TEXT,
        backend TEXT NOT NULL,
        workers INTEGER NOT NULL,
        status TEXT NOT NULL,
        count INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        stats TEXT,
        params_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX scoring_runs_params ON scoring_runs(params_hash, status);
      CREATE INDEX scoring_runs_dataset ON scoring_runs(dataset_id);
      CREATE TABLE scores (
        run_id TEXT NOT NULL REFERENCES scoring_runs(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        label INTEGER NOT NULL,
        steps INTEGER NOT NULL,
        robust INTEGER NOT NULL CHECK (robust IN (0, 1)),
        clean_pred INTEGER NOT NULL,
        clean_conf REAL NOT NULL,
        fool_pred INTEGER NOT NULL,
        fool_upper REAL NOT NULL,
        PRIMARY KEY (run_id, idx)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'curation: curated_sets, curated_members',
    sql: `
      CREATE TABLE curated_sets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL,
        rules TEXT NOT NULL,
        overrides TEXT NOT NULL,
        class_counts TEXT NOT NULL,
        total INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (name, version)
      );
      CREATE INDEX curated_sets_dataset ON curated_sets(dataset_id);
      CREATE TABLE curated_members (
        set_id TEXT NOT NULL REFERENCES curated_sets(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        PRIMARY KEY (set_id, idx)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'names: scoring runs can be named (scoring.rename)',
    sql: `
      ALTER TABLE scoring_runs ADD COLUMN name TEXT;
    `,
  },
  {
    version: 5,
    name: 'lineage: models trained before training lineage was recorded are marked lineage unknown',
    sql: `
      UPDATE models
         SET lineage = json_set(CASE WHEN json_valid(lineage) THEN lineage ELSE '{}' END, '$.lineageUnknown', json('true'))
       WHERE NOT json_valid(lineage) OR json_extract(lineage, '$.version') IS NULL;
    `,
  },
  {
    version: 6,
    name: 'scoring: the ONNX Runtime execution provider a run scored on',
    sql: `ALTER TABLE scoring_runs ADD COLUMN execution_provider TEXT;`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

function ensureTable(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
}

/** Highest applied version (0 for a fresh database). */
export function schemaVersion(db: Db): number {
  ensureTable(db);
  const v = db.value('SELECT MAX(version) FROM schema_migrations');
  return typeof v === 'number' ? v : 0;
}

/**
 * Apply every migration above the database's version, each in its own transaction.
 * Returns the versions applied. The caller checks for a newer database first.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = schemaVersion(db);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.tx(() => {
      db.exec(m.sql);
      db.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, nowIso()]);
    });
    applied.push(m.version);
  }
  return applied;
}
