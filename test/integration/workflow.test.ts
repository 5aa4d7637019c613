/**
 * The paper's second use case through the services, as the app and the CLI call them:
import mnist-small, train paper-cnn in engine workers, evaluate, score test and train,
 * regenerate fooling perturbations, curate (balance, overrides, versions, refusals), export,
 * retrain M_R with the control M_C, compare; cancel and resume a scoring run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeThumbs } from '../../src-main/contract/frame';
import type { CuratedSetInfo, DatasetSummary, EvalResult, JobInfo, ModelInfo, ScoringRunSummary } from '../../src-main/contract/types';
import { createServices, type Services } from '../../src-main/services/index';
import type { RetrainResult } from '../../src-main/services/curation-service';
import { prepareRun } from '../../src-main/services/scoring-service';
import { MNIST_SMALL } from '../helpers/paths';
import { sameScores } from '../helpers/scores';

const MAX_STEPS = 30;
const SEED = 7;
const SCHEME = { name: 'paper' as const, params: { k: 28 } };

let services: Services;
let tmp: string;
let ds: DatasetSummary;
let model: ModelInfo;
let testRun: ScoringRunSummary;
let trainRun: ScoringRunSummary;

async function settled(jobId: string): Promise<JobInfo> {
  const info = await services.app.jobs.settle(jobId);
  if (info.status !== 'done') throw new Error(`job ${jobId} ${info.status}: ${info.error ?? ''}`);
  return info;
}

async function scoreToEnd(split: string, maxSteps = MAX_STEPS, seed = SEED): Promise<ScoringRunSummary> {
  const { jobId, runId } = await services.call('scoring.start', { modelId: model.id, datasetId: ds.id, split, scheme: SCHEME, maxSteps, seed });
  const info = await settled(jobId);
  expect((info.result as ScoringRunSummary).id).toBe(runId);
  return services.call('scoring.get', { runId });
}

/** Classify one image with the engine: writes it as a one-image split and evaluates. */
async function classify(pixels: Uint8Array, label: number): Promise<number> {
  const dir = mkdtempSync(join(tmp, 'one-'));
  const pixelsPath = join(dir, 'x.u8');
  const labelsPath = join(dir, 'x.labels.u8');
  writeFileSync(pixelsPath, pixels);
  writeFileSync(labelsPath, Uint8Array.of(label));
  const r = await services.app.engine().run({ kind: 'eval', modelPath: model.path, pixelsPath, labelsPath, shape: ds.shape, numClasses: 10 });
  return r.confusion[label].findIndex((c) => c === 1);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rpr-workflow-'));
  services = createServices({ version: 'test', dataDir: join(tmp, 'data'), transport: 'loopback', workers: 2 });
  await services.call('workspace.open', { path: join(tmp, 'ws'), create: true });
  const imp = await services.call('datasets.import', { path: MNIST_SMALL });
  ds = (await settled(imp.jobId)).result as DatasetSummary;
  const t = await services.call('models.train', { datasetId: ds.id, arch: 'paper-cnn', epochs: 3, seed: 1 });
  model = (await settled(t.jobId)).result as ModelInfo;
  // M's test-split run: the scoring tests read it, and retraining finds it again (no test needs another)
  testRun = await scoreToEnd('test');
}, 360_000);

afterAll(async () => {
  await services?.app.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('train and evaluate', () => {
  it('trains paper-cnn well above chance, registered with its recipe', async () => {
    expect(model.arch).toBe('paper-cnn');
    expect(model.metrics.testAccuracy).toBeGreaterThan(0.6);
    expect(model.config).toMatchObject({ arch: 'paper-cnn', epochs: 3, seed: 1, batchSize: 128 });
    expect(existsSync(model.path)).toBe(true);
    expect((await services.call('models.list', {})).map((m) => m.id)).toContain(model.id);
  });

  it('evaluates to the accuracy measured after training, with a 10x10 confusion matrix', async () => {
    const { jobId } = await services.call('models.evaluate', { modelId: model.id, datasetId: ds.id, split: 'test' });
    const r = (await settled(jobId)).result as EvalResult;
    expect(r.count).toBe(500);
    expect(r.accuracy).toBeCloseTo(model.metrics.testAccuracy as number, 9);
    expect(r.confusion).toHaveLength(10);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(500);
  });
});

describe('scoring', () => {
  it('stores per-image scores and run statistics that obey the invariants', async () => {
    expect(testRun.status).toBe('done');
    expect(testRun.done).toBe(500);
    const s = testRun.stats!;
    const cols = await services.call('scoring.scores', { runId: testRun.id });
    expect(Array.from(cols.index)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(s.n).toBe(500);
    expect(s.curve).toHaveLength(MAX_STEPS);
    expect(s.curve[MAX_STEPS - 1]).toBe(s.robustRatio);
    for (let t = 1; t < MAX_STEPS; t++) expect(s.curve[t]).toBeLessThanOrEqual(s.curve[t - 1]);
    expect(s.perClassRobustRatio).toHaveLength(10);
    expect(s.perClassRobustRatioCI95).toHaveLength(10);
    expect(s.perClassCount).toHaveLength(10);
    expect(s.perClassCount.reduce((a, b) => a + b, 0)).toBe(500);
    expect(s.robustRatioCI95[0]).toBeLessThanOrEqual(s.robustRatio);
    expect(s.robustRatioCI95[1]).toBeGreaterThanOrEqual(s.robustRatio);
    let correct = 0;
    let robust = 0;
    let stepsSum = 0;
    cols.index.forEach((_, k) => {
      stepsSum += cols.steps[k];
      robust += cols.robust[k];
      if (cols.cleanPred[k] !== cols.label[k]) {
        expect(cols.steps[k]).toBe(0);
        expect(cols.robust[k]).toBe(0);
        expect(cols.foolPred[k]).toBe(-1);
      } else {
        correct++;
        if (cols.robust[k]) {
          expect(cols.steps[k]).toBe(MAX_STEPS);
          expect(cols.foolPred[k]).toBe(-1);
        } else {
          expect(cols.steps[k]).toBeGreaterThanOrEqual(1);
          expect(cols.foolPred[k]).not.toBe(cols.label[k]);
          expect(cols.foolPred[k]).toBeGreaterThanOrEqual(0);
        }
      }
    });
    expect(s.accuracy).toBe(correct / 500);
    expect(s.robustRatio).toBe(robust / 500);
    expect(s.stepsSum).toBe(stepsSum);
    // every image costs its clean prediction plus one per step
    expect(s.predictions).toBeGreaterThanOrEqual(stepsSum + 500);
    expect(s.predictions).toBeLessThanOrEqual(1.05 * (stepsSum + 500));
    // a model trained 3 epochs is neither never nor always fooled
    expect(s.robustRatio).toBeGreaterThan(0.05);
    expect(s.robustRatio).toBeLessThan(0.99);
  });

  it('regenerates a first fooling perturbation that really fools the model', async () => {
    const cols = await services.call('scoring.scores', { runId: testRun.id });
    const fooled = cols.index.filter((_, k) => cols.robust[k] === 0 && cols.steps[k] > 0).slice(0, 3);
    expect(fooled.length).toBeGreaterThan(0);
    for (const index of fooled) {
      const k = cols.index.indexOf(index);
      const v = await services.call('scoring.fooling', { runId: testRun.id, index });
      expect(v.id).toBe(`test/${index}`);
      expect(v.step).toBe(cols.steps[k]);
      expect(v.foolPred).toBe(cols.foolPred[k]);
      expect(v.perturbed).not.toBeNull();
      const p = v.perturbed as Uint8Array;
      let changed = 0;
      for (let i = 0; i < p.length; i++) {
        if (p[i] !== v.original[i]) {
          changed++;
          expect(p[i]).toBeLessThanOrEqual(254);
        }
      }
      expect(changed).toBeLessThanOrEqual(28);
      expect(v.changedPixels).toBeLessThanOrEqual(28);
      expect(await classify(v.original, cols.label[k])).toBe(cols.label[k]);
      expect(await classify(p, cols.label[k])).toBe(cols.foolPred[k]);
      // the preview of that step is the same image
      const pv = await services.call('scoring.preview', { datasetId: ds.id, split: 'test', index, scheme: SCHEME, seed: SEED, steps: [v.step] });
      expect(Array.from(pv.perturbed[0])).toEqual(Array.from(p));
    }
    const robustIndex = cols.index.find((_, k) => cols.robust[k] === 1);
    if (robustIndex !== undefined) {
      const v = await services.call('scoring.fooling', { runId: testRun.id, index: robustIndex });
      expect(v.perturbed).toBeNull();
      expect(v.foolPred).toBeNull();
      expect(v.step).toBe(MAX_STEPS);
    }
  });

  it('previews perturbations deterministically from (seed, split, index, step)', async () => {
    const a = await services.call('scoring.preview', { datasetId: ds.id, split: 'test', index: 3, scheme: SCHEME, seed: 5, steps: [1, 2, 3] });
    const b = await services.call('scoring.preview', { datasetId: ds.id, split: 'test', index: 3, scheme: SCHEME, seed: 5, steps: [1, 2, 3] });
    const img = await services.call('datasets.image', { datasetId: ds.id, split: 'test', index: 3 });
    expect(Array.from(a.original)).toEqual(Array.from(img.pixels));
    expect(a.perturbed).toHaveLength(3);
    a.perturbed.forEach((p, i) => expect(Array.from(p)).toEqual(Array.from(b.perturbed[i])));
    expect(Array.from(a.perturbed[0])).not.toEqual(Array.from(a.perturbed[1]));
    await expect(services.call('scoring.preview', { datasetId: ds.id, split: 'test', index: 500, scheme: SCHEME, seed: 5, steps: [1] })).rejects.toThrow(/out of range/);
  });
});

describe('curation, export, retrain, compare', () => {
  let perClassRobust: number[];
  let set: CuratedSetInfo;

  beforeAll(async () => {
    trainRun = await scoreToEnd('train');
    const cols = await services.call('scoring.scores', { runId: trainRun.id });
    perClassRobust = new Array<number>(10).fill(0);
    cols.index.forEach((_, k) => (perClassRobust[cols.label[k]] += cols.robust[k]));
    // the set the export and retrain tests start from (saved here, so they need no other test)
    set = await services.call('curation.save', { runId: trainRun.id, name: 'robust-15-shared', rules: { minSteps: null, balance: { mode: 'per-class', n: 15 }, seed: 3 } });
  }, 120_000);

  it('previews per-class balancing and names the classes that cannot reach N', async () => {
    const sorted = [...perClassRobust].sort((a, b) => a - b);
    const n = sorted[5]; // the median: some classes short, some sampled down
    const p = await services.call('curation.preview', { runId: trainRun.id, rules: { minSteps: null, balance: { mode: 'per-class', n }, seed: 1 } });
    expect(p.before.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(p.after).toEqual(perClassRobust.map((c) => Math.min(c, n)));
    expect(p.short).toEqual(perClassRobust.map((c, classId) => ({ classId, available: c })).filter((s) => s.available < n));
    expect(p.total).toBe(p.members.length);
    const cols = await services.call('scoring.scores', { runId: trainRun.id });
    for (const m of p.members) expect(cols.robust[m]).toBe(1);
  });

  it('equalizes to the smallest class and applies include/exclude overrides', async () => {
    const cols = await services.call('scoring.scores', { runId: trainRun.id });
    const min = Math.min(...perClassRobust.filter((c) => c > 0));
    const eq = await services.call('curation.preview', { runId: trainRun.id, rules: { minSteps: null, balance: { mode: 'equalize' }, seed: 1 } });
    expect(eq.after).toEqual(perClassRobust.map((c) => (c > 0 ? min : 0)));
    const notRobust = cols.index.find((_, k) => cols.robust[k] === 0) as number;
    const member = eq.members[0];
    const ov = await services.call('curation.preview', {
      runId: trainRun.id,
      rules: { minSteps: null, balance: { mode: 'equalize' }, seed: 1 },
      overrides: [{ index: notRobust, mode: 'include' }, { index: member, mode: 'exclude' }],
    });
    expect(ov.members).toContain(notRobust);
    expect(ov.members).not.toContain(member);
    // minSteps keeps fooled images that lasted long enough
    const t = 10;
    const ms = await services.call('curation.preview', { runId: trainRun.id, rules: { minSteps: t, balance: { mode: 'all' }, seed: 0 } });
    expect(ms.total).toBe(cols.index.filter((_, k) => cols.robust[k] === 1 || cols.steps[k] >= t).length);
  });

  it('saves versioned sets and refuses useless ones with a clear message', async () => {
    const rules = { minSteps: null, balance: { mode: 'per-class' as const, n: 15 }, seed: 3 };
    const v1 = await services.call('curation.save', { runId: trainRun.id, name: 'robust-15', rules });
    const v2 = await services.call('curation.save', { runId: trainRun.id, name: 'robust-15', rules, overrides: [{ index: 0, mode: 'exclude' }] });
    expect(v1.version).toBe(1);
    expect(v2.version).toBe(2);
    expect(v1.total).toBe(perClassRobust.reduce((a, c) => a + Math.min(c, 15), 0));
    expect(v1.classCounts).toEqual(perClassRobust.map((c) => Math.min(c, 15)));
    expect(v2.overrides).toEqual([{ index: 0, mode: 'exclude' }]);
    expect((await services.call('curation.list', { datasetId: ds.id })).map((s) => s.id)).toEqual(expect.arrayContaining([v1.id, v2.id]));
    expect(await services.call('curation.get', { setId: v1.id })).toEqual(v1);
    await expect(services.call('curation.save', { runId: trainRun.id, name: 'huge', rules: { minSteps: null, balance: { mode: 'per-class', n: 100000 }, seed: 0 } })).rejects.toThrow(
      /N = 100000 per class is larger than every class/,
    );
  });

  it('refuses to retrain on a set holding a single class', async () => {
    const cols = await services.call('scoring.scores', { runId: trainRun.id });
    const overrides = Array.from(cols.index).filter((_, k) => cols.label[k] !== 0).map((index) => ({ index, mode: 'exclude' as const }));
    const one = await services.call('curation.save', { runId: trainRun.id, name: 'zeros', rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 }, overrides });
    expect(one.classCounts.filter((c) => c > 0)).toHaveLength(1);
    await expect(services.call('curation.retrain', { setId: one.id, sourceModelId: model.id })).rejects.toThrow(/holds 1 class: a classifier needs at least two/);
  });

  it('exports a set to IDX (a complete MNIST folder) and ImageFolder, re-importable', async () => {
    const members = services.app.requireWorkspace().curated.members(set.id);
    const labels = services.app.requireWorkspace().datasets.labels(ds.id, 'train');
    const idxDir = join(tmp, 'export-idx');
    const a = await services.call('curation.export', { setId: set.id, path: idxDir, format: 'idx' });
    await settled(a.jobId);
    expect(readdirSync(idxDir).sort()).toEqual(['manifest.csv', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    const manifest = readFileSync(join(idxDir, 'manifest.csv'), 'utf8').trim().split('\n');
    expect(manifest).toHaveLength(members.length + 1);
    expect(manifest[1]).toContain(`train/${members[0]}`);
    const imp = await services.call('datasets.import', { path: idxDir, name: 'curated idx' });
    const back = (await settled(imp.jobId)).result as DatasetSummary;
    expect(back.splits.find((s) => s.name === 'train')?.count).toBe(members.length);
    expect(back.splits.find((s) => s.name === 'test')?.count).toBe(500);
    expect(back.splits.find((s) => s.name === 'train')?.classCounts).toEqual(set.classCounts);
    const px = decodeThumbs(await services.call('datasets.thumbs', { datasetId: back.id, split: 'train', offset: 1, count: 1 })).pixels;
    const orig = decodeThumbs(await services.call('datasets.thumbs', { datasetId: ds.id, split: 'train', indices: [members[1]] })).pixels;
    expect(Array.from(px)).toEqual(Array.from(orig));
    expect(Array.from(services.app.requireWorkspace().datasets.labels(back.id, 'train'))).toEqual(members.map((i) => labels[i]));

    const folder = join(tmp, 'export-folder');
    const b = await services.call('curation.export', { setId: set.id, path: folder, format: 'imagefolder' });
    await settled(b.jobId);
    const classes = readdirSync(folder).filter((f) => f !== 'manifest.csv').sort();
    expect(classes.length).toBe(set.classCounts.filter((c) => c > 0).length);
    const files = classes.reduce((s, c) => s + readdirSync(join(folder, c)).length, 0);
    expect(files).toBe(members.length);
    // a non-empty target is refused at the door (a conflict, 409 over the loopback) and left alone
    await expect(services.call('curation.export', { setId: set.id, path: folder, format: 'imagefolder' })).rejects.toMatchObject({ name: 'InputError', kind: 'conflict', message: expect.stringMatching(/not empty/) });
    expect(readdirSync(folder).sort()).toEqual([...classes, 'manifest.csv'].sort());
  });

  it('retrains M_R and the control M_C with the source recipe, scores them, and compares', async () => {
    const { jobId } = await services.call('curation.retrain', { setId: set.id, sourceModelId: model.id, control: true });
    const r = (await settled(jobId)).result as RetrainResult;
    expect(r.mc).not.toBeNull();
    for (const m of [r.mr, r.mc as ModelInfo]) {
      expect(m.arch).toBe('paper-cnn');
      expect(m.config).toMatchObject({ epochs: 3, seed: 1, batchSize: 128, validationShare: 0.1 });
      expect((m.lineage as { trainCount: number; valCount: number }).trainCount + (m.lineage as { valCount: number }).valCount).toBe(set.total);
    }
    expect((r.mr.lineage as { curatedSetId?: string }).curatedSetId).toBe(set.id);
    for (const id of [r.runs.M, r.runs.MR, r.runs.MC as string]) {
      const run = await services.call('scoring.get', { runId: id });
      expect(run).toMatchObject({ split: 'test', status: 'done', maxSteps: MAX_STEPS, seed: SEED, scheme: SCHEME, count: 500 });
    }
    // M was already scored on test with these parameters: its run is reused
    expect(r.runs.M).toBe(testRun.id);

    const cmp = await services.call('curation.compare', { modelIds: [model.id, r.mr.id, (r.mc as ModelInfo).id], datasetId: ds.id });
    expect(cmp.rows.map((row) => row.label)).toEqual(['M', 'M_R', 'M_C']);
    expect(cmp.rows.map((row) => row.runId)).toEqual([r.runs.M, r.runs.MR, r.runs.MC]);
    for (const row of cmp.rows) {
      expect(row.testAccuracy).toBeGreaterThan(0.1);
      expect(row.robustRatio).not.toBeNull();
      expect(row.robustRatioCI95![0]).toBeLessThanOrEqual(row.robustRatio!);
      expect(row.robustRatioCI95![1]).toBeGreaterThanOrEqual(row.robustRatio!);
      expect(row.perClassRobustRatio).toHaveLength(10);
      expect(row.curve).toHaveLength(MAX_STEPS);
      expect(row.curve[MAX_STEPS - 1]).toBe(row.robustRatio);
    }
    expect(cmp.rows[0].robustRatio).toBe(testRun.stats!.robustRatio);
    // the images trained on, the validation carve excluded (it only chose the weights)
    type L = { trainCount: number; valCount: number; trainClassCounts: number[] };
    for (const [row, m, total] of [[0, model, 1000], [1, r.mr, set.total], [2, r.mc as ModelInfo, set.total]] as const) {
      const l = m.lineage as unknown as L;
      expect(cmp.rows[row].trainingSet).toMatchObject({ count: l.trainCount, validation: l.valCount, classCounts: l.trainClassCounts });
      expect(l.trainCount + l.valCount).toBe(total);
      expect(l.trainClassCounts.reduce((a, b) => a + b, 0)).toBe(l.trainCount);
    }
    expect(Object.keys(cmp.mcnemar).sort()).toEqual(['M_R_vs_M_C', 'M_vs_M_C', 'M_vs_M_R']);
    for (const p of Object.values(cmp.mcnemar)) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
  }, 240_000);

  it('refuses to curate with a run that is not done', async () => {
    const ws = services.app.requireWorkspace();
    const run = ws.runs.create({ modelId: model.id, datasetId: ds.id, split: 'train', scheme: SCHEME, maxSteps: 3, seed: 99, backend: 'wasm', workers: 1, count: 1000, status: 'paused' });
    await expect(services.call('curation.preview', { runId: run.id, rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 } })).rejects.toThrow(/is not complete \(0\/1000 images scored\)/);
    await expect(services.call('curation.save', { runId: run.id, name: 'x', rules: { minSteps: null, balance: { mode: 'all' }, seed: 0 } })).rejects.toThrow(/not complete/);
    ws.runs.remove(run.id);
  });
});

describe('cancel and resume', () => {
  it('a cancelled run says cancelled, keeps its committed scores, and resuming ends with the uninterrupted scores', async () => {
    const params = { modelId: model.id, datasetId: ds.id, split: 'test', scheme: SCHEME, maxSteps: 150, seed: 11 };
    const { jobId, runId } = await services.call('scoring.start', params);
    const ws = services.app.requireWorkspace();
    const t0 = Date.now();
    while (ws.runs.get(runId).done === 0) {
      if (Date.now() - t0 > 60_000) throw new Error('no scores committed in 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await services.call('jobs.cancel', { jobId })).toEqual({ cancelled: true });
    const info = await services.app.jobs.settle(jobId);
    expect(info.status).toBe('cancelled');
    const paused = await services.call('scoring.get', { runId });
    expect(paused.status).toBe('cancelled');
    const partial = await services.call('scoring.scores', { runId });
    expect(partial.index.length).toBeGreaterThan(0);
    expect(partial.index.length).toBeLessThan(500);
    expect(paused.done).toBe(partial.index.length);
    // nothing is committed after the job ended
    await new Promise((r) => setTimeout(r, 300));
    expect((await services.call('scoring.scores', { runId })).index.length).toBe(partial.index.length);

    // the same parameters find the paused run again (what `rpr score` relies on)
    expect((await prepareRun(services.app, params)).id).toBe(runId);
    const resumed = await services.call('scoring.resume', { runId });
    expect(resumed.runId).toBe(runId);
    await settled(resumed.jobId);
    const done = await services.call('scoring.get', { runId });
    expect(done.status).toBe('done');
    await expect(services.call('scoring.resume', { runId })).rejects.toThrow(/already complete/);

    const fresh = await services.call('scoring.start', params);
    expect(fresh.runId).not.toBe(runId);
    await settled(fresh.jobId);
    const a = await services.call('scoring.scores', { runId });
    const b = await services.call('scoring.scores', { runId: fresh.runId });
    expect(a.index).toHaveLength(500);
    sameScores(a, b);
    const sa = done.stats!;
    const sb = (await services.call('scoring.get', { runId: fresh.runId })).stats!;
    expect(sa.robustRatio).toBe(sb.robustRatio);
    expect(sa.curve).toEqual(sb.curve);
    expect(sa.perClassRobustRatio).toEqual(sb.perClassRobustRatio);
  }, 180_000);
});
