/**
 * Issue 13, item 3: the calls the `rpr` command makes beyond the app's, through `services.call`
 * as every transport does, and a job's typed end (`services.outcome`). One small model and one
 * test-split run on mnist-small serve every case.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, ModelInfo, ScoringRunSummary } from '../../src-main/contract/types';
import { RequestError } from '../../src-main/core/errors';
import type { ImportedDataset } from '../../src-main/core/dataset';
import { createServices, type Services } from '../../src-main/services/index';
import { datasetMemo } from '../../src-main/services/scores-curation';
import { MNIST_SMALL } from '../helpers/paths';

let tmp: string;
let services: Services;
let ds: DatasetSummary;
let model: ModelInfo;
let run: ScoringRunSummary;
const SCHEME = { name: 'paper' as const, params: { k: 28 } };
const scoreInput = () => ({ modelId: model.id, datasetId: ds.id, split: 'test', scheme: SCHEME, maxSteps: 3, seed: 0 });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rpr-headless-'));
  services = createServices({ version: 'test', dataDir: join(tmp, 'data'), transport: 'loopback', workers: 1 });
  await services.call('workspace.open', { path: join(tmp, 'ws'), create: true });
  // typed by the job's kind: no cast
  ds = await services.outcome((await services.call('datasets.import', { path: MNIST_SMALL })).jobId, 'import');
  model = await services.outcome((await services.call('models.train', { datasetId: ds.id, arch: 'mlp', epochs: 1, seed: 3, budget: 'epochs' })).jobId, 'train');
  run = await services.outcome((await services.call('scoring.start', scoreInput())).jobId, 'score');
}, 240_000);

afterAll(async () => {
  await services?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a job followed through the services', () => {
  it('ends with the result of its kind, and refuses to be read as another kind', async () => {
    expect(ds.splits.map((s) => s.name).sort()).toEqual(['test', 'train']);
    expect(model.datasetId).toBe(ds.id);
    expect(run.status).toBe('done');
    expect(run.stats?.n).toBe(500);
    const { jobId } = await services.call('models.evaluate', { modelId: model.id, datasetId: ds.id, split: 'test' });
    await expect(services.outcome(jobId, 'train')).rejects.toThrow(/is a eval job, not a train job/);
    const r = await services.outcome(jobId, 'eval');
    expect(r.count).toBe(500);
    expect(r.confusion).toHaveLength(10);
  }, 120_000);

  it('a failed job rethrows the error its work threw, with its class; a cancelled one CancelledError', async () => {
    const failed = services.app.jobs.launch('eval', 'fails', async () => {
      throw new RequestError('N is larger than every class');
    });
    await expect(services.outcome(failed.jobId, 'eval')).rejects.toMatchObject({ name: 'RequestError', message: 'N is larger than every class' });
    const long = services.app.jobs.launch('eval', 'waits', (ctx) => new Promise((_ok, fail) => {
      if (ctx.signal.aborted) fail(ctx.signal.reason);
      ctx.signal.addEventListener('abort', () => fail(ctx.signal.reason));
    }));
    expect(await services.call('jobs.cancel', { jobId: long.jobId })).toEqual({ cancelled: true });
    await expect(services.outcome(long.jobId, 'eval')).rejects.toMatchObject({ name: 'CancelledError' });
    await expect(services.outcome('job_unknown', 'train')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe('scoring calls of a headless client', () => {
  it('scoring.prepare reuses a finished run of identical parameters only when asked', async () => {
    const reused = await services.call('scoring.prepare', { ...scoreInput(), reuseFinished: true });
    expect(reused).toMatchObject({ reused: true, run: { id: run.id, status: 'done' } });
    // the default k of a 28x28 set is k 28: the same run
    const byDefault = await services.call('scoring.prepare', { ...scoreInput(), scheme: { name: 'paper', params: {} }, reuseFinished: true });
    expect(byDefault.run.id).toBe(run.id);
    // another seed: a new run, prepared but not started
    const fresh = await services.call('scoring.prepare', { ...scoreInput(), seed: 7, reuseFinished: true });
    expect({ reused: fresh.reused, seed: fresh.run.seed, done: fresh.run.done }).toEqual({ reused: false, seed: 7, done: 0 });
    expect(fresh.run.id).not.toBe(run.id);
    expect((await services.call('jobs.list', {})).some((j) => j.status === 'running')).toBe(false);
    await services.call('scoring.remove', { runId: fresh.run.id });
  });

  it('a shard i/n outside 0 <= i < n is refused at the door', async () => {
    await expect(services.call('scoring.prepare', { ...scoreInput(), shard: [3, 3] })).rejects.toMatchObject({ name: 'ContractError', message: expect.stringMatching(/0 <= i < n/) });
  });

  it('writes the files of rpr score, reads them back, and merges a whole run into the same scores', async () => {
    const out = await services.call('scoring.writeFiles', { runId: run.id, path: join(tmp, 'files', 's.json'), modelPath: '/models/m.json' });
    expect(out.scoresFile).toBe(join(tmp, 'files', 's-scores.csv'));
    expect(out.runFile).toBe(join(tmp, 'files', 'run.json'));
    const runFile = JSON.parse(readFileSync(out.runFile, 'utf8'));
    expect(runFile).toMatchObject({ format: 'rpr-run', split: 'test', maxSteps: 3, seed: 0, modelPath: '/models/m.json', runId: run.id, scheme: SCHEME, shard: null, workspace: join(tmp, 'ws') });
    const read = await services.call('scoring.readScores', { scores: out.scoresFile });
    expect(read.rows).toBe(500);
    expect(read.run.modelHash).toBe(model.hash);
    const merged = await services.call('scoring.merge', { files: [out.json], path: join(tmp, 'merged', 'm.json') });
    expect(readFileSync(merged.scoresFile, 'utf8')).toBe(readFileSync(out.scoresFile, 'utf8'));
    expect(merged.stats.robustRatio).toBe(run.stats?.robustRatio);
  });

  it('a scores file whose run.json is missing is an error naming the file', async () => {
    await expect(services.call('scoring.readScores', { scores: join(tmp, 'nowhere', 'x-scores.csv') })).rejects.toMatchObject({ name: 'InputError', message: expect.stringContaining(join(tmp, 'nowhere', 'x-scores.csv')) });
  });
});

describe('curation calls of a headless client', () => {
  it('curation.exportScores previews without writing, then exports', async () => {
    const scores = join(tmp, 'files', 's-scores.csv');
    const rules = { minSteps: 0, balance: { mode: 'all' as const }, seed: 0, keepMisclassified: true };
    const target = join(tmp, 'curated');
    const dry = await services.call('curation.exportScores', { scores, rules, path: target, dryRun: true });
    expect(dry).toMatchObject({ rows: 500, path: null, classNames: ds.classNames });
    expect(dry.preview.total).toBe(500);
    expect('members' in dry.preview).toBe(false);
    expect(existsSync(target)).toBe(false);
    const done = await services.call('curation.exportScores', { scores, rules, path: target, format: 'csv' });
    expect(done.path).toBe(target);
    expect(readdirSync(target).length).toBeGreaterThan(0);
  });

  it("a dry run's dataset serves the export that follows it once, for the same key only", () => {
    const memo = datasetMemo();
    const imported = { splits: [] } as unknown as ImportedDataset;
    memo.keep('a', imported);
    expect(memo.take('b')).toBeNull();
    expect(memo.take('a')).toBeNull(); // another key dropped it
    memo.keep('a', imported);
    expect(memo.take('a')).toBe(imported);
    expect(memo.take('a')).toBeNull(); // used once
  });

  it('curation.retrainFromRun refuses a test-split run before anything is saved', async () => {
    const rules = { minSteps: null, balance: { mode: 'per-class' as const, n: 5 }, seed: 0 };
    await expect(services.call('curation.retrainFromRun', { runId: run.id, rules })).rejects.toMatchObject({ name: 'RefusedError', message: expect.stringMatching(/split "test", the evaluation split/) });
    expect(await services.call('curation.list', {})).toEqual([]);
  });
});

describe('model and engine calls of a headless client', () => {
  it('models.ensureImported imports a model file once, then reuses it', async () => {
    const dir = join(tmp, 'exported');
    await services.call('models.export', { modelId: model.id, path: dir });
    const first = await services.call('models.ensureImported', { path: join(dir, 'model.json'), datasetId: ds.id });
    expect(first.reused).toBe(false);
    expect(first.sanity?.count).toBe(500);
    const again = await services.call('models.ensureImported', { path: join(dir, 'model.json'), datasetId: ds.id });
    expect(again).toMatchObject({ reused: true, model: { id: first.model.id } });
    // another input scale is another model
    const signed = await services.call('models.ensureImported', { path: join(dir, 'model.json'), datasetId: ds.id, inputScale: 'signed' });
    expect(signed.reused).toBe(false);
  }, 120_000);

  it('system.calibrate does nothing when the workers were chosen', async () => {
    expect(await services.call('system.calibrate', {})).toEqual({ calibration: null, messages: [] });
  });
});
