/**
 * Issue 12, item 8: delete and rename datasets, models, scoring runs and curated sets through the
 * services and over loopback; a removal lists what depends on it, takes it all or nothing, frees
 * measured disk space, and leaves a healthy workspace.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ItemRef, ModelInfo, RemovalPlan, RemovalResult } from '../../src-main/contract/types';
import type { ImportedDataset } from '../../src-main/core/dataset';
import { createServices, type Services } from '../../src-main/services/index';
import type { ScoreRow, Workspace } from '../../src-main/store';
import { startLoopbackServer, type LoopbackServer } from '../../src-main/transports/loopback';

const SHAPE = { height: 4, width: 3, channels: 1 as const };

function dataset(): ImportedDataset {
  const split = (name: string, n: number) => ({
    name,
    images: { shape: SHAPE, count: n, data: new Uint8Array(n * 12).map((_, i) => (i * 7) % 256) },
    labels: new Uint8Array(n).map((_, i) => i % 3),
    origin: `${name}.idx`,
    origins: null,
  });
  return { kind: 'idx', sourcePath: '/data/synthetic', shape: SHAPE, classNames: ['zero', 'one', 'two'], splits: [split('train', 300), split('test', 200)], warnings: [] };
}

function model(ws: Workspace, id: string, name: string, datasetId: string, lineage: Record<string, unknown> = {}): ModelInfo {
  const dir = ws.modelDir(id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), '{}');
  fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(50_000));
  return ws.models.insert({
    id, name, arch: 'paper-cnn', format: 'layers', inputShape: [4, 3, 1], numClasses: 3, inputScale: 'unit', datasetId,
    config: {}, lineage, hash: `hash-${id}`, createdAt: new Date().toISOString(), metrics: {}, path: path.join(dir, 'model.json'),
  });
}

const score = (index: number): ScoreRow => ({ index, label: index % 3, steps: index % 7 === 0 ? 250 : 1 + (index % 50), robust: index % 7 === 0 ? 1 : 0, cleanPred: index % 3, cleanConf: 0.9, foolPred: index % 7 === 0 ? -1 : 1, foolUpper: 0.2 });

function run(ws: Workspace, modelId: string, datasetId: string, seed: number): string {
  const r = ws.runs.create({ modelId, datasetId, split: 'test', scheme: { name: 'paper', params: { k: 3 } }, maxSteps: 250, seed, backend: 'cpu', workers: 1, count: 200 });
  ws.runs.commitScores(r.id, Array.from({ length: 200 }, (_, i) => score(i)), 200);
  return r.id;
}

let tmp: string;
let svc: Services;
let ws: Workspace;
/** one dataset; model A with two runs, a curated set of the first; model B trained on that set */
let ids: { ds: string; a: string; b: string; runA1: string; runA2: string; set: string; runB: string };

beforeEach(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rpr-removal-'));
  svc = createServices({ version: 'test', dataDir: path.join(tmp, 'data'), transport: 'loopback' });
  await svc.call('workspace.open', { path: path.join(tmp, 'ws'), create: true });
  ws = svc.app.requireWorkspace();
  const ds = ws.datasets.insert(dataset(), 'synthetic');
  model(ws, 'mdl_a', 'model A', ds.id);
  const runA1 = run(ws, 'mdl_a', ds.id, 0);
  const runA2 = run(ws, 'mdl_a', ds.id, 1);
  const set = ws.curated.save({ name: 'robust', datasetId: ds.id, runId: runA1, rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 }, overrides: [], classCounts: [10, 10, 10], members: Array.from({ length: 30 }, (_, i) => i * 7) });
  model(ws, 'mdl_b', 'model B', ds.id, { curatedSetId: set.id, curatedSet: 'robust v1' });
  const runB = run(ws, 'mdl_b', ds.id, 0);
  ids = { ds: ds.id, a: 'mdl_a', b: 'mdl_b', runA1, runA2, set: set.id, runB };
});

afterEach(async () => {
  await svc.app.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const refs = (xs: ItemRef[]) => xs.map((x) => `${x.kind}:${x.id}`).sort();

describe('removal through the services', () => {
  it('a model: the dry run lists its runs, the curated set of a run and the model trained on it; nothing changes', async () => {
    const plan = await svc.call('workspace.dependents', { kind: 'model', id: ids.a }) as RemovalPlan;
    expect(plan.target).toEqual({ kind: 'model', id: ids.a, name: 'model A' });
    expect(refs(plan.removes)).toEqual([`curated:${ids.set}`, `run:${ids.runA1}`, `run:${ids.runA2}`].sort());
    expect(plan.removes.find((r) => r.kind === 'run')?.name).toMatch(/^model A · synthetic\/test · seed \d · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(plan.affects.map((x) => [x.id, x.why])).toEqual([[ids.b, expect.stringContaining('trained on curated set robust v1')]]);
    expect(plan.bytes).toBeGreaterThanOrEqual(50_000);
    expect(plan.blocked).toBeNull();
    expect(ws.runs.list()).toHaveLength(3);
    expect(fs.existsSync(ws.modelDir(ids.a))).toBe(true);
  });

  it('a model: removes its folder, runs and curated sets in one go, keeps model B, and reports the space freed', async () => {
    const folder = ws.modelDir(ids.a);
    const r = await svc.call('models.remove', { modelId: ids.a }) as RemovalResult;
    expect(r.removed).toBe(true);
    expect(refs(r.removedItems)).toEqual([`model:${ids.a}`, `curated:${ids.set}`, `run:${ids.runA1}`, `run:${ids.runA2}`].sort());
    expect(r.freedBytes).toBeGreaterThanOrEqual(50_000);
    expect(fs.existsSync(folder)).toBe(false);
    expect(ws.models.list().map((m) => m.id)).toEqual([ids.b]);
    expect(ws.runs.list().map((x) => x.id)).toEqual([ids.runB]);
    expect(ws.curated.list()).toEqual([]);
    expect(ws.integrityCheck()).toBe('ok');
    expect(fs.readdirSync(ws.path)).not.toContain('.trash-rpr');
    // the scores went with the runs
    const db = new Database(path.join(ws.path, 'workspace.db'));
    expect((db.prepare('SELECT COUNT(*) AS n FROM scores').get() as { n: number }).n).toBe(200);
    expect((db.prepare('SELECT COUNT(*) AS n FROM curated_members').get() as { n: number }).n).toBe(0);
    db.close();
  });

  it('a dataset: takes its pixels, runs and curated sets; the models stay, unlinked', async () => {
    const plan = await svc.call('workspace.dependents', { kind: 'dataset', id: ids.ds }) as RemovalPlan;
    expect(refs(plan.removes)).toEqual([`curated:${ids.set}`, `run:${ids.runA1}`, `run:${ids.runA2}`, `run:${ids.runB}`].sort());
    expect(plan.affects.map((x) => x.id).sort()).toEqual([ids.a, ids.b]);
    const r = await svc.call('datasets.remove', { datasetId: ids.ds }) as RemovalResult;
    expect(r.freedBytes).toBeGreaterThanOrEqual(500 * 12);
    expect(ws.datasets.list()).toEqual([]);
    expect(ws.runs.list()).toEqual([]);
    expect(ws.models.list().map((m) => m.datasetId)).toEqual([null, null]);
    expect(fs.readdirSync(path.join(ws.path, 'pixels'))).toEqual([]);
    expect(ws.integrityCheck()).toBe('ok');
  });

  it('a run and a curated set', async () => {
    const plan = await svc.call('workspace.dependents', { kind: 'run', id: ids.runA1 }) as RemovalPlan;
    expect(refs(plan.removes)).toEqual([`curated:${ids.set}`]);
    const set = await svc.call('curation.remove', { setId: ids.set }) as RemovalResult;
    expect(set.removedItems).toEqual([{ kind: 'curated', id: ids.set, name: 'robust v1' }]);
    const r = await svc.call('scoring.remove', { runId: ids.runA1 }) as RemovalResult;
    expect(r.removedItems.map((x) => x.id)).toEqual([ids.runA1]);
    expect(ws.runs.list().map((x) => x.id).sort()).toEqual([ids.runA2, ids.runB].sort());
    expect(ws.integrityCheck()).toBe('ok');
  });

  it('is all or nothing: a failing database leaves every row and file in place', async () => {
    const folder = ws.modelDir(ids.a);
    const other = new Database(path.join(ws.path, 'workspace.db'));
    other.exec("CREATE TRIGGER no_delete BEFORE DELETE ON models BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    other.close();
    await expect(svc.call('models.remove', { modelId: ids.a })).rejects.toThrow(/injected failure; nothing was removed/);
    expect(fs.readFileSync(path.join(folder, 'weights.bin')).length).toBe(50_000);
    expect(ws.runs.list()).toHaveLength(3);
    expect(ws.curated.list()).toHaveLength(1);
    expect(ws.models.list()).toHaveLength(2);
    expect(ws.runs.scores(ids.runA1).index).toHaveLength(200);
    expect(ws.integrityCheck()).toBe('ok');
  });

  it('is refused, with a sentence, while a job of the app uses it', async () => {
    let release!: () => void;
    const job = svc.app.jobs.start('score', 'Score model A', () => new Promise<void>((r) => { release = r; }), { call: 'scoring.resume', input: { runId: ids.runA2 } });
    const plan = await svc.call('workspace.dependents', { kind: 'model', id: ids.a }) as RemovalPlan;
    expect(plan.blocked).toMatch(/"Score model A" is running .*cancel it or let it finish first/);
    await expect(svc.call('models.remove', { modelId: ids.a })).rejects.toThrow(/cannot be deleted now/);
    expect(ws.models.list()).toHaveLength(2);
    release();
    await job.done;
    expect((await svc.call('workspace.dependents', { kind: 'model', id: ids.a }) as RemovalPlan).blocked).toBeNull();
  });

  it('forgets interrupted jobs that would resume a removed run', async () => {
    ws.jobs.upsert({ id: 'job_dead', kind: 'score', title: 'Score model A', status: 'running', params: { resume: { call: 'scoring.resume', input: { runId: ids.runA2 } } } });
    ws.jobs.upsert({ id: 'job_other', kind: 'score', title: 'Score model B', status: 'running', params: { resume: { call: 'scoring.resume', input: { runId: ids.runB } } } });
    await svc.call('scoring.remove', { runId: ids.runA2 });
    expect(ws.jobs.list().map((j) => j.id)).toEqual(['job_other']);
  });

  it('an unknown id is a sentence naming it', async () => {
    await expect(svc.call('scoring.remove', { runId: 'run_nope' })).rejects.toThrow(/no scoring run "run_nope"/);
  });
});

describe('rename through the services and over loopback', () => {
  let server: LoopbackServer;
  beforeEach(async () => {
    server = await startLoopbackServer({ staticDir: null, events: svc.app.events, dispatch: (n, i) => svc.dispatch(n, i) });
  });
  afterEach(async () => server.close());
  const rpc = async (name: string, body: unknown) => {
    const r = await fetch(`http://127.0.0.1:${server.port}/rpc/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify(body),
    });
    return (await r.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  };

  it('renames a dataset, a model, a run and a curated set, and they read back renamed', async () => {
    expect((await rpc('datasets.rename', { datasetId: ids.ds, name: '  digits  ' })).value).toEqual({ kind: 'dataset', id: ids.ds, name: 'digits' });
    expect((await rpc('models.rename', { modelId: ids.a, name: 'baseline' })).ok).toBe(true);
    expect((await rpc('scoring.rename', { runId: ids.runA1, name: 'first look' })).ok).toBe(true);
    expect((await rpc('curation.rename', { setId: ids.set, name: 'robust-only' })).value).toEqual({ kind: 'curated', id: ids.set, name: 'robust-only v1' });
    expect(ws.datasets.get(ids.ds).name).toBe('digits');
    expect(ws.models.get(ids.a).name).toBe('baseline');
    expect(ws.runs.get(ids.runA1).name).toBe('first look');
    expect(ws.runs.get(ids.runA2).name).toBeNull();
    expect(ws.curated.get(ids.set).name).toBe('robust-only');
    // the dry run names them by their new names
    const plan = (await rpc('workspace.dependents', { kind: 'model', id: ids.a })).value as RemovalPlan;
    expect(plan.removes.find((x) => x.id === ids.runA1)?.name).toMatch(/^first look \(baseline · digits\/test/);
  });

  it('refuses an empty name and a clashing curated set name with a sentence', async () => {
    const empty = await rpc('models.rename', { modelId: ids.a, name: '   ' });
    expect(empty.ok).toBe(false);
    expect(empty.error?.message).toContain('a name cannot be empty');
    ws.curated.save({ name: 'other', datasetId: ids.ds, runId: ids.runA2, rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 }, overrides: [], classCounts: [1, 0, 0], members: [0] });
    const clash = await rpc('curation.rename', { setId: ids.set, name: 'other' });
    expect(clash.ok).toBe(false);
    expect(clash.error?.message).toMatch(/a curated set named "other v1" already exists: choose another name/);
    expect(ws.curated.get(ids.set).name).toBe('robust');
  });
});
