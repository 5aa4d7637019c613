/**
 * Scoring runs: RPR of every image of a split under a model, in engine workers, committed
 * batch by batch so a cancelled or killed run resumes where it stopped and ends with exactly
 * the scores of an uninterrupted run.
 */
import type { CallArgs, CallResults } from '../contract/calls';
import { ConflictError, InputError, NotFoundError, RequestError } from '../core/errors';
import type { FoolingView, ScoringRunSummary, SchemeSpec } from '../contract/types';
import { perturbationAt, resolveParams } from '../core/perturb/index';
import { schemeParamProblems } from '../contract/schemes';
import type { ImageResult } from '../core/scheduler';
import { runStats } from '../core/stats/index';
import type { RunParams, ScoreRow } from '../store/runs';
import type { AppState } from './app-state';
import type { JobContext } from './jobs';
import { runPurpose } from './lineage';
import { ensureCalibrated } from './calibration';
import { splitSource } from './sources';

/** What a caller asks to score: the run's identity without the model hash (looked up here). */
export type ScoreRequest = Omit<RunParams, 'modelHash'>;

export const DEFAULT_SCORE_BATCH = 1024;

function toRow(r: ImageResult): ScoreRow {
  return { index: r.index, label: r.label, steps: r.steps, robust: r.robust ? 1 : 0, cleanPred: r.cleanPred, cleanConf: r.cleanConf, foolPred: r.foolPred, foolUpper: r.foolUpper };
}

/** The run for these parameters: the interrupted one to resume, or a new one. */
export async function prepareRun(app: AppState, req: ScoreRequest): Promise<ScoringRunSummary> {
  const ws = app.requireWorkspace();
  const model = ws.models.get(req.modelId);
  const ds = ws.datasets.get(req.datasetId);
  const split = ds.splits.find((s) => s.name === req.split);
  if (!split) throw new NotFoundError(`dataset ${ds.name} has no split "${req.split}" (it has ${ds.splits.map((s) => s.name).join(', ')})`);
  if (model.numClasses !== ds.classNames.length) {
    throw new RequestError(`model ${model.name} predicts ${model.numClasses} classes but dataset ${ds.name} has ${ds.classNames.length}`);
  }
  // the limits users see in the forms and the CLI, in their words (issue 12)
  const problems = Object.values(schemeParamProblems(req.scheme, ds.shape));
  if (problems.length) throw new InputError(`scheme ${req.scheme.name}`, problems.join(' '), 'invalid');
  // every parameter explicit (defaults resolved for the dataset's shape; bad values refused here)
  const scheme: SchemeSpec = { name: req.scheme.name, params: asRequest(() => resolveParams(req.scheme, ds.shape)) };
  const params = { modelId: model.id, modelHash: model.hash, datasetId: ds.id, split: req.split, scheme, maxSteps: req.maxSteps, seed: req.seed, shard: req.shard ?? null };
  const existing = ws.runs.findResumable(params);
  if (existing) return existing;
  const count = req.shard ? shardIndices(split.count, req.shard).length : split.count;
  const backend = await app.backendInfo();
  return ws.runs.create({ ...params, backend: backend.name, workers: app.engine().size, count });
}

/**
 * The newest complete run of exactly these parameters (same model content, dataset, split,
 * scheme, steps, seed, shard), or null: its scores are what a new run would compute.
 */
export function findCompletedRun(app: AppState, req: ScoreRequest): ScoringRunSummary | null {
  const ws = app.requireWorkspace();
  const model = ws.models.get(req.modelId);
  const scheme: SchemeSpec = { name: req.scheme.name, params: asRequest(() => resolveParams(req.scheme, ws.datasets.get(req.datasetId).shape)) };
  const want = ws.runs.paramsHash({ modelId: model.id, modelHash: model.hash, datasetId: req.datasetId, split: req.split, scheme, maxSteps: req.maxSteps, seed: req.seed, shard: req.shard ?? null });
  return (
    ws.runs
      .list(req.datasetId)
      .find((r) => r.status === 'done' && ws.runs.paramsHash({ modelId: r.modelId, modelHash: r.modelHash, datasetId: r.datasetId, split: r.split, scheme: r.scheme, maxSteps: r.maxSteps, seed: r.seed, shard: r.shard }) === want) ?? null
  );
}

export function shardIndices(count: number, shard: [number, number] | null | undefined): number[] {
  const out: number[] = [];
  const [i, n] = shard ?? [0, 1];
  for (let k = i; k < count; k += n) out.push(k);
  return out;
}

/** Score (or resume) a run to its end. */
export async function runScoring(app: AppState, runId: string, ctx: Pick<JobContext, 'signal' | 'progress'>, batch?: number): Promise<ScoringRunSummary> {
  // ONNX Runtime: calibrate workers × threads × batch at first use (stored in settings.json)
  const cal = await ensureCalibrated(app, (message) => ctx.progress(0, 0, { unit: 'images', message }));
  const batchSize = batch ?? cal?.batch ?? DEFAULT_SCORE_BATCH;
  const ws = app.requireWorkspace();
  const run = ws.runs.get(runId);
  const model = ws.models.get(run.modelId);
  const ds = ws.datasets.get(run.datasetId);
  const src = splitSource(ws, run.datasetId, run.split);
  const labels = ws.datasets.labels(run.datasetId, run.split);
  const shard = run.shard;
  const all = shardIndices(src.count, shard);
  const done = ws.runs.doneIndices(run.id);
  const tasks = all.filter((i) => !done.has(i)).map((index) => ({ index, label: labels[index] }));
  let doneCount = done.size;
  let predictionsPerSec = 0;
  let predictionsSoFar = 0;
  let doneCost = 0;
  // ETA from predictions: every image still to finish may need up to maxSteps + 1 predictions, less
  // what the images in flight already used (an upper bound that tightens as the run goes)
  const eta = (): number | null => {
    if (!(predictionsPerSec > 0)) return null;
    const inFlight = Math.max(0, predictionsSoFar - doneCost);
    const left = Math.max(0, (all.length - doneCount) * (run.maxSteps + 1) - inFlight);
    return Math.round((left / predictionsPerSec) * 1000);
  };
  const started = Date.now();
  ws.runs.setStatus(run.id, 'running');
  app.events.emit('scoring.changed', { runId: run.id });
  let predictions = 0;
  try {
    if (tasks.length > 0) {
      const r = await app.engine().runScore(
        { kind: 'score', modelPath: model.path, inputScale: model.inputScale, pixelsPath: src.pixelsPath, shape: src.shape, split: run.split, tasks, scheme: run.scheme, seed: run.seed, maxSteps: run.maxSteps, batchSize, streamOnly: true },
        {
          signal: ctx.signal,
          onPartial: (results) => {
            doneCount += results.length;
            for (const r of results) doneCost += r.steps + 1;
            ws.runs.commitScores(run.id, results.map(toRow), doneCount);
            // the run's row first, then the job bar: a table never trails the bar (issue 12, item 5)
            app.events.emit('scoring.changed', { runId: run.id, done: doneCount, count: all.length });
            ctx.progress(doneCount, all.length, { unit: 'images', metrics: { predictionsPerSec }, etaMs: eta() });
          },
          onProgress: (p) => {
            predictionsPerSec = p.rate;
            predictionsSoFar = p.metrics?.predictions ?? predictionsSoFar;
            ctx.progress(doneCount, all.length, { unit: 'images', metrics: { predictionsPerSec, predictions: predictionsSoFar }, etaMs: eta() });
          },
        },
      );
      predictions = r.predictions;
      // the record names the backend that actually scored (a TF.js model ONNX Runtime cannot run stays on TF.js)
      ws.runs.setBackend(run.id, r.backend, r.executionProvider ?? null);
      if (r.fallback) ctx.progress(doneCount, all.length, { unit: 'images', metrics: { predictionsPerSec }, etaMs: eta(), message: r.fallback });
    }
  } catch (err) {
    // a run the user cancelled says so (issue 12, item 5); it resumes like any unfinished run
    ws.runs.setStatus(run.id, ctx.signal.aborted ? 'cancelled' : 'failed');
    app.events.emit('scoring.changed', { runId: run.id });
    throw err;
  }
  const cols = ws.runs.scores(run.id);
  const results: ImageResult[] = cols.index.map((index, k) => ({
    index,
    label: cols.label[k],
    steps: cols.steps[k],
    robust: cols.robust[k] === 1,
    cleanPred: cols.cleanPred[k],
    cleanConf: cols.cleanConf[k],
    foolPred: cols.foolPred[k],
    foolUpper: cols.foolUpper[k],
  }));
  // images scored in an earlier session of a resumed run count with their minimum cost
  const earlier = results.filter((r) => done.has(r.index)).reduce((s, r) => s + 1 + r.steps, 0);
  const stats = runStats(results, ds.classNames.length, run.maxSteps, { predictions: predictions + earlier, elapsedMs: Date.now() - started });
  const finished = ws.runs.finish(run.id, stats);
  app.events.emit('scoring.changed', { runId: run.id });
  return finished;
}

export function scoringHandlers(app: AppState) {
  // one job per run: starting or resuming a run that is being scored returns its job
  const active = new Map<string, string>();
  const startJob = (run: ScoringRunSummary, batch?: number): string => {
    const running = active.get(run.id);
    if (running && app.jobs.list().some((j) => j.id === running && j.status === 'running')) return running;
    supersedeInterrupted(app, run.id);
    const { jobId, done } = app.jobs.launch('score', scoreJobTitle(app, run), (ctx) => runScoring(app, run.id, ctx, batch), { call: 'scoring.resume', input: { runId: run.id } });
    active.set(run.id, jobId);
    done.then(
      () => active.delete(run.id),
      () => active.delete(run.id),
    );
    return jobId;
  };

  return {
    'scoring.start': async (a: CallArgs<'scoring.start'>): Promise<CallResults['scoring.start']> => {
      const run = await prepareRun(app, a);
      return { jobId: startJob(run), runId: run.id };
    },
    'scoring.resume': (a: CallArgs<'scoring.resume'>): CallResults['scoring.resume'] => {
      const run = app.requireWorkspace().runs.get(a.runId);
      if (run.status === 'done') throw new ConflictError(`run ${run.id} is already complete`);
      return { jobId: startJob(run, a.batchSize), runId: run.id };
    },
    'scoring.list': (a: CallArgs<'scoring.list'>) => (app.workspace ? app.workspace.runs.list(a.datasetId).map((r) => ({ ...r, purpose: runPurpose(app, r) })) : []),
    'scoring.get': (a: CallArgs<'scoring.get'>) => {
      const r = app.requireWorkspace().runs.get(a.runId);
      return { ...r, purpose: runPurpose(app, r) };
    },
    'scoring.scores': (a: CallArgs<'scoring.scores'>) => app.requireWorkspace().runs.scoreArrays(a.runId),
    'scoring.fooling': (a: CallArgs<'scoring.fooling'>): FoolingView => foolingView(app, a.runId, a.index),
    'scoring.preview': (a: CallArgs<'scoring.preview'>): CallResults['scoring.preview'] => {
      // one image read from its offset (the store checks the index), never the whole split
      const { pixels: original, shape } = app.requireWorkspace().datasets.image(a.datasetId, a.split, a.index);
      const perturbed = asRequest(() => a.steps.map((step) => perturbationAt(a.scheme, original, shape, { seed: a.seed, split: a.split, index: a.index, step }).image));
      return { original, perturbed, shape };
    },
  };
}

/**
 * A job a dead process left scoring this run is superseded by the job that scores it now (the
 * CLI resuming a run it was killed in): it is no longer offered for resume.
 */
function supersedeInterrupted(app: AppState, runId: string): void {
  const ws = app.requireWorkspace();
  for (const j of ws.jobs.interrupted()) {
    const resume = (j.params as { resume?: { call?: unknown; input?: { runId?: unknown } } } | null)?.resume;
    if (resume?.call === 'scoring.resume' && resume.input?.runId === runId) ws.jobs.remove(j.id);
  }
}

/** A scheme's parameters come from the request: a value the scheme refuses is an invalid request (400), not unreadable data. */
function asRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError && err.kind === 'unreadable') throw new InputError(err.file, err.problem, 'invalid');
    throw err;
  }
}

/** "Score <model> on <dataset>/<split> (<scheme>, <steps> steps, seed <seed>)": the job names what it scores */
function scoreJobTitle(app: AppState, run: ScoringRunSummary): string {
  const ws = app.requireWorkspace();
  const name = (get: () => { name: string }, id: string): string => {
    try {
      return get().name;
    } catch {
      return id;
    }
  };
  const model = name(() => ws.models.get(run.modelId), run.modelId);
  const dataset = name(() => ws.datasets.get(run.datasetId), run.datasetId);
  return `Score ${model} on ${dataset}/${run.split} (${run.scheme.name}, ${run.maxSteps} steps, seed ${run.seed})`;
}

/** The original beside its first fooling perturbation, regenerated from (seed, split, index, step). */
export function foolingView(app: AppState, runId: string, index: number): FoolingView {
  const ws = app.requireWorkspace();
  const run = ws.runs.get(runId);
  // one score row and one image: this runs on every click in the detail panel
  const score = ws.runs.scoreOf(runId, index);
  if (!score) throw new ConflictError(`image ${run.split}/${index} has no score in run ${runId} yet`);
  const { pixels: original, shape } = ws.datasets.image(run.datasetId, run.split, index);
  const step = score.steps;
  const fooled = score.foolPred >= 0 && step >= 1;
  const p = fooled ? perturbationAt(run.scheme, original, shape, { seed: run.seed, split: run.split, index, step }) : null;
  return {
    id: `${run.split}/${index}`,
    step,
    original,
    perturbed: p?.image ?? null,
    changedPixels: p?.changed ?? 0,
    cleanPred: score.cleanPred,
    foolPred: fooled ? score.foolPred : null,
    foolUpper: score.foolUpper,
    shape,
  };
}
