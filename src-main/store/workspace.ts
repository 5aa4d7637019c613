/**
 * A workspace: a folder holding `rpr-workspace.json` (marker), `workspace.db` (SQLite, WAL),
 * `pixels/<datasetId>/<split>.u8`, `models/<modelId>/` and `exports/`.
 *
 * openWorkspace refuses, with a WorkspaceError naming the folder and the problem: a missing
 * folder (unless create), a non-empty folder without a marker (never writes into it), a
 * read-only folder (checked up front, nothing written), a marker or database from a newer
 * version, and a corrupt database.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspaceInfo } from '../contract/types';
import { DB_FILE, EXPORTS_DIR, MARKER_FILE, MODELS_DIR, PIXELS_DIR, modelDirOf } from './context';
import type { StoreContext } from './context';
import { createCuratedRepository } from './curated';
import type { CuratedRepository } from './curated';
import { createDatasetRepository } from './datasets';
import { createOverridesRepository } from './overrides';
import type { OverridesRepository } from './overrides';
import type { DatasetRepository } from './datasets';
import { Db } from './db';
import { WorkspaceError, errorText } from './errors';
import { TMP_INFIX, probeWritable, writeJsonAtomic } from './fsutil';
import { nowIso } from './ids';
import { createJobRepository } from './jobs';
import type { JobRepository } from './jobs';
import { MIGRATIONS, migrate, schemaVersion } from './migrations';
import type { Migration } from './migrations';
import { createModelRepository } from './models';
import type { ModelRepository } from './models';
import { createRunRepository } from './runs';
import type { RunRepository } from './runs';
import { createRemovalRepository } from './removal';
import type { RemovalRepository } from './removal';

export const WORKSPACE_FORMAT = 'rpr-curator-workspace';
/** version of the folder layout (the marker's `version`); the schema has its own */
export const WORKSPACE_LAYOUT_VERSION = 1;

export interface WorkspaceMarker {
  format: typeof WORKSPACE_FORMAT;
  version: number;
  createdAt: string;
}

export interface OpenWorkspaceOptions {
  /** create the folder (and parents) and an empty workspace if needed */
  create?: boolean;
  /**
   * Returns null if the folder can be written, else the reason. Default: `probeWritable`
   * (creates and removes a probe file, so read-only mounts are caught too). Tests inject
   * one, since root ignores permission bits.
   */
  checkWritable?: (dir: string) => string | null;
  /** the schema to migrate to; only tests pass an older prefix of MIGRATIONS */
  migrations?: readonly Migration[];
}

export interface Workspace {
  /** absolute folder */
  readonly path: string;
  readonly datasets: DatasetRepository;
  readonly models: ModelRepository;
  readonly runs: RunRepository;
  readonly curated: CuratedRepository;
  readonly overrides: OverridesRepository;
  readonly jobs: JobRepository;
  /** delete (with what depends on it) and rename datasets, models, runs and curated sets */
  readonly removal: RemovalRepository;
  info(): WorkspaceInfo;
  /** `<W>/models/<id>` (not created) */
  modelDir(id: string): string;
  /** `<W>/exports` */
  exportsDir(): string;
  /** `PRAGMA integrity_check` plus foreign key violations: 'ok' when healthy */
  integrityCheck(): string;
  close(): void;
}

function readMarker(root: string): WorkspaceMarker {
  const file = path.join(root, MARKER_FILE);
  let marker: unknown;
  try {
    marker = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WorkspaceError(file, `is not a valid workspace marker (${errorText(err)})`, 'not-a-workspace', { cause: err });
  }
  const m = marker as Partial<WorkspaceMarker> | null;
  if (!m || typeof m !== 'object' || m.format !== WORKSPACE_FORMAT || typeof m.version !== 'number') {
    throw new WorkspaceError(file, `is not a workspace marker (expected "format": "${WORKSPACE_FORMAT}" and a version)`, 'not-a-workspace');
  }
  if (m.version > WORKSPACE_LAYOUT_VERSION) {
    throw new WorkspaceError(
      root,
      `was written by a newer version of RPR Curator (workspace layout v${m.version}, this version reads up to v${WORKSPACE_LAYOUT_VERSION})`,
      'newer-version',
    );
  }
  return { format: WORKSPACE_FORMAT, version: m.version, createdAt: typeof m.createdAt === 'string' ? m.createdAt : '' };
}

function errCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

/** Open the database, check its version, migrate. Closes it on any failure. */
function openDb(root: string, file: string, migrations: readonly Migration[]): { db: Db; version: number } {
  let db: Db | null = null;
  try {
    db = Db.open(file);
    db.exec('PRAGMA busy_timeout = 5000');
    const version = schemaVersion(db);
    const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
    if (version > latest) {
      throw new WorkspaceError(
        file,
        `database was written by a newer version of RPR Curator (schema v${version}, this version knows up to v${latest})`,
        'newer-version',
      );
    }
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db, migrations);
    return { db, version: Math.max(version, latest) };
  } catch (err) {
    db?.close();
    if (err instanceof WorkspaceError) throw err;
    const code = errCode(err);
    if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
      throw new WorkspaceError(file, `database is corrupt (${errorText(err)})`, 'corrupt', { cause: err });
    }
    if (code.startsWith('SQLITE_READONLY')) {
      throw new WorkspaceError(file, `is read-only (${errorText(err)})`, 'read-only', { cause: err });
    }
    throw new WorkspaceError(file, `cannot open the database (${errorText(err)})`, 'io', { cause: err });
  }
}

/**
 * Leftovers older than this are swept at open. Younger ones may belong to an insert that
 * another process (the CLI beside the app) is running right now.
 */
export const SWEEP_MIN_AGE_MS = 60 * 60 * 1000;

/**
 * The newest modification time under `p`. An entry that vanishes while we look (another process
 * renaming its finished temp file into place, or removing it) counts as changing right now
 * (Infinity): it is live, never swept, and opening the workspace does not fail over it.
 */
export function newestMtime(p: string): number {
  try {
    const st = fs.statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    let newest = st.mtimeMs;
    for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
    return newest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Infinity;
    throw err;
  }
}

/** Remove leftovers of interrupted writes: temp files and pixel folders of datasets never committed. */
function sweep(root: string, db: Db): void {
  const known = new Set(db.column('SELECT id FROM datasets') as string[]);
  const pixelsRoot = path.join(root, PIXELS_DIR);
  const cutoff = Date.now() - SWEEP_MIN_AGE_MS;
  const old = (p: string) => newestMtime(p) < cutoff;
  for (const name of fs.readdirSync(root)) {
    const full = path.join(root, name);
    if (name.includes(TMP_INFIX) && old(full)) fs.rmSync(full, { force: true });
  }
  for (const entry of fs.readdirSync(pixelsRoot, { withFileTypes: true })) {
    const full = path.join(pixelsRoot, entry.name);
    if (!entry.isDirectory()) continue;
    if (/^ds_[0-9a-f]+$/.test(entry.name) && !known.has(entry.name)) {
      if (old(full)) fs.rmSync(full, { recursive: true, force: true });
      continue;
    }
    let files: string[];
    try {
      files = fs.readdirSync(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process just discarded it
      throw err;
    }
    for (const f of files) {
      if (f.includes(TMP_INFIX) && old(path.join(full, f))) fs.rmSync(path.join(full, f), { force: true });
    }
  }
}

function nearestExisting(p: string): string {
  let cur = p;
  while (!fs.existsSync(cur)) {
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  return cur;
}

export function openWorkspace(folder: string, opts: OpenWorkspaceOptions = {}): Workspace {
  const root = path.resolve(folder);
  const checkWritable = opts.checkWritable ?? probeWritable;
  const migrations = opts.migrations ?? MIGRATIONS;
  const markerFile = path.join(root, MARKER_FILE);
  const dbFile = path.join(root, DB_FILE);

  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(root);
  } catch {
    stat = undefined;
  }

  // 1. what is there, refusing before writing anything
  let marker: WorkspaceMarker | null = null;
  let createdRoot: string | null = null; // topmost folder we made, removed if creation fails
  if (!stat) {
    if (!opts.create) throw new WorkspaceError(root, 'folder does not exist', 'missing');
    const parent = nearestExisting(root);
    const why = checkWritable(parent);
    if (why) throw new WorkspaceError(root, `is read-only: cannot create it in ${parent} (${why})`, 'read-only');
    createdRoot = path.join(parent, path.relative(parent, root).split(path.sep)[0]);
    try {
      fs.mkdirSync(root, { recursive: true });
    } catch (err) {
      const code = errCode(err);
      const kind = code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? 'read-only' : 'io';
      throw new WorkspaceError(root, `${kind === 'read-only' ? 'is read-only: ' : ''}cannot create the folder (${errorText(err)})`, kind, { cause: err });
    }
  } else if (!stat.isDirectory()) {
    throw new WorkspaceError(root, 'is a file, not a workspace folder', 'not-a-workspace');
  } else if (fs.existsSync(markerFile)) {
    marker = readMarker(root);
  } else if (fs.readdirSync(root).length > 0) {
    throw new WorkspaceError(root, `is not an RPR Curator workspace (no ${MARKER_FILE}) and is not empty; refusing to write into it`, 'not-a-workspace');
  } else if (!opts.create) {
    throw new WorkspaceError(root, `is an empty folder, not a workspace (no ${MARKER_FILE}); open it with create to make one`, 'not-a-workspace');
  }

  const why = checkWritable(root);
  if (why) {
    if (createdRoot) fs.rmSync(createdRoot, { recursive: true, force: true });
    throw new WorkspaceError(root, `is read-only (${why})`, 'read-only');
  }

  // 2. existing workspace: the database must be there
  if (marker && !fs.existsSync(dbFile)) {
    throw new WorkspaceError(dbFile, 'database is missing from the workspace', 'corrupt');
  }

  // 3. open + migrate; a fresh workspace gets its folders, then the marker last
  let db: Db;
  let version: number;
  try {
    ({ db, version } = openDb(root, dbFile, migrations));
  } catch (err) {
    if (!marker) cleanupFresh(root, createdRoot);
    throw err;
  }
  try {
    for (const d of [PIXELS_DIR, MODELS_DIR, EXPORTS_DIR]) fs.mkdirSync(path.join(root, d), { recursive: true });
    if (!marker) {
      marker = { format: WORKSPACE_FORMAT, version: WORKSPACE_LAYOUT_VERSION, createdAt: nowIso() };
      writeJsonAtomic(markerFile, marker);
    }
    sweep(root, db);
  } catch (err) {
    db.close();
    if (!fs.existsSync(markerFile)) cleanupFresh(root, createdRoot);
    throw new WorkspaceError(root, `cannot prepare the workspace (${errorText(err)})`, 'io', { cause: err });
  }

  const ctx: StoreContext = { root, db };
  const createdAt = marker.createdAt;
  let closed = false;
  const datasets = createDatasetRepository(ctx);
  return {
    path: root,
    datasets,
    models: createModelRepository(ctx),
    runs: createRunRepository(ctx),
    curated: createCuratedRepository(ctx),
    overrides: createOverridesRepository(ctx, (datasetId, split) => {
      const s = datasets.get(datasetId).splits.find((x) => x.name === split);
      if (!s) throw new WorkspaceError(root, `dataset ${datasetId} has no split ${JSON.stringify(split)}`, 'not-found');
      return s.count;
    }),
    jobs: createJobRepository(ctx),
    removal: createRemovalRepository(ctx),
    info: () => ({ path: root, schemaVersion: version, createdAt }),
    modelDir: (id) => modelDirOf(root, id),
    exportsDir: () => path.join(root, EXPORTS_DIR),
    integrityCheck() {
      const lines = db.column('PRAGMA integrity_check').map(String);
      const fk = db.rows('PRAGMA foreign_key_check');
      for (const [table, rowid, parent] of fk) lines.push(`foreign key violation: ${table} row ${rowid} -> ${parent}`);
      if (fk.length && lines[0] === 'ok') lines.shift();
      return lines.join('\n');
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** Undo a failed creation: the folder was empty (or absent) before, so what is in it is ours. */
function cleanupFresh(root: string, createdRoot: string | null): void {
  if (createdRoot) {
    fs.rmSync(createdRoot, { recursive: true, force: true });
    return;
  }
  for (const name of fs.readdirSync(root)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
}
