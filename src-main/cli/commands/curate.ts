import { resolve } from 'node:path';
import type { CurationRules, ExportFormat, OverrideMode } from '../../contract/types';
import { pClause } from '../../contract/quantities';
import { cliServices, followJob, openWorkspace, int, jsonOption, parse, requireStr, str, engineOptions, workspaceOption, writeJsonFile, UsageError, type Command, type ParsedArgs } from '../shared';

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
    // no workspace: the scores file and the run.json beside it name the dataset, read from where it is
    const services = await cliServices(args, { workspace: false });
    try {
      const input = { scores: resolve(scoresPath), rules, overrides, path: resolve(out), format };
      // what the rules cost, said before the export (and before a refusal of rules that keep too little)
      const { preview, classNames } = await services.call('curation.exportScores', { ...input, dryRun: true });
      for (const s of preview.short) io.err(`class ${classNames[s.classId]} cannot reach ${rules.balance.mode === 'per-class' ? rules.balance.n : 'the target'}: it has ${s.available}`);
      if (rules.balance.mode === 'equalize' && preview.kept && preview.target) {
        const target = preview.target;
        const dropped = preview.kept.reduce((sum, k) => sum + Math.max(0, k - target), 0);
        const limiting = preview.kept.flatMap((k, c) => (k === target ? [classNames[c]] : []));
        if (dropped > 0) io.err(`equalized to ${target} per class, set by class ${limiting.join(', ')}: balancing leaves out ${dropped} of the ${preview.kept.reduce((a, b) => a + b, 0)} kept images`);
      }
      const done = await services.call('curation.exportScores', input);
      io.out(`curated ${done.preview.total} of ${done.rows} images (${done.preview.after.join(' ')} per class) → ${done.path} (${format}, ${(done.elapsedMs / 1000).toFixed(2)} s)`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, { ...done.preview, path: done.path, format, rules, overrides: overrides.length });
      return 0;
    } finally {
      await services.close();
    }
  },
};

export const retrainCommand: Command = {
  name: 'retrain',
  summary: 'curate a scored training split, retrain the source model recipe on it (M_R) and on a random control (M_C), score and compare',
  usage: 'rpr retrain --scores <scores CSV of the train split> --model-id <id> | --model <model.json> [--min-steps T] [--keep-misclassified] [--per-class N | --equalize] [--seed S] [--no-control] [--name N] [--workspace W] [--json file]',
  options: { ...curationOptions, ...jsonOption, ...engineOptions, ...workspaceOption, 'model-id': { type: 'string' }, model: { type: 'string' }, 'no-control': { type: 'boolean' }, name: { type: 'string' } },
  async run(argv, io) {
    const args = parse(retrainCommand, argv);
    const scores = resolve(requireStr(args, 'scores', retrainCommand));
    const services = await cliServices(args, { workspace: false });
    try {
      const { run } = await services.call('scoring.readScores', { scores });
      if (!run.runId || !run.workspace) throw new UsageError('these scores name no workspace run: score with `rpr score --json` first');
      // the workspace the scores came from, unless --workspace names another
      await openWorkspace(services, str(args, 'workspace') ?? run.workspace);
      // refused before anything is saved when the run is of the evaluation split (never retrained on)
      const modelPath = str(args, 'model') ? resolve(str(args, 'model') as string) : run.modelPath;
      const { set, jobId, sourceModelId } = await services.call('curation.retrainFromRun', {
        runId: run.runId,
        ...(str(args, 'model-id') ? { sourceModelId: str(args, 'model-id') } : {}),
        ...(modelPath ? { modelPath } : {}),
        name: str(args, 'name') ?? 'curated',
        rules: rulesFrom(args),
        overrides: overridesFrom(args),
        control: !args.values['no-control'],
      });
      io.err(`curated set ${set.name} v${set.version}: ${set.total} images (${set.classCounts.join(' ')})`);
      const r = await followJob(services, 'retrain', jobId, io);
      const ids = [sourceModelId, r.mr.id, ...(r.mc ? [r.mc.id] : [])];
      // the split the retrain scored on: test, or the one split of a dataset without it (compared on its held-out carve)
      const cmp = await services.call('curation.compare', { modelIds: ids, datasetId: set.datasetId, split: r.evaluation?.split ?? 'test' });
      for (const w of new Set([...(r.warnings ?? []), ...(cmp.warnings ?? [])])) io.err(`warning: ${w}`);
      io.out(`evaluated on ${cmp.images ?? 'split test'}`);
      for (const row of cmp.rows) io.out(`${row.label.padEnd(4)} accuracy ${fmt(row.testAccuracy)}  robust ${fmt(row.robustRatio)} [${fmt(row.robustRatioCI95?.[0] ?? null)}, ${fmt(row.robustRatioCI95?.[1] ?? null)}]  trained on ${trainedOn(row.trainingSet)}`);
      for (const [pair, p] of Object.entries(cmp.mcnemar)) io.out(`McNemar ${pair}: ${pClause(p)}`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, { set, ...cmp, ...(r.warnings ? { warnings: [...new Set([...r.warnings, ...(cmp.warnings ?? [])])] } : {}) });
      return 0;
    } finally {
      await services.close();
    }
  },
};

/** "900 images (+ 100 validation)", or that the lineage is unknown. */
export function trainedOn(t: { count: number | null; validation: number | null }): string {
  if (t.count === null) return 'unknown images (lineage unknown)';
  return `${t.count} images${t.validation ? ` (+ ${t.validation} validation)` : ''}`;
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : (100 * x).toFixed(2) + '%';
}
