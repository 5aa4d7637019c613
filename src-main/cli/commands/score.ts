import { resolve } from 'node:path';
import type { RunStats, SchemeName, SchemeSpec } from '../../contract/types';
import { schemeSpec } from '../../contract/calls';
import { DEFAULT_MAX_STEPS, numberProblem } from '../../contract/validate';
import { issueText } from '../../contract/messages';
import { ensureDataset, ensureModel, onnxOptions, parseInputScale, parseOnnxChoices } from '../data';
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
    const batch = str(args, 'batch') === undefined ? undefined : int(args, 'batch', 1, 1, 65536);
    const services = await cliServices(args);
    try {
      const ds = await ensureDataset(services, data, io);
      const { model } = await ensureModel(services, modelPath, ds.id, parseInputScale(str(args, 'input-scale')), parseOnnxChoices(args), io);
      for (const m of (await services.call('system.calibrate', {})).messages) io.err(m);
      // the service makes the defaults explicit (`--k 28` and the default k of a 28x28 set are the same run), and
      // reuses a finished run of identical parameters (model content and input scale included) instead of duplicating it
      const { run, reused } = await services.call('scoring.prepare', { modelId: model.id, datasetId: ds.id, split, scheme: requested, maxSteps, seed, shard, reuseFinished: true });
      if (reused) io.err(`reusing finished run ${run.id}: identical parameters were already scored (${run.count} images)`);
      const { backend } = await services.call('system.info', {});
      if (run.done > 0 && run.status !== 'done') io.err(`resuming run ${run.id}: ${run.done}/${run.count} images already scored`);
      if (!reused) io.err(`scoring ${run.count} images of ${split} (${run.scheme.name} ${JSON.stringify(run.scheme.params)}, ${maxSteps} steps, seed ${seed}) on ${backend.name}${backend.executionProvider ? ` (${backend.executionProvider})` : ''} with ${backend.workers} worker(s)${backend.calibration ? ` [calibrated: ${backend.calibration}]` : ''}`);
      if (run.status !== 'done') await followJob(services, 'score', (await services.call('scoring.resume', { runId: run.id, ...(batch ? { batchSize: batch } : {}) })).jobId, io);
      // the record names the backend that actually scored (a TF.js model ONNX Runtime cannot run stays on TF.js)
      const scored = await services.call('scoring.get', { runId: run.id });
      if (scored.backend !== backend.name) io.err(`scored on ${scored.backend}: ${model.name} has no ONNX graph ONNX Runtime can run (see the model's onnx.json)`);
      if (!scored.stats) throw new Error(`run ${scored.id} ended without statistics`);
      io.out(summaryLine(scored.stats, maxSteps));
      const json = str(args, 'json');
      if (json) {
        const out = await services.call('scoring.writeFiles', { runId: run.id, path: resolve(json), modelPath: resolve(modelPath) });
        io.err(`wrote ${json}, ${out.scoresFile} and ${out.runFile}`);
      }
      return 0;
    } finally {
      await services.close();
    }
  },
};

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge the results of `rpr score --shard i/n` runs into the result of a single run',
  usage: 'rpr merge --json <out.json> <shard result JSON>...',
  options: { ...jsonOption },
  async run(argv, io: CliIo) {
    const args = parse(mergeCommand, argv);
    const json = requireStr(args, 'json', mergeCommand);
    if (args.positionals.length === 0) throw new UsageError('give the shard result JSON files to merge');
    // no workspace: merging reads and writes files only
    const services = await cliServices(args, { workspace: false });
    try {
      const merged = await services.call('scoring.merge', { files: args.positionals.map((f) => resolve(f)), path: resolve(json) });
      io.out(summaryLine(merged.stats, merged.maxSteps));
      return 0;
    } finally {
      await services.close();
    }
  },
};

export type { SchemeName };
