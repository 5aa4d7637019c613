import { resolve } from 'node:path';
import type { RunStats, SchemeName, SchemeSpec, ScoringRunSummary } from '../../contract/types';
import { schemeSpec } from '../../contract/calls';
import { DEFAULT_MAX_STEPS, numberProblem } from '../../contract/validate';
import { issueText } from '../../contract/messages';
import { InputError } from '../../core/errors';
import { resolveParams } from '../../core/perturb/index';
import { foolingUpperBound, type ImageResult } from '../../core/scheduler';
import type { ScoreRow } from '../../core/scores-csv';
import { runStats } from '../../core/stats/index';
import { ensureCalibrated } from '../../services/calibration';
import { findCompletedRun, prepareRun, runScoring, DEFAULT_SCORE_BATCH } from '../../services/scoring-service';
import { ensureDataset, ensureModel, onnxOptions, parseInputScale, parseOnnxChoices } from '../data';
import { readJson, readScores, writeScoreOutputs, type RunFile, type ScoreJson } from '../score-files';
import { cliServices, engineOptions, followJob, int, jsonOption, parse, requireStr, str, workspaceOption, UsageError, type Command, type CliIo } from '../shared';

export function parseShard(v: string | undefined): [number, number] | null {
  if (v === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--shard must be i/n, got "${v}"`);
  const i = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || i >= n) throw new UsageError(`--shard ${v}: need 0 <= i < n`);
  return n === 1 ? null : [i, n];
}

export function parseScheme(args: { values: Record<string, unknown> }): SchemeSpec {
  const name = (args.values.scheme as string | undefined) ?? 'paper';
  const params: Record<string, number> = {};
  if (args.values.k !== undefined) {
    // the same limit as the forms and the contract: k = 0 perturbs nothing and would call every image robust
    const problem = numberProblem('--k', args.values.k, { min: 1, max: 1e6, integer: true });
    if (problem) throw new UsageError(`${problem} k is the number of pixels each perturbation draws.`);
    params.k = Number(args.values.k);
  }
  for (const p of (args.values.param as string[] | undefined) ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(.+)$/.exec(p);
    if (!m || !Number.isFinite(Number(m[2]))) throw new UsageError(`--param must be name=number, got "${p}"`);
    params[m[1]] = Number(m[2]);
  }
  const parsed = schemeSpec.safeParse({ name, params });
  if (!parsed.success) throw new UsageError(`--scheme ${name}: ${parsed.error.issues.map(issueText).join('; ')}`);
  return parsed.data as SchemeSpec;
}

function summaryLine(s: RunStats, maxSteps: number): string {
  const pct = (x: number) => (100 * x).toFixed(2) + '%';
  return `robust ${pct(s.robustRatio)} [${pct(s.robustRatioCI95[0])}, ${pct(s.robustRatioCI95[1])}] of ${s.n}; clean accuracy ${pct(s.accuracy)}; ${s.predictions} predictions (${(s.predictions / Math.max(1, s.stepsSum + s.n)).toFixed(3)}× the minimum, ${((s.n * (maxSteps + 1)) / Math.max(1, s.predictions)).toFixed(1)}× fewer than the authors' loop); ${(s.elapsedMs / 1000).toFixed(1)} s`;
}

export const scoreCommand: Command = {
  name: 'score',
  summary: 'RPR of every image of a split under a model (resumable: run the same command again)',
  usage: `rpr score --data <dir> --split test|train --model <model.json> [--scheme paper] [--k 28] [--param name=value]... [--max-steps ${DEFAULT_MAX_STEPS}] [--seed S] [--workers N] [--backend B] [--shard i/n] [--batch 1024] [--input-scale unit] [--layout nchw|nhwc|flat] [--input NAME] [--output NAME] [--bgr] [--class-map 0,1,...] [--execution-provider cpu] [--workspace W] [--json file]`,
  options: {
    ...workspaceOption,
    ...jsonOption,
    ...engineOptions,
    data: { type: 'string' },
    split: { type: 'string' },
    model: { type: 'string' },
    scheme: { type: 'string' },
    k: { type: 'string' },
    param: { type: 'string', multiple: true },
    'max-steps': { type: 'string' },
    seed: { type: 'string' },
    shard: { type: 'string' },
    batch: { type: 'string' },
    'input-scale': { type: 'string' },
    ...onnxOptions,
  },
  async run(argv, io) {
    const args = parse(scoreCommand, argv);
    const data = requireStr(args, 'data', scoreCommand);
    const modelPath = requireStr(args, 'model', scoreCommand);
    const split = str(args, 'split') ?? 'test';
    const requested = parseScheme(args);
    const maxSteps = int(args, 'max-steps', DEFAULT_MAX_STEPS, 1, 100000);
    const seed = int(args, 'seed', 0, 0, 2 ** 32 - 1);
    const shard = parseShard(str(args, 'shard'));
    const batch = str(args, 'batch') === undefined ? undefined : int(args, 'batch', DEFAULT_SCORE_BATCH, 1, 65536);
    const services = cliServices(args);
    try {
      const ds = await ensureDataset(services, data, io);
      const model = await ensureModel(services, modelPath, ds.id, parseInputScale(str(args, 'input-scale')), parseOnnxChoices(args), io);
      await ensureCalibrated(services.app, (m) => io.err(m));
      // defaults made explicit, so `--k 28` and the default k of a 28x28 set are the same run
      const scheme: SchemeSpec = { name: requested.name, params: resolveParams(requested, ds.shape) };
      // a finished run of identical parameters (model content and input scale included) is reused, not duplicated
      const finishedBefore = findCompletedRun(services.app, { modelId: model.id, datasetId: ds.id, split, scheme, maxSteps, seed, shard });
      if (finishedBefore) io.err(`reusing finished run ${finishedBefore.id}: identical parameters were already scored (${finishedBefore.count} images)`);
      const run = finishedBefore ?? (await prepareRun(services.app, { modelId: model.id, datasetId: ds.id, split, scheme, maxSteps, seed, shard }));
      const backend = await services.app.backendInfo();
      if (run.done > 0 && run.status !== 'done') io.err(`resuming run ${run.id}: ${run.done}/${run.count} images already scored`);
      if (!finishedBefore) io.err(`scoring ${run.count} images of ${split} (${scheme.name} ${JSON.stringify(scheme.params)}, ${maxSteps} steps, seed ${seed}) on ${backend.name}${backend.executionProvider ? ` (${backend.executionProvider})` : ''} with ${backend.workers} worker(s)${backend.calibration ? ` [calibrated: ${backend.calibration}]` : ''}`);
      const finished =
        run.status === 'done'
          ? run
          : await followJob<ScoringRunSummary>(services, services.app.jobs.start('score', `score ${split}`, (ctx) => runScoring(services.app, run.id, ctx, batch)).jobId, io);
      const stats = finished.stats as RunStats;
      const scored = services.app.requireWorkspace().runs.get(finished.id);
      if (scored.backend !== backend.name) io.err(`scored on ${scored.backend}: ${model.name} has no ONNX graph ONNX Runtime can run (see the model's onnx.json)`);
      io.out(summaryLine(stats, maxSteps));
      const json = str(args, 'json');
      if (json) {
        const cols = services.app.requireWorkspace().runs.scores(finished.id);
        const rows: ScoreRow[] = cols.index.map((index, k) => ({ index, label: cols.label[k], steps: cols.steps[k], robust: cols.robust[k] === 1, cleanPred: cols.cleanPred[k], foolPred: cols.foolPred[k] }));
        const runFile: RunFile = {
          format: 'rpr-run',
          version: 1,
          datasetPath: ds.sourcePath,
          datasetKind: ds.sourceKind,
          split,
          scheme,
          k: scheme.params.k ?? null,
          maxSteps,
          seed,
          modelHash: model.hash,
          modelPath: resolve(modelPath),
          numClasses: ds.classNames.length,
          classNames: ds.classNames,
          backend: scored.backend,
          ...(scored.executionProvider ? { executionProvider: scored.executionProvider } : {}),
          workers: backend.workers,
          shard,
          workspace: services.app.requireWorkspace().path,
          runId: finished.id,
        };
        const out = writeScoreOutputs(json, runFile, rows, stats);
        io.err(`wrote ${json}, ${out.scoresFile} and ${out.runFile}`);
      }
      return 0;
    } finally {
      await services.app.close();
    }
  },
};

export function mergeShards(files: string[]): { run: RunFile; rows: ScoreRow[]; stats: RunStats; workers: number } {
  if (files.length === 0) throw new UsageError('give the shard result JSON files to merge');
  const parts = files.map((f) => {
    const j = readJson<ScoreJson>(resolve(f));
    if (!j.scoresFile) throw new InputError(resolve(f), 'not a result JSON of rpr score (no scoresFile)');
    return { file: resolve(f), json: j, ...readScores(j.scoresFile, j.runFile) };
  });
  const ref = parts[0].run;
  const key = (r: RunFile) => JSON.stringify([r.datasetPath, r.split, r.scheme, r.maxSteps, r.seed, r.modelHash]);
  for (const p of parts) {
    if (key(p.run) !== key(ref)) throw new InputError(p.file, 'was scored with other parameters (dataset, split, scheme, steps, seed or model) than the first shard');
  }
  const shards = parts.map((p) => p.run.shard);
  const n = shards[0]?.[1] ?? 1;
  const seen = new Set(shards.map((s) => s?.[0] ?? 0));
  if (shards.some((s) => (s?.[1] ?? 1) !== n) || seen.size !== n) throw new UsageError(`the shards do not cover 0..${n - 1} of ${n} exactly once (got ${shards.map((s) => (s ? `${s[0]}/${s[1]}` : 'whole')).join(', ')})`);
  const rows = parts.flatMap((p) => p.rows).sort((a, b) => a.index - b.index);
  for (let i = 1; i < rows.length; i++) if (rows[i].index === rows[i - 1].index) throw new UsageError(`image ${ref.split}/${rows[i].index} appears in two shards`);
  const results: ImageResult[] = rows.map((r) => ({ ...r, cleanConf: 0, foolUpper: foolingUpperBound(r.steps, r.robust) }));
  const predictions = parts.reduce((s, p) => s + p.json.predictions, 0);
  const elapsedMs = Math.max(...parts.map((p) => p.json.elapsedMs));
  const stats = runStats(results, ref.numClasses, ref.maxSteps, { predictions, elapsedMs });
  const workers = parts.reduce((s, p) => s + p.json.workers, 0);
  return { run: { ...ref, shard: null, workers, runId: null }, rows, stats, workers };
}

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge the results of `rpr score --shard i/n` runs into the result of a single run',
  usage: 'rpr merge --json <out.json> <shard result JSON>...',
  options: { ...jsonOption },
  async run(argv, io: CliIo) {
    const args = parse(mergeCommand, argv);
    const json = requireStr(args, 'json', mergeCommand);
    const { run, rows, stats } = mergeShards(args.positionals);
    writeScoreOutputs(json, run, rows, stats);
    io.out(summaryLine(stats, run.maxSteps));
    return 0;
  },
};

export type { SchemeName };
