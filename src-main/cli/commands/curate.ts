import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Comparison, CurationRules, ExportFormat, OverrideMode } from '../../contract/types';
import { curate } from '../../core/curation';
import type { ImportedDataset } from '../../core/dataset';
import { InputError } from '../../core/errors';
import { scoreRowsToColumns } from '../../core/scores-csv';
import { checkTrainableRun } from '../../services/lineage';
import { checkCurationUsable, compareModels, retrain, saveCuratedSet, type RetrainResult } from '../../services/curation-service';
import { exportImages } from '../../services/export';
import { importDataset } from '../../services/importers/index';
import { readScores } from '../score-files';
import { cliServices, followJob, int, jsonOption, parse, requireStr, str, engineOptions, workspaceOption, writeJsonFile, UsageError, type Command, type ParsedArgs } from '../shared';

const FORMATS: ExportFormat[] = ['idx', 'imagefolder', 'csv', 'jsonl'];

const curationOptions = {
  scores: { type: 'string' as const },
  'min-steps': { type: 'string' as const },
  'per-class': { type: 'string' as const },
  equalize: { type: 'boolean' as const },
  'keep-misclassified': { type: 'boolean' as const },
  seed: { type: 'string' as const },
  include: { type: 'string' as const, multiple: true },
  exclude: { type: 'string' as const, multiple: true },
};

export function rulesFrom(args: ParsedArgs): CurationRules {
  const perClass = str(args, 'per-class');
  if (perClass !== undefined && args.values.equalize) throw new UsageError('use --per-class N or --equalize, not both');
  const minSteps = str(args, 'min-steps') === undefined ? null : int(args, 'min-steps', 0, 0, 1_000_000);
  return {
    minSteps,
    balance: perClass !== undefined ? { mode: 'per-class', n: int(args, 'per-class', 1, 1, 10_000_000) } : args.values.equalize ? { mode: 'equalize' } : { mode: 'all' },
    seed: int(args, 'seed', 0, 0, 2 ** 32 - 1),
    ...(args.values['keep-misclassified'] ? { keepMisclassified: true } : {}),
  };
}

/** --include 3,17,100-120 --exclude 5 */
export function overridesFrom(args: ParsedArgs): { index: number; mode: OverrideMode }[] {
  const out: { index: number; mode: OverrideMode }[] = [];
  for (const mode of ['include', 'exclude'] as const) {
    for (const spec of (args.values[mode] as string[] | undefined) ?? []) {
      for (const part of spec.split(',')) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
        if (!m) throw new UsageError(`--${mode} takes indices and ranges like 3,17,100-120; got "${part}"`);
        const a = Number(m[1]);
        const b = m[2] === undefined ? a : Number(m[2]);
        if (b < a) throw new UsageError(`--${mode} range ${part} runs backwards`);
        for (let i = a; i <= b; i++) out.push({ index: i, mode });
      }
    }
  }
  return out;
}

export const curateCommand: Command = {
  name: 'curate',
  summary: 'keep the robust images of a scored split, balance the classes, and export the set',
  usage: 'rpr curate --scores <scores CSV from rpr score> [--min-steps T] [--keep-misclassified] [--per-class N | --equalize] [--seed S] [--include 3,10-20] [--exclude 7] --out <dir> --format idx|imagefolder|csv|jsonl [--json file]',
  options: { ...curationOptions, ...jsonOption, out: { type: 'string' }, format: { type: 'string' }, workspace: { type: 'string', short: 'w' } },
  async run(argv, io) {
    const args = parse(curateCommand, argv);
    const scoresPath = requireStr(args, 'scores', curateCommand);
    const out = requireStr(args, 'out', curateCommand);
    const format = (str(args, 'format') ?? 'idx') as ExportFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    const rules = rulesFrom(args);
    const overrides = overridesFrom(args);
    const { run, rows } = readScores(scoresPath);
    if (!existsSync(run.datasetPath)) throw new InputError(run.datasetPath, 'the dataset named in run.json is not there any more');
    const ds: ImportedDataset = await importDataset(run.datasetPath, {});
    const split = ds.splits.find((s) => s.name === run.split);
    if (!split) throw new InputError(run.datasetPath, `has no split "${run.split}"`);
    for (const r of rows) {
      if (r.index >= split.images.count || split.labels[r.index] !== r.label) throw new InputError(resolve(scoresPath), `image ${run.split}/${r.index} does not match the dataset (${run.datasetPath}): was it scored on another dataset?`);
    }
    const preview = curate(scoreRowsToColumns(rows), rules, overrides, ds.classNames.length);
    for (const s of preview.short) io.err(`class ${ds.classNames[s.classId]} cannot reach ${rules.balance.mode === 'per-class' ? rules.balance.n : 'the target'}: it has ${s.available}`);
    if (rules.balance.mode === 'equalize' && preview.kept && preview.target) {
      const target = preview.target;
      const dropped = preview.kept.reduce((sum, k) => sum + Math.max(0, k - target), 0);
      const limiting = preview.kept.flatMap((k, c) => (k === target ? [ds.classNames[c]] : []));
      if (dropped > 0) io.err(`equalized to ${target} per class, set by class ${limiting.join(', ')}: balancing leaves out ${dropped} of the ${preview.kept.reduce((a, b) => a + b, 0)} kept images`);
    }
    checkCurationUsable(preview, rules);
    const byIndex = new Map(rows.map((r) => [r.index, r]));
    const test = run.split !== 'test' ? ds.splits.find((s) => s.name === 'test') : undefined;
    const started = Date.now();
    const result = await exportImages({
      outDir: out,
      format,
      shape: ds.shape,
      classNames: ds.classNames,
      split: run.split,
      images: split.images,
      items: preview.members.map((index) => {
        const r = byIndex.get(index);
        return { index, label: split.labels[index], steps: r?.steps, robust: r ? (r.robust ? 1 : 0) : undefined };
      }),
      testSplit: format === 'idx' && test ? { images: test.images, labels: test.labels } : undefined,
      meta: { scheme: run.scheme, k: run.k ?? undefined, maxSteps: run.maxSteps, seed: run.seed, modelHash: run.modelHash },
    });
    io.out(`curated ${preview.total} of ${rows.length} images (${preview.after.join(' ')} per class) → ${result.path} (${format}, ${((Date.now() - started) / 1000).toFixed(2)} s)`);
    const json = str(args, 'json');
    if (json) writeJsonFile(json, { ...preview, members: undefined, path: result.path, format, rules, overrides: overrides.length });
    return 0;
  },
};

export const retrainCommand: Command = {
  name: 'retrain',
  summary: 'curate a scored training split, retrain the source model recipe on it (M_R) and on a random control (M_C), score and compare',
  usage: 'rpr retrain --scores <scores CSV of the train split> --model-id <id> | --model <model.json> [--min-steps T] [--keep-misclassified] [--per-class N | --equalize] [--seed S] [--no-control] [--name N] [--workspace W] [--json file]',
  options: { ...curationOptions, ...jsonOption, ...engineOptions, ...workspaceOption, 'model-id': { type: 'string' }, model: { type: 'string' }, 'no-control': { type: 'boolean' }, name: { type: 'string' } },
  async run(argv, io) {
    const args = parse(retrainCommand, argv);
    const { run } = readScores(requireStr(args, 'scores', retrainCommand));
    if (!run.runId || !run.workspace) throw new UsageError('these scores name no workspace run: score with `rpr score --json` first');
    if (!str(args, 'workspace')) args.values.workspace = run.workspace;
    const services = cliServices(args);
    try {
      const ws = services.app.requireWorkspace();
      checkTrainableRun(services.app, run.runId); // a run of the evaluation split is never retrained on
      let sourceId = str(args, 'model-id');
      if (!sourceId) {
        const path = str(args, 'model') ? resolve(str(args, 'model') as string) : run.modelPath;
        const candidates = ws.models.list().filter((m) => m.hash === run.modelHash && m.arch !== 'imported');
        sourceId = candidates[0]?.id;
        if (!sourceId) throw new UsageError(`no zoo-trained model with hash ${run.modelHash} in ${ws.path} (${path ?? ''}): retrain needs the recipe of a model trained by rpr train`);
      }
      const set = saveCuratedSet(services.app, run.runId, str(args, 'name') ?? 'curated', rulesFrom(args), overridesFrom(args));
      io.err(`curated set ${set.name} v${set.version}: ${set.total} images (${set.classCounts.join(' ')})`);
      const source = sourceId;
      const job = services.app.jobs.start('retrain', 'retrain', (ctx) => retrain(services.app, set.id, source, !args.values['no-control'], ctx));
      const r = await followJob<RetrainResult>(services, job.jobId, io);
      const ids = [source, r.mr.id, ...(r.mc ? [r.mc.id] : [])];
      const cmp: Comparison = compareModels(services.app, ids, set.datasetId, 'test');
      for (const row of cmp.rows) io.out(`${row.label.padEnd(4)} test accuracy ${fmt(row.testAccuracy)}  robust ${fmt(row.robustRatio)} [${fmt(row.robustRatioCI95?.[0] ?? null)}, ${fmt(row.robustRatioCI95?.[1] ?? null)}]  trained on ${row.trainingSet.count}`);
      for (const [pair, p] of Object.entries(cmp.mcnemar)) io.out(`McNemar ${pair}: p = ${p.toPrecision(3)}`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, { set, ...cmp });
      return 0;
    } finally {
      await services.app.close();
    }
  },
};

function fmt(x: number | null): string {
  return x === null ? 'n/a' : (100 * x).toFixed(2) + '%';
}
