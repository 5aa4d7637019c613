/**
 * Running an experiment: one job, stage by stage (per seed: train M, score M on test, score M's
 * own training split to curate it, then per policy: train the policy model, train its matched
 * control, score both on test). Each finished stage is recorded in experiment.json at once;
 * a resumed experiment skips them, and a stage whose model or run already exists with the same
 * parameters (any experiment's, or the user's) reuses it instead of recomputing.
 */
import type { ExperimentConfig } from '../../contract/experiments';
import type { ArchName, DatasetSummary, ModelInfo, RunStats, SchemeSpec, ScoringRunSummary } from '../../contract/types';
import { parseBudget, type BudgetSpec } from '../../core/budget';
import { InputError } from '../../core/errors';
import { ActiveClock, experimentEtaMs, stageKindOf } from '../../core/experiment/eta';
import { matchedControl, selectPolicy, type PolicyName, type PolicySpec } from '../../core/experiment/policies';
import type { ModelNumbers, PolicySeed, SeedRecord } from '../../core/experiment/results';
import { resolveParams } from '../../core/perturb/index';
import { clopperPearson, mcnemar } from '../../core/stats/index';
import type { AppState } from '../app-state';
import type { JobContext } from '../jobs';
import { checkEvaluation } from '../lineage';
import { trainOrReuse, type TrainRequest } from '../models-service';
import { findCompletedRun, prepareRun, runScoring } from '../scoring-service';
import { saveState, type ExperimentState, type StageRecord } from './store';

type Ctx = Pick<JobContext, 'signal' | 'progress'>;

export function budgetOf(cfg: ExperimentConfig): BudgetSpec {
  const b = parseBudget(cfg.budget, { patience: cfg.patience, maxEpochs: cfg.maxEpochs });
  if (!b) throw new InputError('budget', `"${cfg.budget}" is not converge, equal-steps or epochs:N`);
  return b;
}

export function schemeOf(cfg: ExperimentConfig, ds: DatasetSummary): SchemeSpec {
  return { name: cfg.scheme.name, params: resolveParams(cfg.scheme as SchemeSpec, ds.shape) };
}

/** The stage titles of an experiment, in order (for progress before anything ran). */
export function stagePlan(cfg: ExperimentConfig): { key: string; title: string }[] {
  const out: { key: string; title: string }[] = [];
  for (let k = 0; k < cfg.seeds; k++) {
    const s = cfg.seed + k;
    out.push({ key: `${s}/M/train`, title: `seed ${s}: train M` }, { key: `${s}/M/test`, title: `seed ${s}: score M on test` }, { key: `${s}/M/train-split`, title: `seed ${s}: score M's training split (to curate it)` });
    for (const p of cfg.policies) {
      out.push(
        { key: `${s}/${p.name}/train`, title: `seed ${s}: train the ${p.name} model` },
        { key: `${s}/${p.name}/control-train`, title: `seed ${s}: train the ${p.name} control` },
        { key: `${s}/${p.name}/test`, title: `seed ${s}: score the ${p.name} model on test` },
        { key: `${s}/${p.name}/control-test`, title: `seed ${s}: score the ${p.name} control on test` },
      );
    }
  }
  return out;
}

/** Relative cost of each stage kind (for the ETA): images a stage touches, training counted thrice. */
function weightOf(key: string, trainN: number, testN: number): number {
  if (key.endsWith('/train-split')) return trainN;
  if (key.endsWith('/test')) return testN;
  if (key.endsWith('/M/train')) return 3 * trainN;
  return 1.5 * trainN; // a policy or control training: about half the split
}

function numbers(model: ModelInfo, run: ScoringRunSummary): ModelNumbers {
  const test = run.stats as RunStats;
  const l = model.lineage as { dataset?: string; split?: string; trainCount?: number; valCount?: number; trainClassCounts?: number[]; source?: { kind: string; note?: string; curatedSet?: string } };
  const c = model.config as { epochsRun?: number; updates?: number };
  const correct = Math.round(test.accuracy * test.n);
  return {
    modelId: model.id,
    hash: model.hash,
    trainCount: l.trainCount ?? 0,
    trainClassCounts: l.trainClassCounts ?? [],
    valCount: l.valCount ?? 0,
    epochsRun: c.epochsRun ?? 0,
    updates: c.updates ?? 0,
    testAccuracy: test.accuracy,
    testAccuracyCI95: clopperPearson(correct, test.n),
    testRobustRatio: test.robustRatio,
    testRobustRatioCI95: test.robustRatioCI95,
    testPerClassRobustRatio: test.perClassRobustRatio,
    testCurve: test.curve,
    testCurveLo: test.curveLo,
    testCurveHi: test.curveHi,
    lineage: { dataset: l.dataset ?? '', split: l.split ?? '', images: (l.trainCount ?? 0) + (l.valCount ?? 0), source: l.source ? (l.source.note ?? l.source.curatedSet ?? l.source.kind) : 'unknown' },
    evaluatedOn: { split: run.split, count: run.count },
  };
}

export async function runExperiment(app: AppState, state: ExperimentState, ctx: Ctx): Promise<SeedRecord[]> {
  const ws = app.requireWorkspace();
  const cfg = state.config;
  const ds = ws.datasets.get(cfg.datasetId);
  const trainInfo = ds.splits.find((s) => s.name === 'train');
  const testInfo = ds.splits.find((s) => s.name === 'test');
  if (!trainInfo || !testInfo) throw new InputError(ds.name, `an experiment needs a train and a test split (it has ${ds.splits.map((s) => s.name).join(', ')})`);
  const budget = budgetOf(cfg);
  const scheme = schemeOf(cfg, ds);
  const plan = stagePlan(cfg);
  const weights = new Map(plan.map((p) => [p.key, weightOf(p.key, trainInfo.count, testInfo.count)]));
  const doneWeight = () => plan.filter((p) => state.stages[p.key]).reduce((a, p) => a + (weights.get(p.key) ?? 0), 0);
  const sessionStart = Date.now();
  const weightAtStart = doneWeight();
  // the stage in flight's time at work (pauses and sleep left out): its ms when it ends
  let clock = new ActiveClock(Date.now());
  const report = (key: string, frac: number, detail: string) => {
    const stagesDone = plan.filter((p) => state.stages[p.key]).length;
    const now = Date.now();
    const etaMs = experimentEtaMs({
      stages: plan.map((p) => ({ key: p.key, kind: stageKindOf(p.key), weight: weights.get(p.key) ?? 0, ms: state.stages[p.key]?.ms })),
      current: { key, frac, elapsedMs: clock.total(now) },
      session: { gainedWeight: doneWeight() + frac * (weights.get(key) ?? 0) - weightAtStart, elapsedMs: now - sessionStart },
    });
    const title = plan.find((p) => p.key === key)?.title ?? key;
    ctx.progress(stagesDone, plan.length, { unit: 'stages', message: `${title}${detail ? ` — ${detail}` : ''}`, etaMs });
  };
  const inner = (key: string): Ctx => ({
    signal: ctx.signal,
    progress: (done, total, extra) => report(key, total > 0 ? Math.min(1, done / total) : 0, `${total > 0 ? Math.floor((100 * done) / total) : 0}%${extra?.metrics?.epoch ? ` (epoch ${extra.metrics.epoch})` : ''}`),
  });

  const stage = async (key: string, f: () => Promise<Omit<StageRecord, 'ms'> & { ms?: number }>, still: (r: StageRecord) => boolean): Promise<StageRecord> => {
    const prev = state.stages[key];
    if (prev && still(prev)) return prev;
    clock = new ActiveClock(Date.now());
    report(key, 0, '');
    const r = await f();
    state.stages[key] = { ...r, ms: r.ms ?? clock.total(Date.now()) };
    saveState(ws.path, state);
    app.events.emit('experiments.changed', { experimentId: state.id });
    return state.stages[key];
  };
  const modelExists = (r: StageRecord) => {
    try {
      ws.models.get(r.modelId as string);
      return true;
    } catch {
      return false;
    }
  };
  const runExists = (r: StageRecord) => {
    try {
      return ws.runs.get(r.runId as string).status === 'done';
    } catch {
      return false;
    }
  };
  const train = (key: string, req: TrainRequest) =>
    stage(key, async () => {
      const { model, reused } = await trainOrReuse(app, req, inner(key));
      // a reused model's time is what its training took; a new one's is this stage's time at work
      return { modelId: model.id, ...(reused ? { ms: (model.config as { elapsedMs?: number }).elapsedMs } : {}) };
    }, modelExists);
  const score = (key: string, modelId: string, split: 'train' | 'test', seed: number) =>
    stage(key, async () => {
      const model = ws.models.get(modelId);
      // test figures are evaluations: refused if the model saw any test image
      if (split === 'test') checkEvaluation(ws, ds, model, 'test', null);
      const params = { modelId, datasetId: ds.id, split, scheme, maxSteps: cfg.maxSteps, seed };
      const done = findCompletedRun(app, params);
      if (done) return { runId: done.id, ms: (done.stats as RunStats | null)?.elapsedMs ?? 0 };
      const run = await prepareRun(app, params);
      return { runId: (await runScoring(app, run.id, inner(key))).id };
    }, runExists);

  const seeds: SeedRecord[] = [];
  const labels = ws.datasets.labels(ds.id, 'train');
  for (let k = 0; k < cfg.seeds; k++) {
    const seed = cfg.seed + k;
    const base = { datasetId: ds.id, arch: cfg.arch as ArchName, epochs: budget.epochs, seed, validationShare: cfg.validationShare, earlyStoppingPatience: budget.patience, budget: budget.kind === 'equal-steps' ? { ...budget, kind: 'converge' as const } : budget };
    const mStage = await train(`${seed}/M/train`, { ...base, name: `M (seed ${seed}, ${cfg.budget})`, lineage: { role: 'M' } });
    const M = ws.models.get(mStage.modelId as string);
    const mTest = await score(`${seed}/M/test`, M.id, 'test', seed);
    const mTrain = await score(`${seed}/M/train-split`, M.id, 'train', seed);
    const mTestRun = ws.runs.get(mTest.runId as string);
    const mTrainRun = ws.runs.get(mTrain.runId as string);
    const trainStats = mTrainRun.stats as RunStats;
    const mNum = numbers(M, mTestRun);
    mNum.trainRobustRatio = trainStats.robustRatio;
    mNum.trainRobustRatioCI95 = trainStats.robustRatioCI95;
    mNum.trainRobustPerClass = trainStats.perClassRobustRatio;
    mNum.trainAccuracy = trainStats.accuracy;
    const mFlags = ws.runs.scores(mTestRun.id).robust;
    const trainScores = ws.runs.scores(mTrainRun.id);
    const policyBudget = budget;
    const referenceUpdates = budget.kind === 'equal-steps' ? (M.config as { updates?: number }).updates : undefined;
    const record: SeedRecord = { seed, M: mNum, policies: {}, timingsMs: { trainM: mStage.ms, scoreMTest: mTest.ms, scoreMTrain: mTrain.ms } };
    for (const p of cfg.policies as PolicySpec[]) {
      const t0 = Date.now();
      const sel = selectPolicy(p, trainScores, ds.classNames.length, seed);
      if (sel.classCounts.filter((c) => c > 0).length < 2) throw new InputError(`policy ${p.name}`, `seed ${seed}: the selection holds fewer than two classes (${sel.classCounts.join(' ')}): a classifier needs at least two`);
      const control = matchedControl(labels, sel.classCounts, seed, p.name);
      const curateMs = Date.now() - t0;
      const what = p.name === 'paper' ? `robust, ${p.perClass ?? 1500} per class` : p.name;
      const mr = await train(`${seed}/${p.name}/train`, { ...base, budget: policyBudget, referenceUpdates, name: `${p.name} (seed ${seed}, ${cfg.budget})`, indices: sel.members, source: { kind: 'subset', note: `policy ${p.name} (${sel.description}) of M seed ${seed}` }, lineage: { role: p.name === 'paper' ? 'M_R' : `policy:${p.name}`, policy: p.name, sourceModelId: M.id } });
      const mc = await train(`${seed}/${p.name}/control-train`, { ...base, budget: policyBudget, referenceUpdates, name: `${p.name} control (seed ${seed}, ${cfg.budget})`, indices: control, source: { kind: 'subset', note: `matched control of policy ${p.name}, seed ${seed}` }, lineage: { role: p.name === 'paper' ? 'M_C' : `control:${p.name}`, policy: p.name, sourceModelId: M.id } });
      const rTest = await score(`${seed}/${p.name}/test`, mr.modelId as string, 'test', seed);
      const cTest = await score(`${seed}/${p.name}/control-test`, mc.modelId as string, 'test', seed);
      const rRun = ws.runs.get(rTest.runId as string);
      const cRun = ws.runs.get(cTest.runId as string);
      const rFlags = ws.runs.scores(rRun.id).robust;
      const cFlags = ws.runs.scores(cRun.id).robust;
      const entry: PolicySeed = {
        seed,
        model: numbers(ws.models.get(mr.modelId as string), rRun),
        control: numbers(ws.models.get(mc.modelId as string), cRun),
        mcnemar: { vsControl: mcnemar(rFlags, cFlags).p, vsM: mcnemar(rFlags, mFlags).p, controlVsM: mcnemar(cFlags, mFlags).p },
        selection: { total: sel.members.length, classCounts: sel.classCounts, description: `${what}: ${sel.description}` },
      };
      record.policies[p.name as PolicyName] = entry;
      const t = record.timingsMs;
      if (p.name === 'paper') Object.assign(t, { curate: curateMs, trainMR: mr.ms, trainMC: mc.ms, scoreMRTest: rTest.ms, scoreMCTest: cTest.ms });
      else Object.assign(t, { [`train:${p.name}`]: mr.ms, [`trainControl:${p.name}`]: mc.ms, [`score:${p.name}`]: rTest.ms, [`scoreControl:${p.name}`]: cTest.ms });
    }
    seeds.push(record);
  }
  return seeds;
}
