/** Models: train from the zoo, import, evaluate, export. Heavy work runs in engine workers. */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CallArgs, CallResults } from '../contract/calls';
import type { ArchName, EvalResult, ModelInfo } from '../contract/types';
import { createHash } from 'node:crypto';
import { budgetName, DEFAULT_PATIENCE, trainerSettings, type BudgetSpec, type TrainerSettings } from '../core/budget';
import { CancelledError, InputError, RefusedError, RequestError } from '../core/errors';
import { trainRefusal, type HeldOutCarve, type TrainingLineage } from '../core/lineage';
import type { InspectJobResult, TrainJobResult } from '../engine/protocol';
import { newId, nowIso } from '../store/ids';
import type { AppState } from './app-state';
import { checkExportTarget } from './export';
import type { JobContext } from './jobs';
import { carriedLineage, checkEvaluation, checkTrainableRun, evaluationImages, heldOutCarve, lineageOf, portableLineage } from './lineage';
import { registerOnnxModel } from './onnx-models';
import { splitSource } from './sources';

export interface TrainRequest {
  datasetId: string;
  arch: ArchName;
  epochs: number;
  seed: number;
  validationShare: number;
  earlyStoppingPatience: number;
  name?: string;
  /** the split trained on (default 'train'); a curated set's indices point into its run's split */
  split?: string;
  /** train on these indices of the split only (a curated set) */
  indices?: number[];
  lineage?: Record<string, unknown>;
  /** the training budget (default: `epochs` epochs with `earlyStoppingPatience`, today's behaviour) */
  budget?: BudgetSpec;
  /** equal-steps: the gradient updates the reference model took */
  referenceUpdates?: number;
  /** what `indices` are, for the lineage */
  source?: TrainingLineage['source'];
}

/** The identity of a training: same key, same weights (training is seeded and deterministic). */
export function recipeKey(req: TrainRequest, settings: TrainerSettings): string {
  const idx = req.indices ? createHash('sha256').update(Int32Array.from(req.indices)).digest('hex') : null;
  return createHash('sha256')
    .update(JSON.stringify([req.datasetId, req.split ?? 'train', req.arch, req.seed, req.validationShare, settings, idx]))
    .digest('hex');
}

/** A finished model of exactly this recipe in the workspace, or null. */
export function findTrainedModel(app: AppState, key: string): ModelInfo | null {
  return app.requireWorkspace().models.list().find((m) => (m.config as { recipeKey?: string }).recipeKey === key && !(m.config as { cancelled?: boolean }).cancelled) ?? null;
}

function settingsOf(req: TrainRequest): TrainerSettings {
  // no budget given (older callers): exactly the original trainer, random validation carve included
  return req.budget ? trainerSettings(req.budget, req.referenceUpdates) : { epochs: req.epochs, earlyStoppingPatience: req.earlyStoppingPatience, validationMethod: 'random', restoreBest: false };
}

/** A finished model of the same recipe (same key: same weights), or a new training. */
export async function trainOrReuse(app: AppState, req: TrainRequest, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<{ model: ModelInfo; reused: boolean }> {
  const found = findTrainedModel(app, recipeKey(req, settingsOf(req)));
  if (found) return { model: found, reused: true };
  return { model: await trainModel(app, req, ctx), reused: false };
}

/** Train a zoo model in an engine worker and register it in the workspace, with its lineage. */
export async function trainModel(app: AppState, req: TrainRequest, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<ModelInfo> {
  const ws = app.requireWorkspace();
  const ds = ws.datasets.get(req.datasetId);
  const trainSplit = req.split ?? 'train';
  const refusal = trainRefusal(trainSplit, ds.splits.some((s) => s.name === 'train'));
  if (refusal) throw new RefusedError(refusal);
  const train = splitSource(ws, req.datasetId, trainSplit);
  const hasTest = ds.splits.some((s) => s.name === 'test');
  const budget: BudgetSpec = req.budget ?? { kind: 'epochs', epochs: req.epochs, patience: req.earlyStoppingPatience };
  const settings = settingsOf(req);
  // a dataset with a single split keeps a seeded, class-stratified carve of it for evaluation
  const heldOut: HeldOutCarve | null = heldOutCarve(ws, ds, trainSplit);
  let indices = req.indices;
  if (heldOut) {
    const held = new Set(heldOut.indices);
    indices = (indices ?? Array.from({ length: train.count }, (_, i) => i)).filter((i) => !held.has(i));
  }
  const key = recipeKey(req, settings);
  const id = newId('mdl');
  const outDir = ws.modelDir(id);
  const config = { arch: req.arch, epochs: settings.epochs, seed: req.seed, validationShare: req.validationShare, earlyStoppingPatience: settings.earlyStoppingPatience, batchSize: 128, optimizer: 'adam', budget: budgetName(budget), ...(settings.maxUpdates !== undefined ? { maxUpdates: settings.maxUpdates } : {}), recipeKey: key };
  const baseLineage = { ...req.lineage, datasetId: ds.id, dataset: ds.name, split: trainSplit, count: indices?.length ?? train.count };
  const result: TrainJobResult = await app.engine().run(
    {
      kind: 'train',
      ...train,
      indices,
      arch: req.arch,
      epochs: settings.epochs,
      seed: req.seed,
      validationShare: req.validationShare,
      earlyStoppingPatience: settings.earlyStoppingPatience,
      validationMethod: settings.validationMethod,
      restoreBest: settings.restoreBest,
      maxUpdates: settings.maxUpdates,
      everyNBatches: 10,
      test: hasTest ? splitSource(ws, req.datasetId, 'test') : undefined,
      outDir,
      lineage: baseLineage,
      config,
    },
    { signal: ctx.signal, onProgress: (p) => ctx.progress(p.done, p.total, { unit: p.unit, metrics: p.metrics }) },
  );
  if (result.cancelled) {
    // a cancelled training keeps no model: a half-trained one would look like any other in
    // every list, picker and comparison (issue 12, item 2)
    rmSync(result.modelDir, { recursive: true, force: true });
    if (result.modelDir !== outDir) rmSync(outDir, { recursive: true, force: true });
    throw new CancelledError(`training cancelled after ${result.epochsRun} of ${req.epochs} epoch${req.epochs === 1 ? '' : 's'}: the partly trained model was not kept`);
  }
  const lineage: TrainingLineage = {
    version: 1,
    datasetId: ds.id,
    dataset: ds.name,
    split: trainSplit,
    indices: req.indices || heldOut ? (indices ?? null) : null,
    source: req.source ?? (req.indices ? { kind: 'subset', note: 'indices given by the caller' } : { kind: 'split' }),
    validation: { method: settings.validationMethod, share: req.validationShare, seed: req.seed, indices: result.valIndices },
    heldOut,
    trainCount: result.trainCount,
    valCount: result.valCount,
  };
  if (heldOut && !req.indices) lineage.indices = null; // all of the split but the carve
  const labels = ws.datasets.labels(ds.id, trainSplit);
  const val = new Set(result.valIndices);
  const trainClassCounts = new Array<number>(ds.classNames.length).fill(0);
  for (const i of indices ?? Array.from({ length: train.count }, (_, k) => k)) if (!val.has(i)) trainClassCounts[labels[i]]++;
  const info: ModelInfo = {
    id,
    name: req.name ?? `${req.arch} seed ${req.seed}${req.indices ? ' (curated)' : ''}`,
    arch: req.arch,
    format: 'layers',
    inputShape: [ds.shape.height, ds.shape.width, ds.shape.channels],
    numClasses: ds.classNames.length,
    inputScale: 'unit',
    datasetId: ds.id,
    config: { ...config, epochsRun: result.epochsRun, updates: result.updates, cancelled: result.cancelled, stoppedEarly: result.stoppedEarly, elapsedMs: result.elapsedMs, backend: result.backend },
    lineage: { ...baseLineage, ...lineage, trainClassCounts } as unknown as Record<string, unknown>,
    hash: result.hash,
    createdAt: nowIso(),
    metrics: {
      ...(result.testAccuracy !== null ? { testAccuracy: result.testAccuracy } : {}),
      ...(result.valAccuracy !== null ? { valAccuracy: result.valAccuracy } : {}),
    },
    path: result.modelJsonPath,
  };
  ws.models.insert(info);
  app.events.emit('models.changed', {});
  return info;
}

export function modelHandlers(app: AppState) {
  return {
    'models.list': (): CallResults['models.list'] => (app.workspace ? app.workspace.models.list() : []),

    'models.train': (a: CallArgs<'models.train'>): CallResults['models.train'] => {
      const ws0 = app.requireWorkspace();
      ws0.datasets.get(a.datasetId);
      // refusals before the job starts, so every client gets them as a 4xx and a sentence
      if (a.curatedSetId) checkTrainableRun(app, ws0.curated.get(a.curatedSetId).runId);
      let referenceUpdates: number | undefined;
      if (a.budget === 'equal-steps') {
        if (!a.referenceModelId) throw new InputError('budget', 'equal-steps needs the reference model whose gradient updates to match');
        const ref = ws0.models.get(a.referenceModelId);
        referenceUpdates = (ref.config as { updates?: number }).updates;
        if (!referenceUpdates) throw new InputError('budget', `model ${ref.name} has no recorded update count (trained before updates were recorded, or imported): pick another reference`);
      }
      const budget: BudgetSpec = a.budget === 'epochs' ? { kind: 'epochs', epochs: a.epochs, patience: a.earlyStoppingPatience } : { kind: a.budget, epochs: a.epochs, patience: a.earlyStoppingPatience || DEFAULT_PATIENCE };
      const title = a.budget === 'epochs' ? `${a.epochs} epochs` : a.budget === 'converge' ? `converge, ≤ ${a.epochs} epochs` : `${referenceUpdates} updates`;
      const { jobId } = app.jobs.launch('train', `Train ${a.arch} (${title}, seed ${a.seed})`, async (ctx) => {
        let indices: number[] | undefined;
        let lineage: Record<string, unknown> | undefined;
        let split: string | undefined;
        if (a.curatedSetId) {
          const ws = app.requireWorkspace();
          const set = ws.curated.get(a.curatedSetId);
          if (set.datasetId !== a.datasetId) throw new RequestError(`curated set ${set.name} v${set.version} belongs to another dataset than ${a.datasetId}`);
          const classes = set.classCounts.filter((c) => c > 0).length;
          if (classes < 2) throw new RequestError(`curated set ${set.name} v${set.version} holds ${classes} class${classes === 1 ? '' : 'es'}: a classifier needs at least two`);
          indices = ws.curated.members(set.id);
          split = ws.runs.get(set.runId).split;
          lineage = { curatedSetId: set.id, curatedSet: `${set.name} v${set.version}` };
        }
        const source = a.curatedSetId && lineage ? { kind: 'curated' as const, curatedSetId: a.curatedSetId, curatedSet: String(lineage.curatedSet) } : undefined;
        return trainModel(app, { ...a, split, indices, lineage, budget, referenceUpdates, source }, ctx);
      }, { call: 'models.train', input: a });
      return { jobId };
    },

    'models.import': async (a: CallArgs<'models.import'>): Promise<ModelInfo> => importModel(app, a),

    'models.export': (a: CallArgs<'models.export'>) => {
      const m = app.requireWorkspace().models.get(a.modelId);
      const out = checkExportTarget(a.path);
      const src = statSync(m.path).isDirectory() ? m.path : dirname(m.path);
      const tmp = `${out}.tmp-rpr-${process.pid}`;
      try {
        cpSync(src, tmp, { recursive: true });
        writeExportedLineage(tmp, portableLineage(app.requireWorkspace(), m));
        if (existsSync(out)) rmSync(out, { recursive: true });
        renameSync(tmp, out);
      } catch (err) {
        rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
      return { path: out };
    },

    'models.evaluate': (a: CallArgs<'models.evaluate'>): CallResults['models.evaluate'] => {
      const ws = app.requireWorkspace();
      const m = ws.models.get(a.modelId);
      const ds = ws.datasets.get(a.datasetId);
      const src = splitSource(ws, a.datasetId, a.split);
      // a single-split dataset is evaluated on its held-out carve; any overlap with what the model saw is refused
      const target = evaluationImages(ws, ds, [m], a.split);
      const carve = target.indices;
      const check = checkEvaluation(ws, ds, m, a.split, carve);
      const { jobId } = app.jobs.launch('eval', `Evaluate ${m.name} on the ${target.label}`, async (ctx): Promise<EvalResult> => {
        const r = await app.engine().run(
          { kind: 'eval', modelPath: m.path, inputScale: m.inputScale, ...src, ...(carve ? { indices: carve } : {}) },
          { signal: ctx.signal, onProgress: (p) => ctx.progress(p.done, p.total, { unit: p.unit }) },
        );
        return { modelId: m.id, datasetId: a.datasetId, split: a.split, accuracy: r.accuracy, confusion: r.confusion, count: r.count, images: target.label, ...(check.warning ? { warning: check.warning } : {}) };
      }, { call: 'models.evaluate', input: a });
      return { jobId };
    },
  };
}

/** Import a TF.js layers/graph model (or a SavedModel with tfjs-node) into the workspace. */
/**
 * Load and check a model against a dataset (shapes, shards, class count) in an engine worker,
 * without importing it: the caller's thread never loads TF.js.
 */
export async function inspectModel(app: AppState, a: Pick<CallArgs<'models.import'>, 'path' | 'datasetId' | 'inputScale' | 'onnx'>): Promise<InspectJobResult & { source: string }> {
  const ws = app.requireWorkspace();
  const ds = ws.datasets.get(a.datasetId);
  const source = resolve(a.path);
  if (!existsSync(source)) throw new InputError(source, 'no such file or folder', 'not-found');
  // the sanity check evaluates a sample of the test split (else the first split) at import
  const sampleSplit = ds.splits.find((s) => s.name === 'test') ?? ds.splits[0];
  const inspected = await app.engine().run({
    kind: 'inspect',
    modelPath: source,
    inputScale: a.inputScale,
    expect: { shape: ds.shape, numClasses: ds.classNames.length },
    ...(a.onnx ? { onnx: a.onnx } : {}),
    ...(sampleSplit ? { sample: { ...splitSource(ws, ds.id, sampleSplit.name), count: SANITY_SAMPLE, split: sampleSplit.name } } : {}),
  });
  return { ...inspected, source };
}

/** Images evaluated at import to catch a wrong class map, scale or layout. */
export const SANITY_SAMPLE = 500;

export async function importModel(app: AppState, a: CallArgs<'models.import'>): Promise<ModelInfo> {
  return registerModel(app, a, await inspectModel(app, a));
}

/** Copy an inspected model into the workspace and register it. */
export function registerModel(app: AppState, a: Pick<CallArgs<'models.import'>, 'datasetId' | 'name' | 'inputScale' | 'onnx'>, checked: InspectJobResult & { source: string }): ModelInfo {
  if (checked.format === 'onnx') return registerOnnxModel(app, a, checked);
  const ws = app.requireWorkspace();
  const ds = ws.datasets.get(a.datasetId);
  const { source, ...inspected } = checked;
  const id = newId('mdl');
  const dir = ws.modelDir(id);
  const srcDir = statSync(source).isDirectory() ? source : dirname(source);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-rpr-${process.pid}`;
  try {
    cpSync(srcDir, tmp, { recursive: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const loaded = join(dir, statSync(source).isDirectory() ? (inspected.format === 'savedmodel' ? '' : 'model.json') : basename(source));
  // the lineage follows the weights: a workspace model with the same hash, or the file's rpr.json
  const carried = carriedLineage(ws, inspected.hash, readRprJson(dir), ds.id);
  const info: ModelInfo = {
    id,
    name: a.name ?? basename(srcDir),
    arch: 'imported',
    format: inspected.format,
    inputShape: inspected.inputShape as ModelInfo['inputShape'],
    numClasses: inspected.numClasses,
    inputScale: a.inputScale ?? inspected.inputScale,
    datasetId: ds.id,
    config: { importedFrom: source },
    lineage: carried ? { ...carried.lineage, importedFrom: source, lineageFrom: carried.from } : { importedFrom: source },
    hash: inspected.hash,
    createdAt: nowIso(),
    metrics: {},
    path: loaded,
  };
  ws.models.insert(info);
  app.events.emit('models.changed', {});
  return info;
}

/**
 * An imported model of unknown lineage takes the lineage carried by its weights (a workspace
 * model with the same hash, or its folder's rpr.json), when there is one now.
 */
export function adoptLineage(app: AppState, m: ModelInfo): ModelInfo {
  if (lineageOf(m) || m.arch !== 'imported') return m;
  const ws = app.requireWorkspace();
  const carried = carriedLineage(ws, m.hash, m.format === 'savedmodel' ? null : readRprJson(dirname(m.path)), m.datasetId ?? '');
  if (!carried) return m;
  const next: ModelInfo = { ...m, lineage: { ...carried.lineage, importedFrom: (m.lineage as { importedFrom?: string }).importedFrom, lineageFrom: carried.from } };
  ws.models.insert(next);
  app.events.emit('models.changed', {});
  return next;
}

/** rpr.json of a model folder, or null when it has none or it does not parse. */
function readRprJson(dir: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, 'rpr.json'), 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** An exported model folder's rpr.json gets the model's whole lineage (what rpr eval and Import read back). */
function writeExportedLineage(dir: string, lineage: Record<string, unknown> | null): void {
  const meta = readRprJson(dir);
  if (!lineage || !meta || typeof meta !== 'object') return;
  writeFileSync(join(dir, 'rpr.json'), JSON.stringify({ ...meta, lineage }, null, 2));
}
