/**
 * A model is never evaluated on images it saw (issue 9, item 1), through every door: the
 * services (what IPC calls), the loopback (a 4xx and the sentence), and the CLI (rpr retrain
 * from a test-split run exits non-zero; rpr score of a finished identical run reuses it).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CuratedSetInfo, DatasetSummary, EvalResult, JobInfo, ModelInfo, ScoringRunSummary } from '../../src-main/contract/types';
import type { RetrainResult } from '../../src-main/contract/job-results';
import { createServices, type Services } from '../../src-main/services/index';
import { pngOf, writeAt } from '../helpers/fixtures';
import { MNIST_SMALL } from '../helpers/paths';
import { runRpr, type Ran } from '../helpers/cli';
import { ensureBuilt, startServe } from '../helpers/serve';

let tmp: string;
let services: Services;
let ds: DatasetSummary;
let model: ModelInfo;
let testRun: ScoringRunSummary;
let trainRun: ScoringRunSummary;
let retrained: { mr: ModelInfo; set: CuratedSetInfo };
const SCHEME = { name: 'paper' as const, params: { k: 28 } };

async function settled(jobId: string): Promise<JobInfo> {
  const info = await services.app.jobs.settle(jobId);
  if (info.status !== 'done') throw new Error(`job ${info.title} ${info.status}: ${info.error}`);
  return info;
}

const rpr = (...args: string[]): Promise<Ran> => runRpr(args, { cwd: tmp, env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data-cli') } });

/** A copy of the model with one weight nudged and no rpr.json: weights no lineage names. */
function foreignModel(): string {
  const dir = join(tmp, 'foreign');
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(model.path, '..'), dir, { recursive: true });
  rmSync(join(dir, 'rpr.json'), { force: true });
  const w = readFileSync(join(dir, 'weights.bin'));
  w[0] ^= 1; // the lowest mantissa bit of the first float
  writeFileSync(join(dir, 'weights.bin'), w);
  return dir;
}

beforeAll(async () => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-leak-'));
  services = createServices({ version: 'test', dataDir: join(tmp, 'data'), transport: 'loopback', workers: 1 });
  await services.call('workspace.open', { path: join(tmp, 'ws'), create: true });
  ds = (await settled((await services.call('datasets.import', { path: MNIST_SMALL })).jobId)).result as DatasetSummary;
  model = (await settled((await services.call('models.train', { datasetId: ds.id, arch: 'mlp', epochs: 1, seed: 3, budget: 'epochs' })).jobId)).result as ModelInfo;
  const s = await services.call('scoring.start', { modelId: model.id, datasetId: ds.id, split: 'test', scheme: SCHEME, maxSteps: 3, seed: 0 });
  testRun = (await settled(s.jobId)).result as ScoringRunSummary;
  // scoring the training split (to curate it) is allowed: the retrain tests start from this run
  const t = await services.call('scoring.start', { modelId: model.id, datasetId: ds.id, split: 'train', scheme: SCHEME, maxSteps: 2, seed: 0 });
  await settled(t.jobId);
  trainRun = await services.call('scoring.get', { runId: t.runId });
}, 240_000);

afterAll(async () => {
  await services?.app.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('training lineage', () => {
  it('records the split, the validation carve and the counts, the carve excluded', () => {
    const l = model.lineage as { version: number; split: string; indices: number[] | null; validation: { indices: number[]; method: string }; trainCount: number; valCount: number; trainClassCounts: number[] };
    expect(l.version).toBe(1);
    expect(l.split).toBe('train');
    expect(l.indices).toBeNull();
    expect(l.validation.method).toBe('random'); // epochs:N keeps the original seeded random carve
    expect(l.validation.indices).toHaveLength(l.valCount);
    expect(l.trainCount + l.valCount).toBe(1000);
    expect(l.trainClassCounts.reduce((a, b) => a + b, 0)).toBe(l.trainCount);
    expect(model.config).toMatchObject({ budget: 'epochs:1', epochsRun: 1 });
    expect((model.config as { updates: number }).updates).toBe(Math.ceil(l.trainCount / 128));
  });
});

describe('the leak is refused through the services (IPC)', () => {
  it('Evaluate on the training split is refused, naming the split and the one to use', async () => {
    await expect(services.call('models.evaluate', { modelId: model.id, datasetId: ds.id, split: 'train' })).rejects.toThrow(/trained on split "train".*evaluate on split "test" instead/);
    const ok = (await settled((await services.call('models.evaluate', { modelId: model.id, datasetId: ds.id, split: 'test' })).jobId)).result as EvalResult;
    expect(ok.count).toBe(500);
    expect(ok.warning).toBeUndefined();
  });

  it('Compare on the training split is refused', async () => {
    await expect(services.call('curation.compare', { modelIds: [model.id], datasetId: ds.id, split: 'train' })).rejects.toThrow(/refused: .*evaluate on split "test" instead/);
  });

  it('scoring the training split to curate it stays allowed and is labelled as such', async () => {
    const run = await services.call('scoring.get', { runId: trainRun.id });
    expect([run.split, run.status, run.purpose]).toEqual(['train', 'done', 'training-split']);
    expect((await services.call('scoring.get', { runId: testRun.id })).purpose).toBe('evaluation');
  });

  it('curating a test-split run is allowed; Retrain from it is refused', async () => {
    const set = await services.call('curation.save', { runId: testRun.id, name: 'test-set', rules: { minSteps: 1, balance: { mode: 'all' }, seed: 0 } });
    expect(set.total).toBeGreaterThan(0);
    await expect(services.call('curation.retrain', { setId: set.id, sourceModelId: model.id })).rejects.toThrow(/covers split "test", the evaluation split.*score the "train" split/);
    await expect(services.call('models.train', { datasetId: ds.id, arch: 'mlp', epochs: 1, seed: 0, curatedSetId: set.id })).rejects.toThrow(/covers split "test"/);
  });

  it('Retrain from a training-split run, under equal-steps: M_R gets the updates the source model took', async () => {
    const set = await services.call('curation.save', { runId: trainRun.id, name: 'train-set', rules: { minSteps: 1, balance: { mode: 'all' }, seed: 0 } });
    const { jobId } = await services.call('curation.retrain', { setId: set.id, sourceModelId: model.id, control: false, budget: 'equal-steps' });
    const r = (await settled(jobId)).result as { mr: ModelInfo };
    retrained = { mr: r.mr, set };
    expect((r.mr.config as { updates: number }).updates).toBe((model.config as { updates: number }).updates);
    expect((r.mr.config as { budget: string }).budget).toBe('equal-steps');
    expect((r.mr.lineage as { indices: number[] }).indices).toHaveLength(set.total);
  }, 120_000);

  it('Retrain evaluates through the same door: the source model\'s lineage-unknown warning is in the result, as in Compare', async () => {
    const ws = services.app.requireWorkspace();
    // a model trained before lineage was recorded (migration 4 marks it so): same weights and recipe, lineage unknown
    ws.models.insert({ ...model, id: 'mdl_old', name: 'old M', lineage: { datasetId: ds.id, split: 'train', count: 1000, lineageUnknown: true } });
    const set = await services.call('curation.save', { runId: trainRun.id, name: 'old-set', rules: { minSteps: 1, balance: { mode: 'all' }, seed: 0 } });
    const { jobId } = await services.call('curation.retrain', { setId: set.id, sourceModelId: 'mdl_old', control: false });
    const r = (await settled(jobId)).result as RetrainResult;
    expect(r.evaluation).toEqual({ split: 'test', images: 'split test' });
    expect(r.warnings).toEqual([expect.stringMatching(/^lineage unknown: model old M was trained before training lineage was recorded/)]);
    const cmp = await services.call('curation.compare', { modelIds: ['mdl_old', r.mr.id], datasetId: ds.id, split: 'test' });
    expect(cmp.warnings).toEqual(r.warnings);
  }, 120_000);

  it('Compare counts the images each model trained on, its validation carve excluded (lineage unknown: said, not guessed)', async () => {
    const ws = services.app.requireWorkspace();
    const labels = ws.datasets.labels(ds.id, 'train');
    type L = { trainCount: number; valCount: number; trainClassCounts: number[]; validation: { indices: number[] } };
    const lm = model.lineage as unknown as L;
    const lr = retrained.mr.lineage as unknown as L;
    // a lineage without per-class counts: they are counted from its indices minus the validation carve
    const { trainClassCounts: _dropped, ...bare } = model.lineage;
    ws.models.insert({ ...model, id: 'mdl_nocounts', name: 'no counts', lineage: bare });
    const foreign = await services.call('models.import', { path: join(foreignModel(), 'model.json'), datasetId: ds.id });
    const cmp = await services.call('curation.compare', { modelIds: [model.id, retrained.mr.id, 'mdl_nocounts', foreign.id], datasetId: ds.id, split: 'test' });
    expect(cmp.rows[0].trainingSet).toEqual({ source: `${ds.name} train split`, count: lm.trainCount, validation: lm.valCount, classCounts: lm.trainClassCounts });
    expect(lm.trainCount + lm.valCount).toBe(1000);
    expect(lm.valCount).toBeGreaterThan(0);
    expect(cmp.rows[1].trainingSet).toEqual({ source: `curated set ${retrained.set.name} v${retrained.set.version}`, count: lr.trainCount, validation: lr.valCount, classCounts: lr.trainClassCounts });
    expect(lr.trainCount + lr.valCount).toBe(retrained.set.total);
    const valPerClass = new Array<number>(10).fill(0);
    for (const i of lr.validation.indices) valPerClass[labels[i]]++;
    expect(lr.trainClassCounts.map((c, k) => c + valPerClass[k])).toEqual(retrained.set.classCounts);
    expect(cmp.rows[2].trainingSet).toMatchObject({ count: lm.trainCount, classCounts: lm.trainClassCounts });
    expect(cmp.rows[3].trainingSet).toEqual({ source: expect.stringMatching(/lineage unknown/), count: null, validation: null, classCounts: [] });
  });

  it('an imported copy of a model keeps its lineage (same weights); a foreign model file (lineage unknown) is evaluated with a warning', async () => {
    const copy = await services.call('models.import', { path: model.path, datasetId: ds.id });
    expect(copy.lineage).toMatchObject({ version: 1, split: 'train', datasetId: ds.id, importedFrom: model.path });
    await expect(services.call('models.evaluate', { modelId: copy.id, datasetId: ds.id, split: 'train' })).rejects.toThrow(/trained on split "train".*evaluate on split "test" instead/);
    // an import made before lineages followed the weights takes it when the file is met again
    const exported = (await services.call('models.export', { modelId: model.id, path: join(tmp, 'exported') })).path;
    const ws = services.app.requireWorkspace();
    ws.models.insert({ ...copy, id: 'mdl_stale', config: { importedFrom: join(exported, 'model.json') }, lineage: { importedFrom: join(exported, 'model.json') } });
    const again = await services.call('models.ensureImported', { path: join(exported, 'model.json'), datasetId: ds.id });
    expect([again.reused, again.model.id]).toEqual([true, 'mdl_stale']);
    expect(ws.models.get('mdl_stale').lineage).toMatchObject({ version: 1, split: 'train', datasetId: ds.id, importedFrom: join(exported, 'model.json') });
    const imported = await services.call('models.import', { path: join(foreignModel(), 'model.json'), datasetId: ds.id });
    expect(imported.lineage).toEqual({ importedFrom: join(tmp, 'foreign', 'model.json') });
    const r = (await settled((await services.call('models.evaluate', { modelId: imported.id, datasetId: ds.id, split: 'test' })).jobId)).result as EvalResult;
    expect(r.warning).toMatch(/lineage unknown/);
  });
});

describe('a dataset with a single split', () => {
  let one: DatasetSummary;
  let m: ModelInfo;
  let carve: number[];
  let run: ScoringRunSummary;
  const KEEP_ALL = { minSteps: 0, keepMisclassified: true, balance: { mode: 'all' as const }, seed: 0 };

  beforeAll(async () => {
    const root = join(tmp, 'single');
    for (let c = 0; c < 2; c++) for (let i = 0; i < 30; i++) await writeAt(root, `class${c}/img${String(i).padStart(2, '0')}.png`, pngOf(28, 28, 1, c * 100 + i).bytes);
    one = (await settled((await services.call('datasets.import', { path: root, format: 'imagefolder' })).jobId)).result as DatasetSummary;
    m = (await settled((await services.call('models.train', { datasetId: one.id, arch: 'mlp', epochs: 1, seed: 0, budget: 'epochs' })).jobId)).result as ModelInfo;
    carve = (m.lineage as { heldOut: { indices: number[] } }).heldOut.indices;
    // the only split, scored whole (to curate it): Compare and Retrain read the carve out of it
    const s = await services.call('scoring.start', { modelId: m.id, datasetId: one.id, split: 'train', scheme: SCHEME, maxSteps: 3, seed: 0 });
    run = (await settled(s.jobId)).result as ScoringRunSummary;
  }, 120_000);

  it('keeps a seeded, class-stratified held-out carve, recorded in the lineage, and evaluates on it only', async () => {
    expect(one.splits.map((s) => s.name)).toEqual(['train']);
    const l = m.lineage as { heldOut: { split: string; indices: number[]; seed: number; share: number }; trainCount: number; valCount: number };
    expect(l.heldOut).toMatchObject({ split: 'train', seed: 0, share: 0.2 });
    expect(l.heldOut.indices).toHaveLength(12); // 6 of each class
    expect(l.trainCount + l.valCount).toBe(48);
    const r = (await settled((await services.call('models.evaluate', { modelId: m.id, datasetId: one.id, split: 'train' })).jobId)).result as EvalResult;
    expect(r.count).toBe(12);
    expect(r.images).toBe('held-out carve of train (12 images)');
  }, 120_000);

  it('Compare on the only split evaluates on the held-out carve: figures of the carve\'s images only', async () => {
    const cmp = await services.call('curation.compare', { modelIds: [m.id], datasetId: one.id, split: 'train' });
    expect(cmp.images).toBe('held-out carve of train (12 images)');
    expect(cmp.warnings).toBeUndefined();
    const cols = await services.call('scoring.scores', { runId: run.id });
    const inCarve = Array.from(cols.index, (_, k) => k).filter((k) => carve.includes(cols.index[k]));
    expect(inCarve).toHaveLength(12);
    const row = cmp.rows[0];
    expect(row.runId).toBe(run.id);
    expect(row.robustRatio).toBe(inCarve.filter((k) => cols.robust[k]).length / 12);
    expect(row.testAccuracy).toBe(inCarve.filter((k) => cols.cleanPred[k] === cols.label[k]).length / 12);
    expect(row.curve).toHaveLength(3);
    expect(row.curve[2]).toBe(row.robustRatio);
  });

  it('Retrain evaluates M, M_R and M_C on the held-out carve, which M_R and M_C never train on', async () => {
    const set = await services.call('curation.save', { runId: run.id, name: 'all', rules: KEEP_ALL });
    expect(set.total).toBe(60);
    const { jobId } = await services.call('curation.retrain', { setId: set.id, sourceModelId: m.id, control: true });
    const r = (await settled(jobId)).result as RetrainResult;
    expect(r.evaluation).toEqual({ split: 'train', images: 'held-out carve of train (12 images)' });
    expect(r.warnings).toBeUndefined();
    const labels = services.app.requireWorkspace().datasets.labels(one.id, 'train');
    const perClass = (idx: number[]) => [0, 1].map((c) => idx.filter((i) => labels[i] === c).length);
    const trained = [r.mr, r.mc as ModelInfo].map((x) => (x.lineage as { indices: number[] }).indices);
    for (const idx of trained) {
      expect(idx.filter((i) => carve.includes(i))).toEqual([]);
      expect(perClass(idx)).toEqual([24, 24]);
    }
    expect(r.runs.M).toBe(run.id); // M's curation run is its evaluation run: the carve is read out of it
    const cmp = await services.call('curation.compare', { modelIds: [m.id, r.mr.id, (r.mc as ModelInfo).id], datasetId: one.id, split: 'train' });
    expect(cmp.images).toBe('held-out carve of train (12 images)');
    expect(cmp.rows.map((x) => x.runId)).toEqual([r.runs.M, r.runs.MR, r.runs.MC]);
    for (const row of cmp.rows) expect(row.robustRatio).not.toBeNull();
    expect(Object.keys(cmp.mcnemar).sort()).toEqual(['M_R_vs_M_C', 'M_vs_M_C', 'M_vs_M_R']);
  }, 120_000);
});

describe('the leak is refused over the loopback (4xx) and by the CLI', () => {
  it('loopback answers 409 with the sentence', async () => {
    await services.app.close();
    const served = await startServe(join(tmp, 'ws'));
    try {
      const r = await fetch(`${served.origin}/rpc/models.evaluate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${served.token}` }, body: JSON.stringify({ modelId: model.id, datasetId: ds.id, split: 'train' }) });
      expect(r.status).toBe(409);
      const body = (await r.json()) as { ok: boolean; error: { name: string; message: string } };
      expect(body.error.name).toBe('RefusedError');
      expect(body.error.message).toMatch(/split "train".*evaluate on split "test" instead/);
    } finally {
      await served.stop();
    }
  }, 120_000);

  it('rpr retrain from a test-split run exits non-zero; rpr score of a finished run reuses it', async () => {
    const ws = join(tmp, 'ws-cli');
    const train = await rpr('train', '--data', MNIST_SMALL, '--arch', 'mlp', '--epochs', '1', '--out', join(tmp, 'm'), '--workspace', ws);
    if (train.code !== 0) throw new Error(train.stderr);
    const scoreArgs = ['score', '--data', MNIST_SMALL, '--split', 'test', '--model', join(tmp, 'm', 'model.json'), '--max-steps', '3', '--workspace', ws, '--json', join(tmp, 's.json')];
    const first = await rpr(...scoreArgs);
    if (first.code !== 0) throw new Error(first.stderr);
    const again = await rpr(...scoreArgs);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/reusing finished run run_[0-9a-f]+: identical parameters were already scored/);
    const refused = await rpr('retrain', '--scores', join(tmp, 's-scores.csv'), '--per-class', '5', '--workspace', ws);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: this run covers split "test", the evaluation split.*score the "train" split/);
  }, 180_000);
});

describe('rpr eval: the lineage follows the model file', () => {
  let out: string;
  beforeAll(async () => {
    out = join(tmp, 'm-eval');
    const train = await rpr('train', '--data', MNIST_SMALL, '--arch', 'mlp', '--epochs', '1', '--out', out, '--workspace', join(tmp, 'ws-eval'));
    if (train.code !== 0) throw new Error(train.stderr);
  }, 120_000);

  it('train --out writes the whole lineage and the trained split\'s identity in rpr.json', () => {
    const meta = JSON.parse(readFileSync(join(out, 'rpr.json'), 'utf8')) as { lineage: Record<string, unknown> };
    expect(meta.lineage).toMatchObject({ version: 1, split: 'train', indices: null, splitIdentity: { count: 1000 } });
    expect((meta.lineage.validation as { indices: number[] }).indices).toHaveLength(meta.lineage.valCount as number);
  });

  it('refuses the training split (exit 1, naming the split to use) in the workspace that trained it and in another; test is evaluated without a warning', async () => {
    for (const ws of ['ws-eval', 'ws-eval-other']) {
      const args = ['eval', '--data', MNIST_SMALL, '--model', join(out, 'model.json'), '--workspace', join(tmp, ws)];
      const refused = await rpr(...args, '--split', 'train');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/refused: model .* was trained on split "train" of .*evaluate on split "test" instead/);
      const ok = await rpr(...args, '--split', 'test');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/accuracy \d+\.\d\d% on test \(500 images/);
      expect(ok.stderr).not.toMatch(/lineage unknown/);
    }
  }, 120_000);

  it('the same images imported again from another path are the same split: still refused', async () => {
    const copy = join(tmp, 'mnist-small-copy');
    cpSync(MNIST_SMALL, copy, { recursive: true });
    const args = ['eval', '--data', copy, '--model', join(out, 'model.json'), '--workspace', join(tmp, 'ws-eval')];
    const refused = await rpr(...args, '--split', 'train');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: model .* was trained on split "train" of .*evaluate on split "test" instead/);
    const ok = await rpr(...args, '--split', 'test');
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toMatch(/lineage unknown/);
  }, 120_000);

  it('an rpr.json whose lineage is not well-formed is not adopted: lineage unknown, a warning, never a crash', async () => {
    const bad = join(tmp, 'm-eval-bad');
    cpSync(out, bad, { recursive: true });
    const meta = JSON.parse(readFileSync(join(bad, 'rpr.json'), 'utf8')) as { lineage: Record<string, unknown> };
    meta.lineage.indices = 5; // not a list of indices
    writeFileSync(join(bad, 'rpr.json'), JSON.stringify(meta));
    const r = await rpr('eval', '--data', MNIST_SMALL, '--model', join(bad, 'model.json'), '--split', 'test', '--workspace', join(tmp, 'ws-eval-bad'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: lineage unknown: model .* was imported/);
  }, 60_000);

  it('a model file no lineage names is evaluated with the lineage-unknown warning on stderr', async () => {
    const r = await rpr('eval', '--data', MNIST_SMALL, '--model', join(foreignModel(), 'model.json'), '--split', 'train', '--workspace', join(tmp, 'ws-eval'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: lineage unknown: model .* was imported/);
    expect(r.stdout).toMatch(/accuracy \d+\.\d\d% on train \(1000 images/);
  }, 60_000);

  it('a dataset with a single split is evaluated on the held-out carve, by default and when its split is named', async () => {
    const root = join(tmp, 'single-cli');
    for (let c = 0; c < 2; c++) for (let i = 0; i < 30; i++) await writeAt(root, `class${c}/img${String(i).padStart(2, '0')}.png`, pngOf(28, 28, 1, c * 100 + i).bytes);
    const ws = join(tmp, 'ws-single');
    const train = await rpr('train', '--data', root, '--arch', 'mlp', '--epochs', '1', '--out', join(tmp, 'm-single'), '--workspace', ws);
    if (train.code !== 0) throw new Error(train.stderr);
    for (const split of [[], ['--split', 'train']]) {
      const r = await rpr('eval', '--data', root, '--model', join(tmp, 'm-single', 'model.json'), ...split, '--workspace', ws);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/accuracy \d+\.\d\d% on the held-out carve of train \(12 images/);
      expect(r.stderr).not.toMatch(/lineage unknown/);
    }
    // rpr retrain on it: M_R and M_C trained without the carve, all three compared on it
    const score = await rpr('score', '--data', root, '--split', 'train', '--model', join(tmp, 'm-single', 'model.json'), '--max-steps', '3', '--workspace', ws, '--json', join(tmp, 'single.json'));
    if (score.code !== 0) throw new Error(score.stderr);
    const rt = await rpr('retrain', '--scores', join(tmp, 'single-scores.csv'), '--min-steps', '0', '--keep-misclassified', '--workspace', ws);
    if (rt.code !== 0) throw new Error(rt.stderr);
    expect(rt.stdout).toMatch(/^evaluated on held-out carve of train \(12 images\)$/m);
    for (const label of ['M', 'M_R', 'M_C']) expect(rt.stdout).toMatch(new RegExp(`^${label} +accuracy \\d+\\.\\d\\d%.* trained on \\d+ images \\(\\+ \\d+ validation\\)$`, 'm'));
    expect(rt.stdout).toMatch(/^McNemar M_vs_M_R: p [=<] /m);
  }, 180_000);
});
