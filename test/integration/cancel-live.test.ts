/**
 * Cancelled jobs say so, and run tables follow the job bar (issue 12, items 2 and 5):
 * - cancelling a training ends the job "cancelled", never "done", and keeps no half-trained model
 *   (none in the store, none on disk), so no list, picker or comparison can offer it;
 * - a scoring run announces every commit (scoring.changed with its done count, in step with the
 *   job's progress), and a cancelled run says "cancelled", not "paused".
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, JobFinished, ModelInfo } from '../../src-main/contract/types';
import { createServices, type Services } from '../../src-main/services/index';
import { MNIST_SMALL } from '../helpers/paths';

let services: Services;
let tmp: string;
let ds: DatasetSummary;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rpr-train-cancel-'));
  services = createServices({ version: 'test', dataDir: join(tmp, 'data'), transport: 'loopback', workers: 1 });
  await services.call('workspace.open', { path: join(tmp, 'ws'), create: true });
  const imp = await services.call('datasets.import', { path: MNIST_SMALL });
  ds = (await services.app.jobs.settle(imp.jobId)).result as DatasetSummary;
}, 120_000);

afterAll(async () => {
  await services?.app.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('cancelling a training', () => {
  it('ends the job as cancelled and keeps no model in the store or on disk', async () => {
    const finished: JobFinished[] = [];
    services.app.events.on('job.finished', (f) => finished.push(f));
    const { jobId } = await services.call('models.train', { datasetId: ds.id, arch: 'mlp', epochs: 50, seed: 3 });
    // cancel after the first progress event: the worker is training by then
    await new Promise<void>((ok) => {
      const off = services.app.events.on('job.progress', (p) => {
        if (p.jobId !== jobId) return;
        off();
        ok();
      });
    });
    expect(await services.call('jobs.cancel', { jobId })).toEqual({ cancelled: true });
    const info = await services.app.jobs.settle(jobId);
    expect(info.status).toBe('cancelled');
    expect(info.error).toMatch(/training cancelled after \d+ of 50 epochs: the partly trained model was not kept/);
    expect(finished.find((f) => f.jobId === jobId)?.status).toBe('cancelled');
    expect(await services.call('models.list', {})).toEqual([]);
    const modelsDir = join(tmp, 'ws', 'models');
    expect(existsSync(modelsDir) ? readdirSync(modelsDir) : []).toEqual([]);
  }, 180_000);
});

describe('scoring runs follow their job live', () => {
  it('announces each commit with its done count in step with the job bar; a cancelled run says cancelled', async () => {
    const t = await services.call('models.train', { datasetId: ds.id, arch: 'mlp', epochs: 1, seed: 1 });
    const model = (await services.app.jobs.settle(t.jobId)).result as ModelInfo;
    const changes: { runId: string; done?: number }[] = [];
    const progress: number[] = [];
    /** the event bus swallows a listener's throw, so mismatches are collected and checked after */
    const lagging: string[] = [];
    const offChanged = services.app.events.on('scoring.changed', (p) => changes.push(p));
    let jobId = '';
    let cancelAt = -1;
    const offProgress = services.app.events.on('job.progress', (p) => {
      if (p.jobId !== jobId || p.kind !== 'score') return;
      progress.push(p.done);
      // the table's last word on the run is the bar's count at this moment
      const last = [...changes].reverse().find((c) => c.done !== undefined);
      if (p.done > 0 && last?.done !== p.done) lagging.push(`bar ${p.done}, table ${last?.done ?? 'never told'}`);
      if (p.done > 0 && cancelAt < 0) {
        cancelAt = p.done;
        void services.call('jobs.cancel', { jobId });
      }
    });
    const started = await services.call('scoring.start', { modelId: model.id, datasetId: ds.id, split: 'test', scheme: { name: 'paper', params: { k: 28 } }, maxSteps: 200, seed: 5 });
    jobId = started.jobId;
    const info = await services.app.jobs.settle(jobId);
    offChanged();
    offProgress();
    expect(info.status).toBe('cancelled');
    expect(lagging).toEqual([]);
    expect(cancelAt).toBeGreaterThan(0);
    const withDone = changes.filter((c) => c.runId === started.runId && c.done !== undefined);
    expect(withDone.length).toBeGreaterThan(0);
    const run = await services.call('scoring.get', { runId: started.runId });
    expect(run.status).toBe('cancelled');
    expect(run.done).toBe(withDone[withDone.length - 1].done);
    expect(run.done).toBeLessThan(500);
  }, 240_000);
});
