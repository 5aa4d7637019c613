/**
 * Curation: rules over a scoring run, saved as versioned sets; export; retrain the source
 * model's recipe on a set (M_R) and on a random class-balanced control of the same size (M_C);
 * compare the models on the test split (or the held-out carve of a dataset without one).
 */
import type { CallArgs, CallResults } from '../contract/calls';
import type { RetrainResult } from '../contract/job-results';
import type { ArchName, Comparison, ComparisonRow, CuratedSetInfo, CurationPreview, CurationRules, ModelInfo, OverrideMode, RunStats, ScoringRunSummary } from '../contract/types';
import { curate, randomBalancedSubset } from '../core/curation';
import { ConflictError, RequestError } from '../core/errors';
import { mcnemar, runStats } from '../core/stats/index';
import type { ImageResult } from '../core/scheduler';
import type { AppState } from './app-state';
import { overridesFor } from './browse-service';
import { checkExportTarget, exportImages, type ExportItem, type ImageSource } from './export';
import type { JobContext } from './jobs';
import { parseBudget } from '../core/budget';
import { checkEvaluation, checkTrainableRun, evaluationImages, heldOutCarve, imagesLabel, lineageOf, type EvaluationImages } from './lineage';
import { seenTest, type TrainingLineage } from '../core/lineage';
import { trainModel } from './models-service';
import { findCompletedRun, prepareRun, runScoring } from './scoring-service';

type Overrides = { index: number; mode: OverrideMode }[];

export function previewCuration(app: AppState, runId: string, rules: CurationRules, overrides: Overrides): CurationPreview {
  const ws = app.requireWorkspace();
  const run = ws.runs.get(runId);
  if (run.status !== 'done') throw new ConflictError(`scoring run ${runId} is not complete (${run.done}/${run.count} images scored): finish or resume it before curating`);
  const ds = ws.datasets.get(run.datasetId);
  return curate(ws.runs.scores(runId), rules, overrides, ds.classNames.length);
}

/** A curated set that would be useless is refused with the reason. */
export function checkCurationUsable(p: CurationPreview, rules: CurationRules): void {
  if (rules.balance.mode === 'per-class') {
    const n = rules.balance.n;
    const nonEmpty = p.before.filter((c) => c > 0).length;
    if (p.short.length >= nonEmpty && nonEmpty > 0) {
      const largest = Math.max(0, ...p.after);
      throw new RequestError(`N = ${n} per class is larger than every class (the largest has ${largest} kept images): lower N, or use equalize`);
    }
  }
  if (p.total === 0) throw new RequestError('the rules keep no image: lower the minimum steps or add overrides');
}

export function saveCuratedSet(app: AppState, runId: string, name: string, rules: CurationRules, overrides: Overrides): CuratedSetInfo {
  const preview = previewCuration(app, runId, rules, overrides);
  checkCurationUsable(preview, rules);
  const ws = app.requireWorkspace();
  const run = ws.runs.get(runId);
  const set = ws.curated.save({ name, datasetId: run.datasetId, runId, rules, overrides, classCounts: preview.after, members: preview.members });
  app.events.emit('curation.changed', { setId: set.id });
  return set;
}

export async function exportCuratedSet(app: AppState, setId: string, path: string, format: 'idx' | 'imagefolder' | 'csv' | 'jsonl', ctx: Pick<JobContext, 'signal' | 'progress'>) {
  const ws = app.requireWorkspace();
  const set = ws.curated.get(setId);
  const run = ws.runs.get(set.runId);
  const ds = ws.datasets.get(set.datasetId);
  const members = ws.curated.members(setId);
  const scores = ws.runs.scores(run.id);
  const rowOf = new Map<number, number>();
  scores.index.forEach((idx, k) => rowOf.set(idx, k));
  let labels: Uint8Array | null = null; // read once, only if a member has no score
  const items: ExportItem[] = members.map((index) => {
    const k = rowOf.get(index);
    if (k !== undefined) return { index, label: scores.label[k], steps: scores.steps[k], robust: scores.robust[k] ? 1 : 0 };
    labels ??= ws.datasets.labels(ds.id, run.split);
    return { index, label: labels[index] };
  });
  const hasTest = run.split !== 'test' && ds.splits.some((s) => s.name === 'test');
  return exportImages({
    outDir: path,
    format,
    shape: ds.shape,
    classNames: ds.classNames,
    split: run.split,
    images: workspaceImages(ws, ds.id, run.split),
    items,
    testSplit: format === 'idx' && hasTest ? { images: workspaceImages(ws, ds.id, 'test'), labels: ws.datasets.labels(ds.id, 'test') } : undefined,
    meta: { scheme: run.scheme, k: run.scheme.params.k, maxSteps: run.maxSteps, seed: run.seed, modelHash: run.modelHash },
    signal: ctx.signal,
    // IDX writes whole files (4 of them); the other formats one PNG per image
    onProgress: (done, total) => ctx.progress(done, total, { unit: format === 'idx' ? 'files' : 'images' }),
  });
}

/** A split as range reads from the workspace (the export never loads it whole). */
function workspaceImages(ws: ReturnType<AppState['requireWorkspace']>, datasetId: string, split: string): ImageSource {
  const ds = ws.datasets.get(datasetId);
  const count = ds.splits.find((s) => s.name === split)?.count ?? 0;
  return { shape: ds.shape, count, read: (indices) => ws.datasets.readImageIndices(datasetId, split, indices).data };
}

export type { RetrainResult };

/** Why a set cannot be retrained on (imported source model, fewer than two classes), or null. */
export function retrainRefusal(set: CuratedSetInfo, source: ModelInfo): string | null {
  if (source.arch === 'imported') return `model ${source.name} was imported: retraining needs a model trained from the zoo (its recipe is unknown)`;
  const classes = set.classCounts.filter((c) => c > 0).length;
  if (classes < 2) return `curated set ${set.name} v${set.version} holds ${classes} class${classes === 1 ? '' : 'es'}: a classifier needs at least two`;
  return null;
}

/** Train M_R (and the control M_C) with the source model's recipe, then score M, M_R, M_C on test. */
export interface RetrainBudget {
  budget?: 'source' | 'epochs' | 'converge' | 'equal-steps';
  epochs?: number;
}

export async function retrain(app: AppState, setId: string, sourceModelId: string, control: boolean, ctx: Pick<JobContext, 'signal' | 'progress'>, chosen: RetrainBudget = {}): Promise<RetrainResult> {
  const ws = app.requireWorkspace();
  const set = ws.curated.get(setId);
  const source = ws.models.get(sourceModelId);
  const run = ws.runs.get(set.runId);
  const refusal = retrainRefusal(set, source);
  if (refusal) throw new RequestError(refusal);
  checkTrainableRun(app, set.runId);
  const cfg = source.config as { epochs?: number; seed?: number; validationShare?: number; earlyStoppingPatience?: number; budget?: string; updates?: number };
  // the source's budget: converge stays converge; equal-steps gives M_R and M_C the updates M took
  const epochs = chosen.epochs ?? cfg.epochs ?? 3;
  const parsed =
    chosen.budget && chosen.budget !== 'source'
      ? parseBudget(chosen.budget === 'epochs' ? `epochs:${epochs}` : chosen.budget, { patience: cfg.earlyStoppingPatience || undefined, maxEpochs: epochs })
      : cfg.budget
        ? parseBudget(cfg.budget, { patience: cfg.earlyStoppingPatience || undefined, maxEpochs: cfg.epochs })
        : null;
  if (parsed?.kind === 'equal-steps' && !cfg.updates) throw new RequestError(`model ${source.name} has no recorded update count (trained before updates were recorded): choose another budget`);
  const recipe = {
    datasetId: set.datasetId,
    arch: source.arch as ArchName,
    epochs: cfg.epochs ?? 3,
    seed: cfg.seed ?? 0,
    validationShare: cfg.validationShare ?? 0.1,
    earlyStoppingPatience: cfg.earlyStoppingPatience ?? 0,
    ...(parsed ? { budget: parsed } : {}),
    ...(parsed?.kind === 'equal-steps' && cfg.updates ? { referenceUpdates: cfg.updates } : {}),
  };
  // the images M, M_R and M_C are evaluated on (the test split, or the held-out carve of a dataset
  // without one, which M_R and M_C never train on); refused before any training when M saw them
  const evaluation = retrainEvaluation(app, set, source);
  const held = evaluation.indices ? new Set(evaluation.indices) : null;
  const members = ws.curated.members(setId);
  const stage = (name: string) => (done: number, total: number, extra?: Parameters<JobContext['progress']>[2]) => ctx.progress(done, total, { ...extra, message: name });
  const split = run.split;
  const mr = await trainModel(app, { ...recipe, split, name: `M_R: ${source.name} on ${set.name} v${set.version}`, indices: members, source: { kind: 'curated', curatedSetId: set.id, curatedSet: `${set.name} v${set.version}` }, lineage: { role: 'M_R', curatedSetId: set.id, curatedSet: `${set.name} v${set.version}`, sourceModelId } }, { signal: ctx.signal, progress: stage('training M_R') });
  let mc: ModelInfo | null = null;
  if (control) {
    const labels = ws.datasets.labels(set.datasetId, run.split);
    // M_R trains on the set less the held-out carve: the control matches those counts and never draws the carve
    const counts = held ? classCountsOf(members.filter((i) => !held.has(i)), labels, set.classCounts.length) : set.classCounts;
    const subset = randomBalancedSubset(labels, counts, set.rules.seed, held ? (i) => !held.has(i) : undefined);
    mc = await trainModel(app, { ...recipe, split, name: `M_C: ${source.name} on a random balanced ${subset.length}`, indices: subset, source: { kind: 'control', controlFor: set.id, curatedSet: `${set.name} v${set.version}` }, lineage: { role: 'M_C', controlFor: set.id, curatedSet: `${set.name} v${set.version}`, sourceModelId } }, { signal: ctx.signal, progress: stage('training M_C') });
  }
  // every score is an evaluation: through the same door as Compare (refused on seen images, warned when the lineage is unknown)
  const ds = ws.datasets.get(set.datasetId);
  const warnings = [...evaluation.warnings];
  for (const m of [mr, mc]) {
    const w = m ? checkEvaluation(ws, ds, m, evaluation.split, evaluation.indices).warning : null;
    if (w) warnings.push(w);
  }
  // a run scores the whole split; Compare reads the held-out carve out of it
  const scoreOn = async (model: ModelInfo, label: string) => {
    const req = { modelId: model.id, datasetId: set.datasetId, split: evaluation.split, scheme: run.scheme, maxSteps: run.maxSteps, seed: run.seed };
    const done = findCompletedRun(app, req);
    if (done) return done.id;
    const r = await prepareRun(app, req);
    return (await runScoring(app, r.id, { signal: ctx.signal, progress: stage(`scoring ${label} on ${evaluation.split}`) })).id;
  };
  const runs = { M: await scoreOn(source, 'M'), MR: await scoreOn(mr, 'M_R'), MC: mc ? await scoreOn(mc, 'M_C') : null };
  return { mr, mc, runs, evaluation: { split: evaluation.split, images: evaluation.label }, ...(warnings.length ? { warnings } : {}) };
}

/**
 * What a retrain evaluates M, M_R and M_C on: the test split, or, on a dataset without one, the
 * held-out carve of the curated split (trainModel keeps it out of M_R and M_C). Refused (before
 * any training) when the source model saw those images; its lineage-unknown warning otherwise.
 */
export function retrainEvaluation(app: AppState, set: CuratedSetInfo, source: ModelInfo): EvaluationImages & { warnings: string[] } {
  const ws = app.requireWorkspace();
  const ds = ws.datasets.get(set.datasetId);
  const split = ws.runs.get(set.runId).split;
  const carve = heldOutCarve(ws, ds, split);
  const target: EvaluationImages = carve ? { split, indices: carve.indices, label: imagesLabel(split, carve.indices) } : { split: 'test', indices: null, label: imagesLabel('test', null) };
  const check = checkEvaluation(ws, ds, source, target.split, target.indices);
  return { ...target, warnings: check.warning ? [check.warning] : [] };
}

function classCountsOf(indices: readonly number[], labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

function roleOf(m: ModelInfo): string {
  const role = (m.lineage as { role?: string }).role;
  return role === 'M_R' || role === 'M_C' ? role : 'M';
}

const paramsKey = (r: ScoringRunSummary) => JSON.stringify([r.scheme.name, Object.entries(r.scheme.params).sort(), r.maxSteps, r.seed]);

/**
 * Comparison table of models on one split. Each model's run is its newest complete run under
 * the parameters (scheme, steps, seed) most of the models share — preferring the newest such
 * parameters — so the rows and the McNemar pairs compare the same perturbation sequences.
 */
export function compareModels(app: AppState, modelIds: string[], datasetId: string, split: string): Comparison {
  const ws = app.requireWorkspace();
  const runs = ws.runs.list(datasetId).filter((r) => r.split === split && r.status === 'done' && r.shard === null);
  const models = modelIds.map((id) => ws.models.get(id));
  // a comparison is an evaluation: on the held-out carve when the models trained on this split of a
  // dataset without a test split (as Evaluate), refused when any model saw the images compared
  const ds = ws.datasets.get(datasetId);
  const target = evaluationImages(ws, ds, models, split);
  const warnings = models.map((m) => checkEvaluation(ws, ds, m, split, target.indices).warning).filter((w): w is string => w !== null);
  const scoresOf = new Map<string, ReturnType<typeof ws.runs.scores>>(); // each run's scores read once
  const flags = (runId: string) => {
    let s = scoresOf.get(runId);
    if (!s) scoresOf.set(runId, (s = ws.runs.scores(runId)));
    return s;
  };
  const carve = target.indices ? new Set(target.indices) : null;
  // a run covers the whole split: on a carve, its figures are those of the carve's images
  const statsOf = (run: ScoringRunSummary | null): RunStats | null => {
    if (!run?.stats || !carve) return run?.stats ?? null;
    const s = flags(run.id);
    const results: ImageResult[] = [];
    for (let k = 0; k < s.index.length; k++) {
      if (carve.has(s.index[k])) results.push({ index: s.index[k], label: s.label[k], steps: s.steps[k], robust: !!s.robust[k], cleanPred: s.cleanPred[k], cleanConf: s.cleanConf[k], foolPred: s.foolPred[k], foolUpper: s.foolUpper[k] });
    }
    return results.length === carve.size ? runStats(results, ds.classNames.length, run.maxSteps, { predictions: 0, elapsedMs: 0 }) : null;
  };
  // a run belongs to a model by content: the same weights imported twice share their runs
  const of = (r: ScoringRunSummary, i: number) => r.modelId === modelIds[i] || r.modelHash === models[i].hash;
  // parameter sets in order of first appearance (newest first), scored by how many models have them
  const keys: string[] = [];
  for (const r of runs) if (models.some((_, i) => of(r, i)) && !keys.includes(paramsKey(r))) keys.push(paramsKey(r));
  const coverage = (key: string) => models.filter((_, i) => runs.some((r) => of(r, i) && paramsKey(r) === key)).length;
  const best = keys.reduce<string | null>((b, k) => (b === null || coverage(k) > coverage(b) ? k : b), null);
  const chosen: (ScoringRunSummary | null)[] = models.map((_, i) => runs.find((r) => of(r, i) && paramsKey(r) === best) ?? runs.find((r) => of(r, i)) ?? null);
  const several = modelIds.length > 1;
  const rows: ComparisonRow[] = models.map((m, i) => {
    const run = chosen[i];
    const stats = statsOf(run);
    const lineage = m.lineage as { curatedSet?: string; curatedSetId?: string; controlFor?: string };
    const known = lineageOf(m);
    const role = roleOf(m);
    return {
      label: role === 'M' ? (several ? 'M' : m.name) : role,
      modelId: m.id,
      runId: run?.id ?? null,
      testAccuracy: stats?.accuracy ?? (split === 'test' ? (m.metrics.testAccuracy ?? null) : null),
      robustRatio: stats?.robustRatio ?? null,
      robustRatioCI95: stats?.robustRatioCI95 ?? null,
      perClassRobustRatio: stats?.perClassRobustRatio ?? [],
      curve: stats?.curve ?? [],
      // the images the weights were fitted on: the validation carve (which only chose them) is not counted
      trainingSet: known
        ? {
            source: lineage.curatedSetId ? `curated set ${lineage.curatedSet ?? lineage.curatedSetId}` : lineage.controlFor ? `random class-balanced control for ${lineage.curatedSet ?? lineage.controlFor}` : `${known.dataset} ${known.split} split${known.heldOut ? ' (held-out carve excluded)' : ''}`,
            count: known.trainCount,
            validation: known.valCount,
            classCounts: trainedClassCounts(app, m, known),
          }
        : { source: 'lineage unknown: the images it trained on are not recorded', count: null, validation: null, classCounts: [] },
    };
  });
  // labels must be unique keys (two M_R rows: M_R, M_R#2)
  const seen = new Map<string, number>();
  for (const row of rows) {
    const n = (seen.get(row.label) ?? 0) + 1;
    seen.set(row.label, n);
    if (n > 1) row.label = `${row.label}#${n}`;
  }
  const mc: Record<string, number> = {};
  const paired = (f: ReturnType<typeof ws.runs.scores>) => (carve ? f.robust.filter((_, k) => carve.has(f.index[k])) : f.robust);
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      const a = chosen[i];
      const b = chosen[j];
      if (!a || !b || paramsKey(a) !== paramsKey(b)) continue;
      const fa = flags(a.id);
      const fb = flags(b.id);
      if (fa.index.length !== fb.index.length || fa.index.some((x, k) => x !== fb.index[k])) continue;
      mc[`${rows[i].label}_vs_${rows[j].label}`] = mcnemar(paired(fa), paired(fb)).p;
    }
  }
  return { ...(warnings.length ? { warnings } : {}), images: target.label, rows, mcnemar: mc };
}

/**
 * The per-class counts of the images a model trained on, its validation carve excluded: the
 * lineage's own counts, else counted from its indices (or its whole split but the held-out
 * carve) minus the validation indices; [] when its dataset is gone.
 */
function trainedClassCounts(app: AppState, m: ModelInfo, l: TrainingLineage): number[] {
  const recorded = (m.lineage as { trainClassCounts?: unknown }).trainClassCounts;
  if (Array.isArray(recorded) && recorded.every((c) => Number.isInteger(c))) return recorded as number[];
  try {
    const ws = app.requireWorkspace();
    const labels = ws.datasets.labels(l.datasetId, l.split);
    const counts = new Array<number>(ws.datasets.get(l.datasetId).classNames.length).fill(0);
    const val = new Set(l.validation.indices);
    const seen = seenTest(l, labels.length);
    for (let i = 0; i < labels.length; i++) if (seen(i) && !val.has(i)) counts[labels[i]]++;
    return counts;
  } catch {
    return [];
  }
}

export function curationHandlers(app: AppState) {
  return {
    'curation.preview': (a: CallArgs<'curation.preview'>) => previewCuration(app, a.runId, a.rules, overridesFor(app, a.runId, a.overrides, a.workspaceOverrides)),
    'curation.save': (a: CallArgs<'curation.save'>) => saveCuratedSet(app, a.runId, a.name, a.rules, overridesFor(app, a.runId, a.overrides, a.workspaceOverrides)),
    'curation.list': (a: CallArgs<'curation.list'>) => (app.workspace ? app.workspace.curated.list(a.datasetId) : []),
    'curation.get': (a: CallArgs<'curation.get'>) => app.requireWorkspace().curated.get(a.setId),
    'curation.export': (a: CallArgs<'curation.export'>): CallResults['curation.export'] => {
      const set = app.requireWorkspace().curated.get(a.setId);
      // a target that cannot be used is refused at the door (409 / 404 / 400), not by a failed job
      checkExportTarget(a.path);
      const { jobId } = app.jobs.launch('export', `Export ${set.name} v${set.version} as ${a.format}`, (ctx) => exportCuratedSet(app, a.setId, a.path, a.format, ctx), { call: 'curation.export', input: a });
      return { jobId };
    },
    'curation.retrain': (a: CallArgs<'curation.retrain'>): CallResults['curation.retrain'] => {
      const set = app.requireWorkspace().curated.get(a.setId);
      const refusal = retrainRefusal(set, app.requireWorkspace().models.get(a.sourceModelId));
      if (refusal) throw new RequestError(refusal);
      checkTrainableRun(app, set.runId);
      // the evaluation's refusal (the source model saw the images M_R would be compared on) before the job starts
      retrainEvaluation(app, set, app.requireWorkspace().models.get(a.sourceModelId));
      const { jobId } = app.jobs.launch('retrain', `Retrain on ${set.name} v${set.version}${a.control ? ' (+ control)' : ''}`, (ctx) => retrain(app, a.setId, a.sourceModelId, a.control, ctx, { budget: a.budget, epochs: a.epochs }), { call: 'curation.retrain', input: a });
      return { jobId };
    },
    'curation.compare': (a: CallArgs<'curation.compare'>) => compareModels(app, a.modelIds, a.datasetId, a.split),
  };
}
