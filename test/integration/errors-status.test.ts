// The caller's mistakes come back as 4xx with a sentence (never a stack trace), faults of the
// app as 500, through the real services over the loopback; the IPC path carries the same
// status and kind, and the CLI's exit code follows the same classification.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireIpc } from '../../src-main/app/ipc';
import type { DatasetSummary, ModelInfo } from '../../src-main/contract/types';
import { CancelledError, ConflictError, InputError, NotFoundError, RequestError } from '../../src-main/core/errors';
import { classifyError, exitCodeFor } from '../../src-main/services/errors';
import { createServices, type Services } from '../../src-main/services/index';
import { importDataset } from '../../src-main/services/importers/index';
import { WorkspaceError } from '../../src-main/store/errors';
import { startLoopbackServer, type LoopbackServer } from '../../src-main/transports/loopback';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;
let services: Services;
let server: LoopbackServer;
let ds: DatasetSummary;
let model: ModelInfo;

/** A call over the loopback of `srv`, as a browser makes it. */
const rpcOn = async (srv: LoopbackServer, name: string, body: unknown) => {
  const r = await fetch(`http://127.0.0.1:${srv.port}/rpc/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${srv.token}` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text) as { ok: boolean; error?: { name: string; message: string; status: number; kind: string } } };
};
const rpc = (name: string, body: unknown) => rpcOn(server, name, body);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rpr-errors-'));
  services = createServices({ version: 'test', dataDir: join(tmp, 'data'), transport: 'loopback', workers: 1 });
  server = await startLoopbackServer({ dispatch: services.dispatch, events: services.app.events, staticDir: null });
  // every test but the first runs on an open workspace holding mnist-small test and two models
  await services.call('workspace.open', { path: join(tmp, 'ws'), create: true });
  const ws = services.app.workspace!;
  ds = ws.datasets.insert(await importDataset(MNIST_SMALL, { split: 'test' }), 'mnist-small test');
  // a model registered without the engine (the fixture's files), so export has something to copy
  model = ws.models.insert({
    id: 'mdl_fixture',
    name: 'fixture',
    arch: 'imported',
    format: 'layers',
    inputShape: [4, 4, 1],
    numClasses: 3,
    inputScale: 'unit',
    datasetId: ds.id,
    config: {},
    lineage: {},
    hash: 'f'.repeat(64),
    createdAt: new Date().toISOString(),
    metrics: {},
    path: join(PROJECT_ROOT, 'test/fixtures/models/tiny-cnn/model.json'),
  });
  // one that predicts the dataset's 10 classes (never run: the request is refused before)
  ws.models.insert({ ...model, id: 'mdl_ten', name: 'ten', numClasses: 10, inputShape: [28, 28, 1] });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await services?.app.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('HTTP status of errors over the loopback', () => {
  it('no workspace open yet: 409 with the sentence that says what to do', async () => {
    // services of their own, fresh from the start: no workspace opened
    const fresh = createServices({ version: 'test', dataDir: join(tmp, 'data-fresh'), transport: 'loopback', workers: 1 });
    const srv = await startLoopbackServer({ dispatch: fresh.dispatch, events: fresh.app.events, staticDir: null });
    try {
      const r = await rpcOn(srv, 'datasets.get', { datasetId: 'ds_x' });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ name: 'ConflictError', kind: 'conflict', status: 409, message: 'no workspace is open: open or create one first' });
    } finally {
      await srv.close();
      await fresh.app.close();
    }
  });

  it('a table of user mistakes: each a 4xx and a sentence, never a stack trace', async () => {
    const full = join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'mine.txt'), 'keep me');
    const corrupt = join(tmp, 'corrupt-model');
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, 'model.json'), '{"modelTopology": {"class_name": "Sequential"');
    const notAWorkspace = join(tmp, 'not-a-workspace');
    mkdirSync(notAWorkspace);
    writeFileSync(join(notAWorkspace, 'photo.jpg'), 'x');

    const table: { what: string; call: string; input: unknown; status: number; kind: string; message: RegExp }[] = [
      { what: 'bad schema input', call: 'scoring.start', input: { modelId: model.id, datasetId: ds.id, split: 'test', maxSteps: 'lots' }, status: 400, kind: 'invalid', message: /^invalid input for scoring.start: max steps: must be a number/ },
      { what: 'a scheme parameter out of range', call: 'scoring.start', input: { modelId: 'mdl_ten', datasetId: ds.id, split: 'test', scheme: { name: 'pixels', params: { k: 100000 } } }, status: 400, kind: 'invalid', message: /scheme pixels: k must be at most 784 \(got 100000\)/ },
      { what: 'a model for other classes', call: 'scoring.start', input: { modelId: model.id, datasetId: ds.id, split: 'test' }, status: 400, kind: 'invalid', message: /model fixture predicts 3 classes but dataset mnist-small test has 10/ },
      { what: 'unknown call', call: 'no.such.call', input: {}, status: 400, kind: 'invalid', message: /^unknown call "no.such.call"$/ },
      { what: 'unknown dataset id', call: 'datasets.get', input: { datasetId: 'ds_nope' }, status: 404, kind: 'not-found', message: /no dataset "ds_nope" in this workspace/ },
      { what: 'unknown model id', call: 'models.export', input: { modelId: 'mdl_nope', path: join(tmp, 'x') }, status: 404, kind: 'not-found', message: /no model "mdl_nope"/ },
      { what: 'unknown split', call: 'models.evaluate', input: { modelId: model.id, datasetId: ds.id, split: 'validation' }, status: 404, kind: 'not-found', message: /has no split "validation" \(it has test\)/ },
      { what: 'image index out of range', call: 'datasets.image', input: { datasetId: ds.id, split: 'test', index: 500 }, status: 404, kind: 'not-found', message: /image index 500 is out of range/ },
      { what: 'missing path (model import)', call: 'models.import', input: { path: join(tmp, 'nowhere', 'model.json'), datasetId: ds.id }, status: 404, kind: 'not-found', message: /nowhere\/model\.json: no such file or folder/ },
      { what: 'missing path (dataset import)', call: 'datasets.import', input: { path: join(tmp, 'no-such-mnist') }, status: 404, kind: 'not-found', message: /no-such-mnist: no such file or folder$/ },
      { what: 'missing workspace folder', call: 'workspace.open', input: { path: join(tmp, 'no-such-ws') }, status: 404, kind: 'not-found', message: /no-such-ws: folder does not exist/ },
      { what: 'export target folder whose parent is missing', call: 'models.export', input: { modelId: model.id, path: join(tmp, 'nope', 'out') }, status: 404, kind: 'not-found', message: /nope: folder does not exist/ },
      { what: 'non-empty export target', call: 'models.export', input: { modelId: model.id, path: full }, status: 409, kind: 'conflict', message: /full: folder is not empty .*refusing to overwrite it/ },
      { what: 'unknown interrupted job', call: 'jobs.resume', input: { jobId: 'job_nope' }, status: 404, kind: 'not-found', message: /job job_nope is not an interrupted job/ },
      { what: 'corrupt file import (model)', call: 'models.import', input: { path: corrupt, datasetId: ds.id }, status: 422, kind: 'unreadable', message: /corrupt-model\/model\.json: corrupt model\.json: not valid JSON/ },
      { what: 'a folder that is not a workspace', call: 'workspace.open', input: { path: notAWorkspace }, status: 422, kind: 'unreadable', message: /not-a-workspace: is not an RPR Curator workspace/ },
    ];
    const wrong: string[] = [];
    for (const row of table) {
      const r = await rpc(row.call, row.input);
      const e = r.body.error;
      if (r.status !== row.status || e?.status !== row.status || e?.kind !== row.kind || !row.message.test(e?.message ?? '')) wrong.push(`${row.what}: HTTP ${r.status} ${r.text}`);
      // a sentence: no stack trace, no source locations
      if (/\n\s+at |\.ts:\d+|\.js:\d+/.test(r.text)) wrong.push(`${row.what}: a stack trace in ${r.text}`);
    }
    expect(wrong).toEqual([]);
    // still serving after all of that; the workspace is the one opened
    expect((await rpc('datasets.list', {})).status).toBe(200);
  }, 120_000);

  it('a corrupt dataset is found out by its import job, whose error is the sentence naming the file', async () => {
    const dir = join(tmp, 'corrupt-idx');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.from('this is not an IDX file at all'));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.from('nor this'));
    const r = await rpc('datasets.import', { path: dir });
    expect(r.status).toBe(200);
    const { jobId } = (r.body as unknown as { value: { jobId: string } }).value;
    const job = await services.app.jobs.settle(jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/corrupt-idx\/train-images-idx3-ubyte: /);
    expect(job.error).not.toMatch(/\n\s+at /);
    expect(classifyError(services.app.jobs.errorOf(jobId)).status).toBe(422);
  }, 60_000);

  it('a genuine internal fault is a 500, still a sentence without a stack', async () => {
    const engine = services.app.engine.bind(services.app);
    services.app.engine = () => {
      const o = undefined as unknown as { pool: { size: number } };
      return o.pool as never; // a bug: reading a property of undefined
    };
    try {
      const r = await rpc('system.info', {});
      expect(r.status).toBe(500);
      expect(r.body.error).toMatchObject({ name: 'TypeError', kind: 'internal', status: 500 });
      expect(r.body.error!.message).toMatch(/Cannot read properties of undefined/);
      expect(r.text).not.toMatch(/\n\s+at |\.ts:\d+/);
    } finally {
      services.app.engine = engine;
    }
  });
});

describe('the same classification over IPC and in the CLI', () => {
  it('IPC errors carry the status and kind', async () => {
    const handlers: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
    const off = wireIpc({
      ipcMain: { handle: (ch: string, h: (...a: unknown[]) => Promise<unknown>) => void (handlers[ch] = h), removeHandler: () => undefined } as never,
      dispatch: services.dispatch,
      events: services.app.events,
      window: () => null,
      appUrl: () => 'file:///app/index.html',
    });
    const call = (name: string, input: unknown) => handlers['rpr:call']({ senderFrame: { url: 'file:///app/index.html' } }, name, input) as Promise<{ ok: boolean; error?: { status: number; kind: string; message: string } }>;
    expect((await call('datasets.get', { datasetId: 'ds_nope' })).error).toMatchObject({ status: 404, kind: 'not-found' });
    expect((await call('workspace.open', { path: 42 })).error).toMatchObject({ status: 400, kind: 'invalid' });
    off();
  });

  it('maps every class to one status and one exit code', () => {
    const cases: [Error, number, number][] = [
      [new RequestError('N is larger than every class'), 400, 2],
      [new NotFoundError('no such run'), 404, 1],
      [new ConflictError('busy'), 409, 1],
      [new CancelledError(), 409, 1],
      [new InputError('/x.csv', 'truncated'), 422, 1],
      [new InputError('/x', 'no such file or folder', 'not-found'), 404, 1],
      [new InputError('/out', 'folder is not empty', 'conflict'), 409, 1],
      [new WorkspaceError('/ws', 'folder does not exist', 'missing'), 404, 1],
      [new WorkspaceError('/ws', 'is read-only', 'read-only'), 409, 1],
      [new WorkspaceError('/ws/workspace.db', 'database is corrupt', 'corrupt'), 422, 1],
      [new WorkspaceError('/ws', 'cannot prepare the workspace (ENOSPC)', 'io'), 500, 70],
      [new TypeError('x is undefined'), 500, 70],
    ];
    for (const [err, status, code] of cases) {
      expect([err.name, classifyError(err).status, exitCodeFor(err)]).toEqual([err.name, status, code]);
    }
    // rebuilt from an engine worker's message: the name and kind decide
    const fromWorker = Object.assign(new Error('/m/model.json: model.json not found'), { name: 'InputError', kind: 'not-found' });
    expect(classifyError(fromWorker)).toEqual({ status: 404, kind: 'not-found' });
  });

  it('the CLI exits 1 with the sentence for a mistake (a missing file) and 2 for a bad option, never a stack', () => {
    ensureBuilt();
    const env = { ...process.env, RPR_DATA_DIR: join(tmp, 'cli-data') };
    const run = (...args: string[]) => spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 120_000 });
    const missing = run('import', join(tmp, 'no-such-dataset'), '--workspace', join(tmp, 'cli-ws'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^rpr import: .*no-such-dataset: no such file or folder$/m);
    expect(missing.stderr).not.toMatch(/^\s+at /m);
    const badScale = run('eval', '--data', MNIST_SMALL, '--model', join(tmp, 'm', 'model.json'), '--input-scale', 'loud', '--workspace', join(tmp, 'cli-ws'));
    expect(badScale.status).toBe(2);
    expect(badScale.stderr).toMatch(/--input-scale must be unit, signed, <mean>,<std> or per channel .*, got "loud"/);
  }, 180_000);
});
