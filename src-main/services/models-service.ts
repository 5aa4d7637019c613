/** Models: train from the zoo, import, evaluate, export. Heavy work runs in engine workers. */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CallArgs, CallResults } from '../contract/calls';
import type { ArchName, EvalResult, ModelInfo } from '../contract/types';
import { InputError } from '../core/errors';
import type { InspectJobResult, TrainJobResult } from '../engine/protocol';
import { newId, nowIso } from '../store/ids';
import type { AppState } from './app-state';
import { checkExportTarget } from './export';
import type { JobContext } from './jobs';
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
}

/** Train a zoo model in an engine worker and register it in the workspace. */
export async function trainModel(app: AppState, req: TrainRequest, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<ModelInfo> {
  const ws = app.requireWorkspace();
  const ds = ws.datasets.get(req.datasetId);
  const trainSplit = req.split ?? 'train';
  const train = splitSource(ws, req.datasetId, trainSplit);
  const hasTest = ds.splits.some((s) => s.name === 'test');
  const id = newId('mdl');
  const outDir = ws.modelDir(id);
  const config = { arch: req.arch, epochs: req.epochs, seed: req.seed, validationShare: req.validationShare, earlyStoppingPatience: req.earlyStoppingPatience, batchSize: 128, optimizer: 'adam' };
  const lineage = { datasetId: ds.id, dataset: ds.name, split: trainSplit, count: req.indices?.length ?? train.count, ...req.lineage };
  const result: TrainJobResult = await app.engine().run(
    {
      kind: 'train',
      ...train,
      indices: req.indices,
      arch: req.arch,
      epochs: req.epochs,
      seed: req.seed,
      validationShare: req.validationShare,
      earlyStoppingPatience: req.earlyStoppingPatience,
      everyNBatches: 10,
      test: hasTest ? splitSource(ws, req.datasetId, 'test') : undefined,
      outDir,
      lineage,
      config,
    },
    { signal: ctx.signal, onProgress: (p) => ctx.progress(p.done, p.total, { unit: p.unit, metrics: p.metrics }) },
  );
  const info: ModelInfo = {
    id,
    name: req.name ?? `${req.arch} seed ${req.seed}${req.indices ? ' (curated)' : ''}`,
    arch: req.arch,
    format: 'layers',
    inputShape: [ds.shape.height, ds.shape.width, ds.shape.channels],
    numClasses: ds.classNames.length,
    inputScale: 'unit',
    datasetId: ds.id,
    config: { ...config, epochsRun: result.epochsRun, cancelled: result.cancelled, stoppedEarly: result.stoppedEarly, elapsedMs: result.elapsedMs, backend: result.backend },
    lineage: { ...lineage, trainCount: result.trainCount, valCount: result.valCount },
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
      app.requireWorkspace().datasets.get(a.datasetId);
      const { jobId } = app.jobs.start('train', `Train ${a.arch} (${a.epochs} epochs, seed ${a.seed})`, async (ctx) => {
        let indices: number[] | undefined;
        let lineage: Record<string, unknown> | undefined;
        let split: string | undefined;
        if (a.curatedSetId) {
          const ws = app.requireWorkspace();
          const set = ws.curated.get(a.curatedSetId);
          if (set.datasetId !== a.datasetId) throw new Error(`curated set ${set.name} v${set.version} belongs to another dataset than ${a.datasetId}`);
          const classes = set.classCounts.filter((c) => c > 0).length;
          if (classes < 2) throw new Error(`curated set ${set.name} v${set.version} holds ${classes} class${classes === 1 ? '' : 'es'}: a classifier needs at least two`);
          indices = ws.curated.members(set.id);
          split = ws.runs.get(set.runId).split;
          lineage = { curatedSetId: set.id, curatedSet: `${set.name} v${set.version}` };
        }
        return trainModel(app, { ...a, split, indices, lineage }, ctx);
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
      const src = splitSource(ws, a.datasetId, a.split);
      const { jobId } = app.jobs.start('eval', `Evaluate ${m.name} on ${a.split}`, async (ctx): Promise<EvalResult> => {
        const r = await app.engine().run(
          { kind: 'eval', modelPath: m.path, inputScale: m.inputScale, ...src },
          { signal: ctx.signal, onProgress: (p) => ctx.progress(p.done, p.total, { unit: p.unit }) },
        );
        return { modelId: m.id, datasetId: a.datasetId, split: a.split, accuracy: r.accuracy, confusion: r.confusion, count: r.count };
      }, { call: 'models.evaluate', input: a });
      return { jobId };
    },

    'models.remove': (a: CallArgs<'models.remove'>) => {
      const removed = app.requireWorkspace().models.remove(a.modelId);
      app.events.emit('models.changed', {});
      return { removed };
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
  if (!existsSync(source)) throw new InputError(source, 'no such file or folder');
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
    lineage: { importedFrom: source },
    hash: inspected.hash,
    createdAt: nowIso(),
    metrics: {},
    path: loaded,
  };
  ws.models.insert(info);
  app.events.emit('models.changed', {});
  return info;
}
