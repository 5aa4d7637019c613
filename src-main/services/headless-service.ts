/**
 * The calls a headless client needs beyond the app's (the `rpr` command, issue 13): importing a
 * model file once, calibrating up front, preparing a run without starting it, the files
 * `rpr score` writes and `rpr merge` joins, curating a scores file, and retraining from a run.
 * The CLI parses arguments and prints; everything it does goes through these and the app's calls.
 */
import { resolve } from 'node:path';
import type { CallArgs, CallResults } from '../contract/calls';
import type { EnsuredModel, RunFile } from '../contract/headless';
import type { ModelInfo } from '../contract/types';
import { ConflictError, RequestError } from '../core/errors';
import type { ScoreRow } from '../core/scores-csv';
import type { AppState } from './app-state';
import { describeCalibration, ensureCalibrated } from './calibration';
import { checkTrainableRun } from './lineage';
import { adoptLineage, inspectModel, registerModel } from './models-service';
import { saveCuratedSet } from './curation-service';
import { findCompletedRun, prepareRun } from './scoring-service';
import { mergeShards, readScores, writeScoreOutputs } from './score-files';
import { curateScoresFile, datasetMemo } from './scores-curation';

type OnnxChoices = NonNullable<CallArgs<'models.import'>['onnx']>;

/** `dispatch` starts the app's own jobs (curation.retrain), validated like any call. */
export function headlessHandlers(app: AppState, dispatch: (name: string, input: unknown) => Promise<unknown>) {
  const memo = datasetMemo();
  return {
    'system.calibrate': async (): Promise<CallResults['system.calibrate']> => {
      const messages: string[] = [];
      const cal = await ensureCalibrated(app, (m) => messages.push(m));
      return { calibration: cal ? describeCalibration(cal) : null, messages };
    },

    'models.ensureImported': (a: CallArgs<'models.ensureImported'>) => ensureImported(app, a),

    'scoring.prepare': async (a: CallArgs<'scoring.prepare'>): Promise<CallResults['scoring.prepare']> => {
      const req = { modelId: a.modelId, datasetId: a.datasetId, split: a.split, scheme: a.scheme, maxSteps: a.maxSteps, seed: a.seed, shard: a.shard };
      // a finished run of identical parameters (model content and input scale included) is reused, not duplicated
      const finished = a.reuseFinished ? findCompletedRun(app, req) : null;
      if (finished) return { run: finished, reused: true };
      return { run: await prepareRun(app, req), reused: false };
    },

    'scoring.writeFiles': async (a: CallArgs<'scoring.writeFiles'>): Promise<CallResults['scoring.writeFiles']> => {
      const ws = app.requireWorkspace();
      const run = ws.runs.get(a.runId);
      if (run.status !== 'done' || !run.stats) throw new ConflictError(`scoring run ${run.id} is not complete (${run.done}/${run.count} images scored): finish or resume it first`);
      const ds = ws.datasets.get(run.datasetId);
      const model = ws.models.get(run.modelId);
      const backend = await app.backendInfo();
      // typed columns read row by row, and rows made one at a time as the CSV is written
      const cols = ws.runs.scoreArrays(run.id);
      const rows = {
        length: cols.index.length,
        row: (k: number): ScoreRow => ({ index: cols.index[k], label: cols.label[k], steps: cols.steps[k], robust: cols.robust[k] === 1, cleanPred: cols.cleanPred[k], foolPred: cols.foolPred[k] }),
      };
      const runFile: RunFile = {
        format: 'rpr-run',
        version: 1,
        datasetPath: ds.sourcePath,
        datasetKind: ds.sourceKind,
        split: run.split,
        scheme: run.scheme,
        k: run.scheme.params.k ?? null,
        maxSteps: run.maxSteps,
        seed: run.seed,
        modelHash: model.hash,
        modelPath: a.modelPath ?? null,
        numClasses: ds.classNames.length,
        classNames: ds.classNames,
        backend: run.backend,
        ...(run.executionProvider ? { executionProvider: run.executionProvider } : {}),
        workers: backend.workers,
        shard: run.shard,
        workspace: ws.path,
        runId: run.id,
      };
      const out = writeScoreOutputs(a.path, runFile, rows, run.stats);
      return { json: resolve(a.path), scoresFile: out.scoresFile, runFile: out.runFile, stats: run.stats, maxSteps: run.maxSteps };
    },

    'scoring.readScores': (a: CallArgs<'scoring.readScores'>): CallResults['scoring.readScores'] => {
      const { run, rows } = readScores(a.scores);
      return { run, rows: rows.length };
    },

    'scoring.merge': (a: CallArgs<'scoring.merge'>): CallResults['scoring.merge'] => {
      const { run, rows, stats } = mergeShards(a.files);
      const out = writeScoreOutputs(a.path, run, rows, stats);
      return { json: resolve(a.path), scoresFile: out.scoresFile, runFile: out.runFile, stats, maxSteps: run.maxSteps };
    },

    'curation.exportScores': (a: CallArgs<'curation.exportScores'>) => curateScoresFile(a, memo),

    'curation.retrainFromRun': async (a: CallArgs<'curation.retrainFromRun'>): Promise<CallResults['curation.retrainFromRun']> => {
      const ws = app.requireWorkspace();
      // a run of the evaluation split is never retrained on: refused before anything is saved
      checkTrainableRun(app, a.runId);
      const run = ws.runs.get(a.runId);
      const sourceModelId = a.sourceModelId ?? ws.models.list().find((m) => m.hash === run.modelHash && m.arch !== 'imported')?.id;
      if (!sourceModelId) throw new RequestError(`no zoo-trained model with hash ${run.modelHash} in ${ws.path} (${a.modelPath ?? ''}): retrain needs the recipe of a model trained by rpr train`);
      const set = saveCuratedSet(app, a.runId, a.name, a.rules, a.overrides);
      const { jobId } = (await dispatch('curation.retrain', { setId: set.id, sourceModelId, control: a.control })) as CallResults['curation.retrain'];
      return { set, jobId, sourceModelId };
    },
  };
}

/** Import a model file for a dataset, unless the same file was imported with the same settings (then that model). */
async function ensureImported(app: AppState, a: CallArgs<'models.ensureImported'>): Promise<EnsuredModel> {
  const path = resolve(a.path);
  const { inputScale, onnx } = a;
  // inspect first (a worker computes the hash and checks the fit); copy files only for a new model
  const checked = await inspectModel(app, { path, datasetId: a.datasetId, inputScale, ...(onnx ? { onnx } : {}) });
  const found = { onnxSummary: checked.onnx?.summary ?? null, sanity: checked.sanity ?? null };
  const sameOnnx = (m: ModelInfo): boolean => m.format !== 'onnx' || onnx === undefined || JSON.stringify(pickChoices((m.config as { onnx?: OnnxChoices }).onnx)) === JSON.stringify(pickChoices({ ...checked.onnx, ...onnx }));
  const again = app
    .requireWorkspace()
    .models.list()
    .find((m) => (m.config as { importedFrom?: string }).importedFrom === path && m.datasetId === a.datasetId && m.hash === checked.hash && (inputScale === undefined || JSON.stringify(m.inputScale) === JSON.stringify(inputScale)) && sameOnnx(m));
  // an earlier import that knew no lineage takes the one it would get today
  if (again) return { model: adoptLineage(app, again), reused: true, ...found };
  const model = registerModel(app, { datasetId: a.datasetId, inputScale, ...(onnx ? { onnx } : {}), ...(a.name ? { name: a.name } : {}) }, checked);
  return { model, reused: false, ...found };
}

function pickChoices(o: OnnxChoices | undefined): unknown {
  return o ? [o.inputName, o.outputName, o.layout, o.bgr ?? false, o.classMap ?? null] : null;
}
