import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scoreArrays } from '../../src-main/contract/columns';
import type { ModelInfo, RunStats } from '../../src-main/contract/types';
import type { ImportedDataset } from '../../src-main/core/dataset';
import { InputError } from '../../src-main/core/errors';
import {
  LATEST_SCHEMA_VERSION,
  MAX_RECENT,
  MIGRATIONS,
  WorkspaceError,
  addRecent,
  openWorkspace,
  probeWritable,
  readRecent,
} from '../../src-main/store';
import type { ScoreRow, Workspace } from '../../src-main/store';
import { newestMtime } from '../../src-main/store/workspace';

let tmp: string;
const open: Workspace[] = [];

function track(ws: Workspace): Workspace {
  open.push(ws);
  return ws;
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rpr-store-'));
});

afterEach(() => {
  for (const ws of open.splice(0)) ws.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const SHAPE = { height: 4, width: 3, channels: 1 as const };
const SIZE = 12;

function split(name: string, n: number, salt: number, opts: { origins?: boolean; badLabelAt?: number } = {}) {
  const data = new Uint8Array(n * SIZE);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + salt) % 256;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i + salt) % 3;
  if (opts.badLabelAt !== undefined) labels[opts.badLabelAt] = 7;
  return {
    name,
    images: { shape: SHAPE, count: n, data },
    labels,
    origin: `${name}-images.idx`,
    origins: opts.origins ? Array.from({ length: n }, (_, i) => `${name}/c${labels[i]}/img${i}.png`) : null,
  };
}

function dataset(splits = [split('train', 20, 1), split('test', 10, 2)]): ImportedDataset {
  return { kind: 'idx', sourcePath: '/data/synthetic', shape: SHAPE, classNames: ['zero', 'one', 'two'], splits, warnings: ['w1'] };
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      out.push(path.join(rel, e.name));
      if (e.isDirectory()) walk(path.join(d, e.name), path.join(rel, e.name));
    }
  };
  walk(dir, '');
  return out.sort();
}

function expectWsError(fn: () => unknown, code: string, re: RegExp): WorkspaceError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkspaceError);
    const e = err as WorkspaceError;
    expect(e.code).toBe(code);
    expect(e.message).toMatch(re);
    return e;
  }
  throw new Error('expected a WorkspaceError');
}

function countRows(ws: Workspace, table: string): number {
  const db = new Database(path.join(ws.path, 'workspace.db'));
  try {
    return (db.prepare(`SELECT COUNT(*) FROM ${table}`).raw().all()[0] as number[])[0];
  } finally {
    db.close();
  }
}

describe('create, open, reopen', () => {
  it('creates the layout in a new nested folder and reopens it', () => {
    const dir = path.join(tmp, 'a', 'b', 'ws');
    const ws = openWorkspace(dir, { create: true });
    expect(ws.path).toBe(dir);
    const marker = JSON.parse(fs.readFileSync(path.join(dir, 'rpr-workspace.json'), 'utf8'));
    expect(marker.format).toBe('rpr-curator-workspace');
    expect(marker.version).toBe(1);
    expect(Date.parse(marker.createdAt)).not.toBeNaN();
    for (const d of ['pixels', 'models', 'exports']) expect(fs.statSync(path.join(dir, d)).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(dir, 'workspace.db'))).toBe(true);
    expect(ws.info()).toEqual({ path: dir, schemaVersion: LATEST_SCHEMA_VERSION, createdAt: marker.createdAt });
    expect(ws.integrityCheck()).toBe('ok');
    expect(ws.modelDir('m_1')).toBe(path.join(dir, 'models', 'm_1'));
    expect(ws.exportsDir()).toBe(path.join(dir, 'exports'));
    ws.close();

    const again = track(openWorkspace(dir));
    expect(again.info().createdAt).toBe(marker.createdAt);
    expect(again.datasets.list()).toEqual([]);
    again.close();
    // create on an existing workspace just opens it
    const third = track(openWorkspace(dir, { create: true }));
    expect(third.info().createdAt).toBe(marker.createdAt);
  });

  it('uses WAL and foreign keys', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    ws.close();
    const db = new Database(path.join(tmp, 'workspace.db'));
    expect((db.prepare('PRAGMA journal_mode').raw().all()[0] as string[])[0]).toBe('wal');
    db.close();
    const ws2 = track(openWorkspace(tmp));
    const id = ws2.datasets.insert(dataset(), 'd').id;
    ws2.datasets.remove(id); // cascade needs foreign keys on
    expect(countRows(ws2, 'images')).toBe(0);
    expect(countRows(ws2, 'splits')).toBe(0);
  });

  it('refuses a run, a set or a model id that could escape the workspace', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    expect(() => ws.modelDir('../evil')).toThrow(WorkspaceError);
  });
});

describe('datasets', () => {
  it('inserts a dataset and reads back summary, columns, pixels, labels and image detail', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const imported = dataset([split('train', 20, 1), split('test', 10, 2, { origins: true })]);
    const s = ws.datasets.insert(imported, '  Synthetic  ');
    expect(s.id).toMatch(/^ds_[0-9a-f]{16}$/);
    expect(s.name).toBe('Synthetic');
    expect(s.sourceKind).toBe('idx');
    expect(s.sourcePath).toBe('/data/synthetic');
    expect(s.shape).toEqual(SHAPE);
    expect(s.classNames).toEqual(['zero', 'one', 'two']);
    expect(s.warnings).toEqual(['w1']);
    expect(s.splits).toEqual([
      { name: 'train', count: 20, classCounts: [6, 7, 7], origin: 'train-images.idx' },
      { name: 'test', count: 10, classCounts: [3, 3, 4], origin: 'test-images.idx' },
    ]);
    expect(ws.datasets.list()).toEqual([s]);
    expect(ws.datasets.get(s.id)).toEqual(s);

    const cols = ws.datasets.columns(s.id);
    expect(cols.datasetId).toBe(s.id);
    expect(cols.splitNames).toEqual(['train', 'test']);
    expect(cols.split).toEqual([...Array(20).fill(0), ...Array(10).fill(1)]);
    expect(cols.index).toEqual([...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => i)]);
    expect(cols.label).toEqual([...imported.splits[0].labels, ...imported.splits[1].labels]);

    expect(Array.from(ws.datasets.readImages(s.id, 'train', 0, 20).data)).toEqual(Array.from(imported.splits[0].images.data));
    expect(Array.from(ws.datasets.labels(s.id, 'test'))).toEqual(Array.from(imported.splits[1].labels));
    // a range, and indices in any order (runs read at once)
    expect(Array.from(ws.datasets.readImages(s.id, 'train', 3, 4).data)).toEqual(Array.from(imported.splits[0].images.data.slice(3 * SIZE, 7 * SIZE)));
    const picked = ws.datasets.readImageIndices(s.id, 'train', [7, 2, 3, 4, 19]);
    expect(Array.from(picked.data)).toEqual([7, 2, 3, 4, 19].flatMap((i) => Array.from(imported.splits[0].images.data.slice(i * SIZE, (i + 1) * SIZE))));
    expectWsError(() => ws.datasets.readImages(s.id, 'train', 18, 3), 'not-found', /out of range/);
    expectWsError(() => ws.datasets.readImageIndices(s.id, 'train', [0, 20]), 'not-found', /out of range/);
    const raw = ws.datasets.readImages(s.id, 'test', 0, 10);
    expect(raw.count).toBe(10);
    expect(raw.shape).toEqual(SHAPE);
    expect(Array.from(raw.data)).toEqual(Array.from(imported.splits[1].images.data));

    const file = ws.datasets.pixelsPath(s.id, 'train');
    expect(file).toBe(path.join(tmp, 'pixels', s.id, 'train.u8'));
    expect(createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(
      createHash('sha256').update(imported.splits[0].images.data).digest('hex'),
    );

    const d = ws.datasets.image(s.id, 'train', 5);
    expect(d).toEqual({
      id: 'train/5',
      datasetId: s.id,
      split: 'train',
      index: 5,
      label: imported.splits[0].labels[5],
      className: ['zero', 'one', 'two'][imported.splits[0].labels[5]],
      origin: 'train-images.idx#5',
      shape: SHAPE,
      pixels: imported.splits[0].images.data.slice(5 * SIZE, 6 * SIZE),
    });
    // per-image origin wins, last image reads to the end of the file
    const last = ws.datasets.image(s.id, 'test', 9);
    expect(last.origin).toBe(`test/c${imported.splits[1].labels[9]}/img9.png`);
    expect(Array.from(last.pixels)).toEqual(Array.from(imported.splits[1].images.data.slice(9 * SIZE)));

    expectWsError(() => ws.datasets.image(s.id, 'train', 20), 'not-found', /out of range/);
    expectWsError(() => ws.datasets.get('ds_nope'), 'not-found', /no dataset "ds_nope"/);
    expectWsError(() => ws.datasets.readImages(s.id, 'valid', 0, 1), 'not-found', /valid/);
    expect(ws.datasets.verify(s.id)).toEqual([]);

    // survives reopening
    ws.close();
    const ws2 = track(openWorkspace(tmp));
    expect(ws2.datasets.get(s.id)).toEqual(s);
    expect(ws2.datasets.image(s.id, 'train', 5).pixels).toEqual(d.pixels);
  });

  it('detects damaged pixel files', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const s = ws.datasets.insert(dataset(), 'd');
    const file = ws.datasets.pixelsPath(s.id, 'train');
    const bytes = fs.readFileSync(file);
    bytes[3] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const problems = ws.datasets.verify(s.id);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(file);
    expect(problems[0]).toMatch(/sha256/);
    fs.writeFileSync(file, bytes.subarray(0, 100));
    const e = expectWsError(() => ws.datasets.readImages(s.id, 'train', 0, 1), 'corrupt', /has 100 bytes, expected 240/);
    expect(e.message).toContain(file);
  });

  it('is atomic: a bad label in the second split leaves no rows and no pixel files', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const keep = ws.datasets.insert(dataset(), 'keep');
    const bad = dataset([split('train', 700, 1), split('test', 600, 2, { badLabelAt: 555 })]);
    let err: unknown;
    try {
      ws.datasets.insert(bad, 'bad');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe('/data/synthetic: split "test": image 555 has label 7 but the dataset has 3 classes');
    expect(ws.datasets.list().map((d) => d.name)).toEqual(['keep']);
    expect(countRows(ws, 'datasets')).toBe(1);
    expect(countRows(ws, 'splits')).toBe(2);
    expect(countRows(ws, 'images')).toBe(30);
    expect(fs.readdirSync(path.join(tmp, 'pixels'))).toEqual([keep.id]);
    expect(fs.readdirSync(path.join(tmp, 'pixels', keep.id)).sort()).toEqual(['test.labels.u8', 'test.u8', 'train.labels.u8', 'train.u8']);
  });

  it('rejects malformed imports up front, naming the source and the problem', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const short = dataset([split('train', 5, 1)]);
    short.splits[0].images = { ...short.splits[0].images, data: short.splits[0].images.data.subarray(0, 50) };
    expect(() => ws.datasets.insert(short, 'x')).toThrow('/data/synthetic: split "train": 50 pixel bytes for 5 images of 4x3x1 (expected 60)');
    expect(() => ws.datasets.insert(dataset([split('train', 5, 1), split('Train', 5, 1)]), 'x')).toThrow(/duplicate split "Train"/);
    expect(() => ws.datasets.insert(dataset([split('../x', 5, 1)]), 'x')).toThrow(/invalid split name/);
    expect(() => ws.datasets.insert(dataset(), ' ')).toThrow(/dataset name is empty/);
    expect(fs.readdirSync(path.join(tmp, 'pixels'))).toEqual([]);
    expect(countRows(ws, 'datasets')).toBe(0);
  });

  it('remove deletes rows, pixel files, runs and curated sets', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const a = ws.datasets.insert(dataset(), 'a');
    const b = ws.datasets.insert(dataset(), 'b');
    const run = ws.runs.create({ ...runParams(a.id), backend: 'cpu', workers: 1, count: 20 });
    ws.runs.commitScores(run.id, [score(0, 5)], 1);
    ws.curated.save({ name: 'c', datasetId: a.id, runId: run.id, rules, overrides: [], classCounts: [1, 0, 0], members: [0] });
    expect(ws.datasets.remove(a.id)).toBe(true);
    expect(ws.datasets.remove(a.id)).toBe(false);
    expect(ws.datasets.list().map((d) => d.id)).toEqual([b.id]);
    expect(fs.existsSync(path.join(tmp, 'pixels', a.id))).toBe(false);
    expect(ws.runs.list()).toEqual([]);
    expect(ws.curated.list()).toEqual([]);
    expect(countRows(ws, 'scores')).toBe(0);
    expect(countRows(ws, 'curated_members')).toBe(0);
    expect(countRows(ws, 'images')).toBe(30);
    expect(ws.integrityCheck()).toBe('ok');
  });

  it('sweeps leftovers of an interrupted insert on open', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const s = ws.datasets.insert(dataset(), 'd');
    const orphan = path.join(tmp, 'pixels', 'ds_00000000deadbeef');
    const young = path.join(tmp, 'pixels', 'ds_00000000cafef00d');
    const tmpFile = path.join(tmp, 'pixels', s.id, 'test.u8.tmp-rpr-abc');
    for (const d of [orphan, young]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'train.u8'), 'x');
    }
    fs.writeFileSync(tmpFile, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const p of [orphan, path.join(orphan, 'train.u8'), tmpFile]) fs.utimesSync(p, twoHoursAgo, twoHoursAgo);
    ws.close();
    track(openWorkspace(tmp));
    // old leftovers go; a young one may be another process's insert in progress
    expect(fs.readdirSync(path.join(tmp, 'pixels')).sort()).toEqual([young, path.join(tmp, 'pixels', s.id)].map((p) => path.basename(p)).sort());
    expect(fs.readdirSync(path.join(tmp, 'pixels', s.id)).sort()).toEqual(['test.labels.u8', 'test.u8', 'train.labels.u8', 'train.u8']);
  });

  it('an entry that vanishes while the sweep looks (another process renaming its temp file) is live, not an error', () => {
    // the race CI met: a test opened the workspace while `rpr score` renamed its import's temp file into place
    expect(newestMtime(path.join(tmp, 'gone.u8.tmp-rpr-abc'))).toBe(Infinity);
    const dir = path.join(tmp, 'd');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a'), 'x');
    const then = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(path.join(dir, 'a'), then, then);
    fs.utimesSync(dir, then, then);
    expect(newestMtime(dir)).toBeLessThan(Date.now() - 3600_000);
  });
});

describe('refusing bad workspaces', () => {
  it('a missing folder without create', () => {
    const dir = path.join(tmp, 'nope');
    expectWsError(() => openWorkspace(dir), 'missing', new RegExp(`^${dir}: folder does not exist$`));
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a non-empty folder without a marker, even with create; nothing written', () => {
    fs.writeFileSync(path.join(tmp, 'thesis.tex'), 'hello');
    fs.mkdirSync(path.join(tmp, 'sub'));
    const before = listTree(tmp);
    expectWsError(() => openWorkspace(tmp, { create: true }), 'not-a-workspace', /is not an RPR Curator workspace \(no rpr-workspace.json\)/);
    expect(listTree(tmp)).toEqual(before);
  });

  it('an empty folder without create', () => {
    expectWsError(() => openWorkspace(tmp), 'not-a-workspace', /empty folder, not a workspace/);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('a file, a bad marker, a foreign marker', () => {
    const file = path.join(tmp, 'f');
    fs.writeFileSync(file, 'x');
    expectWsError(() => openWorkspace(file, { create: true }), 'not-a-workspace', /is a file/);
    const dir = path.join(tmp, 'w');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'rpr-workspace.json'), '{oops');
    expectWsError(() => openWorkspace(dir), 'not-a-workspace', /rpr-workspace.json: is not a valid workspace marker/);
    fs.writeFileSync(path.join(dir, 'rpr-workspace.json'), '{"format":"other","version":1}');
    expectWsError(() => openWorkspace(dir), 'not-a-workspace', /is not a workspace marker/);
    expect(fs.readdirSync(dir)).toEqual(['rpr-workspace.json']);
  });

  it('a read-only folder (injected check: root ignores permission bits); nothing written', () => {
    const readOnly = () => 'read-only file system';
    // new workspace in an empty folder
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    expectWsError(() => openWorkspace(empty, { create: true, checkWritable: readOnly }), 'read-only', new RegExp(`^${empty}: is read-only \\(read-only file system\\)$`));
    expect(fs.readdirSync(empty)).toEqual([]);
    // new folder under a read-only parent: not even the folder is made
    const nested = path.join(tmp, 'x', 'y');
    expectWsError(() => openWorkspace(nested, { create: true, checkWritable: readOnly }), 'read-only', /is read-only: cannot create it in/);
    expect(fs.existsSync(path.join(tmp, 'x'))).toBe(false);
    // existing workspace: files untouched
    const ws = path.join(tmp, 'ws');
    openWorkspace(ws, { create: true }).close();
    const before = listTree(ws).map((f) => [f, fs.statSync(path.join(ws, f)).mtimeMs]);
    expectWsError(() => openWorkspace(ws, { checkWritable: readOnly }), 'read-only', /is read-only/);
    expect(listTree(ws).map((f) => [f, fs.statSync(path.join(ws, f)).mtimeMs])).toEqual(before);
    // the check sees the right folder
    const seen: string[] = [];
    openWorkspace(ws, { checkWritable: (d) => (seen.push(d), null) }).close();
    expect(seen).toEqual([ws]);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only folder (real permissions, non-root only)', () => {
    const dir = path.join(tmp, 'ro');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o555);
    try {
      expectWsError(() => openWorkspace(dir, { create: true }), 'read-only', /is read-only/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  it('the default probe: null for a writable folder (leaving nothing), a reason otherwise', () => {
    expect(probeWritable(tmp)).toBeNull();
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(probeWritable(path.join(tmp, 'missing'))).toMatch(/ENOENT/);
    fs.writeFileSync(path.join(tmp, 'file'), 'x');
    expect(probeWritable(path.join(tmp, 'file'))).toMatch(/ENOTDIR/);
  });

  it('a marker or database from a newer version', () => {
    const ws = openWorkspace(tmp, { create: true });
    ws.close();
    const db = new Database(path.join(tmp, 'workspace.db'));
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run([]);
    db.close();
    expectWsError(() => openWorkspace(tmp), 'newer-version', new RegExp(`schema v99, this version knows up to v${LATEST_SCHEMA_VERSION}`));
    const marker = path.join(tmp, 'rpr-workspace.json');
    fs.writeFileSync(marker, JSON.stringify({ format: 'rpr-curator-workspace', version: 7, createdAt: 'x' }));
    expectWsError(() => openWorkspace(tmp), 'newer-version', /workspace layout v7/);
  });

  it('a corrupt database, left as it was', () => {
    openWorkspace(tmp, { create: true }).close();
    const dbFile = path.join(tmp, 'workspace.db');
    for (const f of fs.readdirSync(tmp)) if (f.startsWith('workspace.db-')) fs.rmSync(path.join(tmp, f));
    const garbage = Buffer.alloc(8192, 0x5a);
    fs.writeFileSync(dbFile, garbage);
    const e = expectWsError(() => openWorkspace(tmp), 'corrupt', /database is corrupt/);
    expect(e.message.startsWith(dbFile)).toBe(true);
    expect(fs.readFileSync(dbFile).equals(garbage)).toBe(true);
    fs.rmSync(dbFile);
    expectWsError(() => openWorkspace(tmp), 'corrupt', /database is missing/);
  });
});

describe('migrations', () => {
  it('migrates a v1 database and re-opening is idempotent', () => {
    const v1 = openWorkspace(tmp, { create: true, migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.info().schemaVersion).toBe(1);
    const s = v1.datasets.insert(dataset(), 'old');
    v1.jobs.upsert({ id: 'job_old', kind: 'import', title: 'old import', status: 'done' });
    v1.close();
    const tables = () => {
      const db = new Database(path.join(tmp, 'workspace.db'));
      try {
        return {
          tables: (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").raw().all() as string[][]).map((r) => r[0]),
          versions: (db.prepare('SELECT version FROM schema_migrations ORDER BY version').raw().all() as number[][]).map((r) => r[0]),
        };
      } finally {
        db.close();
      }
    };
    expect(tables().tables).not.toContain('scoring_runs');
    expect(tables().versions).toEqual([1]);

    const ws = openWorkspace(tmp);
    expect(ws.info().schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(ws.datasets.get(s.id)).toEqual(s);
    expect(ws.jobs.get('job_old').title).toBe('old import');
    const run = ws.runs.create({ ...runParams(s.id), backend: 'cpu', workers: 1, count: 20 });
    ws.runs.commitScores(run.id, [score(1, 3)], 1);
    ws.close();
    const after = tables();
    expect(after.versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(after.tables).toEqual(expect.arrayContaining(['datasets', 'splits', 'images', 'models', 'jobs', 'scoring_runs', 'scores', 'curated_sets', 'curated_members', 'schema_migrations']));

    const again = track(openWorkspace(tmp));
    expect(tables().versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(again.runs.scores(run.id).steps).toEqual([3]);
    expect(again.integrityCheck()).toBe('ok');
  });
});

const rules = { minSteps: null, balance: { mode: 'all' as const }, seed: 0 };

function runParams(datasetId: string, over: Partial<{ seed: number; maxSteps: number }> = {}) {
  return {
    modelId: 'm_1',
    modelHash: 'hash-1',
    datasetId,
    split: 'train',
    scheme: { name: 'paper' as const, params: { k: 28 } },
    maxSteps: over.maxSteps ?? 250,
    seed: over.seed ?? 0,
  };
}

function score(index: number, steps: number, extra: Partial<ScoreRow> = {}): ScoreRow {
  return { index, label: index % 3, steps, robust: steps === 250 ? 1 : 0, cleanPred: index % 3, cleanConf: 0.9, foolPred: steps === 250 ? -1 : 2, foolUpper: 0.25, ...extra };
}

function model(id: string, dir: string): ModelInfo {
  return {
    id,
    name: 'paper cnn',
    arch: 'paper-cnn',
    format: 'layers',
    inputShape: [28, 28, 1],
    numClasses: 10,
    inputScale: { mean: 0.1, std: 0.3 },
    datasetId: null,
    config: { epochs: 3 },
    lineage: { split: 'train' },
    hash: 'sha-of-weights',
    createdAt: '2024-01-01T00:00:00.000Z',
    metrics: { testAccuracy: 0.99 },
    path: dir,
  };
}

describe('models', () => {
  it('insert, list, get, remove (with the model folder)', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const dir = ws.modelDir('m_a');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), '{}');
    const info = model('m_a', dir);
    expect(ws.models.insert(info)).toEqual(info);
    expect(ws.models.list()).toEqual([info]);
    const outside = model('m_b', '/elsewhere/model');
    ws.models.insert(outside);
    expect(ws.models.get('m_b').path).toBe('/elsewhere/model');
    ws.close();
    // stored relative: the workspace can move
    const moved = path.join(path.dirname(tmp), `${path.basename(tmp)}-moved`);
    fs.renameSync(tmp, moved);
    try {
      const ws2 = openWorkspace(moved);
      expect(ws2.models.get('m_a').path).toBe(path.join(moved, 'models', 'm_a'));
      expect(ws2.models.remove('m_a')).toBe(true);
      expect(fs.existsSync(path.join(moved, 'models', 'm_a'))).toBe(false);
      expect(ws2.models.list().map((m) => m.id)).toEqual(['m_b']);
      expectWsError(() => ws2.models.get('m_a'), 'not-found', /no model "m_a"/);
      ws2.close();
    } finally {
      fs.renameSync(moved, tmp);
    }
  });
});

describe('scoring runs', () => {
  it('create, commit in batches, resume, scores, finish', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const ds = ws.datasets.insert(dataset(), 'd');
    const run = ws.runs.create({ ...runParams(ds.id), backend: 'wasm', workers: 2, count: 20 });
    expect(run).toMatchObject({ modelId: 'm_1', datasetId: ds.id, split: 'train', maxSteps: 250, seed: 0, backend: 'wasm', workers: 2, status: 'running', count: 20, done: 0, stats: null });
    expect(run.id).toMatch(/^run_[0-9a-f]{16}$/);
    expect(run.scheme).toEqual({ name: 'paper', params: { k: 28 } });

    ws.runs.commitScores(run.id, [score(4, 250), score(0, 0, { cleanPred: 2 }), score(2, 17)], 3);
    // a batch above the multi-row chunk size, with one replaced row
    const big: ScoreRow[] = [];
    for (let i = 5; i < 20; i++) big.push(score(i, i * 10 > 250 ? 250 : i * 10));
    ws.runs.commitScores(run.id, [...big, score(2, 18, { foolPred: 1 })], 18);
    expect(ws.runs.get(run.id).done).toBe(18);
    expect([...ws.runs.doneIndices(run.id)].sort((a, b) => a - b)).toEqual([0, 2, 4, ...big.map((r) => r.index)]);

    // same params (keys in another order) find it; other params do not
    ws.runs.setStatus(run.id, 'paused');
    const again = { ...runParams(ds.id), scheme: { params: { k: 28 }, name: 'paper' as const } };
    expect(ws.runs.findResumable(again)?.id).toBe(run.id);
    expect(ws.runs.findResumable(runParams(ds.id, { seed: 1 }))).toBeNull();
    expect(ws.runs.findResumable(runParams(ds.id, { maxSteps: 100 }))).toBeNull();
    expect(ws.runs.findResumable({ ...runParams(ds.id), modelHash: 'other' })).toBeNull();
    expect(ws.runs.findResumable({ ...runParams(ds.id), shard: [0, 2] })).toBeNull();

    const sc = ws.runs.scores(run.id);
    expect(sc.runId).toBe(run.id);
    expect(sc.index).toEqual([0, 2, 4, ...big.map((r) => r.index)]);
    expect(sc.steps.slice(0, 3)).toEqual([0, 18, 250]);
    expect(sc.robust.slice(0, 3)).toEqual([0, 0, 1]);
    expect(sc.cleanPred[0]).toBe(2);
    expect(sc.foolPred.slice(0, 3)).toEqual([2, 1, -1]);
    expect(sc.cleanConf[0]).toBeCloseTo(0.9, 10);
    expect(sc.foolUpper[1]).toBeCloseTo(0.25, 10);
    expect(sc.label).toEqual(sc.index.map((i) => i % 3));
    // the typed columns the grid gets hold the same values (Float32 for the confidences)
    const arrays = ws.runs.scoreArrays(run.id);
    expect(arrays.index).toBeInstanceOf(Int32Array);
    expect(arrays.cleanConf).toBeInstanceOf(Float32Array);
    expect(arrays).toEqual(scoreArrays(sc));
    // one image's row (the replaced one), and none for an image not scored yet
    expect(ws.runs.scoreOf(run.id, 2)).toEqual({ ...score(2, 18, { foolPred: 1 }), cleanConf: expect.closeTo(0.9, 10) });
    expect(ws.runs.scoreOf(run.id, 4)).toMatchObject({ steps: 250, robust: 1, foolPred: -1 });
    expect(ws.runs.scoreOf(run.id, 1)).toBeNull();

    const stats = { n: 18, accuracy: 0.9, robustRatio: 0.5 } as unknown as RunStats;
    const done = ws.runs.finish(run.id, stats);
    expect(done.status).toBe('done');
    expect(done.stats).toEqual(stats);
    expect(ws.runs.findResumable(again)).toBeNull();

    const other = ws.runs.create({ ...runParams(ds.id, { seed: 5 }), backend: 'cpu', workers: 1, count: 20, split: 'test' });
    expect(ws.runs.list(ds.id).map((r) => r.id).sort()).toEqual([run.id, other.id].sort());
    expect(ws.runs.list('ds_other')).toEqual([]);
    expectWsError(() => ws.runs.commitScores('run_nope', [score(0, 1)], 1), 'not-found', /no scoring run "run_nope"/);
  });

  it('takes the model hash from the models table, and needs one', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const ds = ws.datasets.insert(dataset(), 'd');
    ws.models.insert(model('m_x', ws.modelDir('m_x')));
    const { modelHash: _drop, ...noHash } = runParams(ds.id);
    const run = ws.runs.create({ ...noHash, modelId: 'm_x', backend: 'cpu', workers: 1, count: 20 });
    // same weights under the same input scale: the same run (the scale is part of the identity)
    expect(ws.runs.findResumable({ ...noHash, modelId: 'm_other', modelHash: 'sha-of-weights', inputScale: { mean: 0.1, std: 0.3 } })?.id).toBe(run.id);
    expect(ws.runs.findResumable({ ...noHash, modelId: 'm_other', modelHash: 'sha-of-weights', inputScale: 'unit' })).toBeNull();
    expectWsError(() => ws.runs.create({ ...noHash, modelId: 'm_missing', backend: 'cpu', workers: 1, count: 1 }), 'not-found', /no model "m_missing"/);
  });
});

describe('curated sets', () => {
  it('versions by name, stores members sorted and unique', () => {
    const ws = track(openWorkspace(tmp, { create: true }));
    const ds = ws.datasets.insert(dataset(), 'd');
    const base = { datasetId: ds.id, runId: 'run_1', rules, overrides: [{ index: 3, mode: 'exclude' as const }], classCounts: [1, 1, 1] };
    const a1 = ws.curated.save({ ...base, name: 'robust', members: [9, 2, 2, 5] });
    const a2 = ws.curated.save({ ...base, name: 'robust', members: Array.from({ length: 2500 }, (_, i) => 2499 - i) });
    const b1 = ws.curated.save({ ...base, name: 'other', members: [] });
    expect([a1.version, a2.version, b1.version]).toEqual([1, 2, 1]);
    expect(a1).toMatchObject({ name: 'robust', datasetId: ds.id, runId: 'run_1', rules, overrides: base.overrides, classCounts: [1, 1, 1], total: 3 });
    expect(a1.id).toMatch(/^cs_[0-9a-f]{16}$/);
    expect(ws.curated.members(a1.id)).toEqual([2, 5, 9]);
    expect(ws.curated.members(a2.id)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(ws.curated.get(a2.id).total).toBe(2500);
    expect(ws.curated.list(ds.id).map((s) => s.id).sort()).toEqual([a1.id, a2.id, b1.id].sort());
    expect(ws.curated.remove(a2.id)).toBe(true);
    expect(ws.curated.save({ ...base, name: 'robust', members: [1] }).version).toBe(2);
    expectWsError(() => ws.curated.members('cs_nope'), 'not-found', /curated set/);
  });
});

describe('jobs', () => {
  it('upsert keeps createdAt; running jobs at open are offered as interrupted', () => {
    const ws = openWorkspace(tmp, { create: true });
    const j = ws.jobs.upsert({ kind: 'score', title: 'Score train', status: 'running', params: { runId: 'run_1' } });
    expect(j.id).toMatch(/^job_[0-9a-f]{16}$/);
    ws.jobs.upsert({ id: 'job_done', kind: 'import', title: 'Import', status: 'done', result: { datasetId: 'ds_1' } });
    expect(ws.jobs.interrupted()).toEqual([]); // this process runs it
    ws.close();

    const ws2 = track(openWorkspace(tmp));
    const [interrupted] = ws2.jobs.interrupted();
    expect(ws2.jobs.interrupted()).toHaveLength(1);
    expect(interrupted).toMatchObject({ id: j.id, kind: 'score', status: 'running', params: { runId: 'run_1' }, createdAt: j.createdAt });
    expect(ws2.jobs.get('job_done').result).toEqual({ datasetId: 'ds_1' });
    const failed = ws2.jobs.upsert({ id: j.id, kind: 'score', title: 'Score train', status: 'failed', error: 'boom' });
    expect(failed).toMatchObject({ createdAt: j.createdAt, error: 'boom', params: { runId: 'run_1' } });
    expect(ws2.jobs.interrupted()).toEqual([]);
    expect(ws2.jobs.list().map((x) => x.id).sort()).toEqual([j.id, 'job_done'].sort());
  });
});

describe('recent workspaces', () => {
  it('keeps at most 10, most recent first, once each, written atomically', () => {
    const dataDir = path.join(tmp, 'appdata');
    expect(readRecent(dataDir)).toEqual([]);
    for (let i = 0; i < 12; i++) addRecent(dataDir, path.join(tmp, `w${i}`), new Date(Date.UTC(2024, 0, 1, 0, i)));
    addRecent(dataDir, path.join(tmp, 'w5'), new Date(Date.UTC(2024, 0, 2)));
    const list = readRecent(dataDir);
    expect(list).toHaveLength(MAX_RECENT);
    expect(list.map((e) => path.basename(e.path))).toEqual(['w5', 'w11', 'w10', 'w9', 'w8', 'w7', 'w6', 'w4', 'w3', 'w2']);
    expect(list[0].openedAt).toBe('2024-01-02T00:00:00.000Z');
    expect(fs.readdirSync(dataDir)).toEqual(['recent-workspaces.json']);
    fs.writeFileSync(path.join(dataDir, 'recent-workspaces.json'), 'not json');
    expect(readRecent(dataDir)).toEqual([]);
  });
});

describe('scale', () => {
  // how fast: `npm run bench -- store`; here: what comes back at that scale
  it('inserts and reopens a 70k x 784 dataset: counts, columns and pixels come back exact', () => {
    const shape = { height: 28, width: 28, channels: 1 as const };
    const mk = (name: string, n: number) => {
      const data = new Uint8Array(n * 784);
      for (let i = 0; i < data.length; i += 97) data[i] = i & 255;
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) labels[i] = i % 10;
      return { name, images: { shape, count: n, data }, labels, origin: `${name}.idx`, origins: null };
    };
    const imported: ImportedDataset = {
      kind: 'idx',
      sourcePath: '/data/big',
      shape,
      classNames: Array.from({ length: 10 }, (_, i) => String(i)),
      splits: [mk('train', 60000), mk('test', 10000)],
      warnings: [],
    };
    let ws = openWorkspace(tmp, { create: true });
    const s = ws.datasets.insert(imported, 'big');
    ws.close();

    ws = track(openWorkspace(tmp));
    const list = ws.datasets.list();
    const cols = ws.datasets.columns(s.id);
    const px = ws.datasets.readImages(s.id, 'train', 0, 60000).data;
    expect(list[0].splits.map((x) => x.count)).toEqual([60000, 10000]);
    expect(list[0].splits[0].classCounts).toEqual(Array(10).fill(6000));
    expect(cols.label.length).toBe(70000);
    expect(cols.index[69999]).toBe(9999);
    expect(cols.split[60000]).toBe(1);
    expect(px.length).toBe(60000 * 784);
    expect(px[97 * 5]).toBe((97 * 5) & 255);
    expect(px[97 * 5 + 1]).toBe(0);
    // the last image of the test split, read by range
    const last = ws.datasets.readImages(s.id, 'test', 9999, 1).data;
    const at = 9999 * 784;
    expect(Array.from(last)).toEqual(Array.from({ length: 784 }, (_, i) => ((at + i) % 97 === 0 ? (at + i) & 255 : 0)));
  });
});
