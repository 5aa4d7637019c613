/**
 * `rpr reproduce`: a thin client of the experiments service. The paper's protocol (M, M_R on
 * robust images N per class, the matched control M_C) and any other curation policy, over
 * several seeds, under a training budget; results.json, report.md and the charts (SVG and PNG)
 * land in --out. Running the same command again resumes an interrupted experiment.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_MAX_STEPS } from '../../contract/validate';
import { ARCH_NAMES } from '../../contract/names';
import { parseBudget } from '../../core/budget';
import { PAPER } from '../../core/experiment/paper-report';
import { parsePolicies, type PolicySpec } from '../../core/experiment/policies';
import { ensureDataset } from '../data';
import { checked, cliServices, engineOptions, followJob, int, parse, requireStr, str, UsageError, type Command } from '../shared';

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "the paper's protocol and other curation policies, each against a matched control, over seeds, with results.json and report.md (resumable)",
  usage:
    `rpr reproduce --data <mnist dir> --out <dir> [--policies paper,robust-all,drop-fragile,hard-only] [--budget converge|equal-steps|epochs:N] [--patience 3] [--max-epochs 30] [--arch paper-cnn] [--per-class 1500] [--drop-fraction 0.1] [--seed S] [--seeds N] [--max-steps ${DEFAULT_MAX_STEPS}] [--k 28] [--epochs N (= --budget epochs:N)] [--workspace W] [--backend B] [--workers N]`,
  options: {
    ...engineOptions,
    data: { type: 'string' },
    out: { type: 'string' },
    arch: { type: 'string' },
    epochs: { type: 'string' },
    budget: { type: 'string' },
    patience: { type: 'string' },
    'max-epochs': { type: 'string' },
    policies: { type: 'string' },
    'per-class': { type: 'string' },
    'drop-fraction': { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    'max-steps': { type: 'string' },
    k: { type: 'string' },
    workspace: { type: 'string', short: 'w' },
  },
  async run(argv, io) {
    const args = parse(reproduceCommand, argv);
    const data = requireStr(args, 'data', reproduceCommand);
    const out = resolve(requireStr(args, 'out', reproduceCommand));
    const arch = str(args, 'arch') ?? 'paper-cnn';
    if (!(ARCH_NAMES as readonly string[]).includes(arch)) throw new UsageError(`--arch must be ${ARCH_NAMES.slice(0, -1).join(', ')} or ${ARCH_NAMES[ARCH_NAMES.length - 1]}`);
    if (str(args, 'epochs') !== undefined && str(args, 'budget') !== undefined) throw new UsageError('use --budget epochs:N or --epochs N, not both');
    // --epochs N is the older spelling of --budget epochs:N
    const budget = str(args, 'epochs') !== undefined ? `epochs:${int(args, 'epochs', 3, 1, 1000)}` : (str(args, 'budget') ?? 'converge');
    const patience = int(args, 'patience', 3, 1, 100);
    const maxEpochs = int(args, 'max-epochs', 30, 1, 1000);
    if (!parseBudget(budget)) throw new UsageError(`--budget must be converge, equal-steps or epochs:N, got "${budget}"`);
    let policies: PolicySpec[];
    try {
      policies = parsePolicies(str(args, 'policies') ?? 'paper');
    } catch (err) {
      throw new UsageError(`--policies: ${(err as Error).message}`);
    }
    const perClass = int(args, 'per-class', 1500, 1, 10_000_000);
    const dropFraction = str(args, 'drop-fraction') === undefined ? undefined : Number(str(args, 'drop-fraction'));
    if (dropFraction !== undefined && !(dropFraction > 0 && dropFraction < 1)) throw new UsageError('--drop-fraction must be in (0, 1)');
    policies = policies.map((p) => (p.name === 'paper' ? { perClass, ...p } : p.name === 'drop-fragile' && dropFraction !== undefined && p.fraction === undefined ? { ...p, fraction: dropFraction } : p));
    const seed = int(args, 'seed', 0, 0, 2 ** 32 - 1);
    const seeds = int(args, 'seeds', 1, 1, 20);
    const maxSteps = int(args, 'max-steps', DEFAULT_MAX_STEPS, 1, 100000);
    mkdirSync(out, { recursive: true });
    if (!str(args, 'workspace')) args.values.workspace = join(out, 'workspace');
    const services = await cliServices(args);
    const started = Date.now();
    try {
      const ds = await ensureDataset(services, data, io);
      const k = int(args, 'k', Math.round(Math.sqrt(ds.shape.height * ds.shape.width)), 1, 1 << 20);
      const { backend } = await services.call('system.info', {});
      const input = { datasetId: ds.id, arch, scheme: { name: 'paper', params: { k } }, maxSteps, budget, patience, maxEpochs, seeds, seed, policies };
      const { jobId, experimentId } = await services.call('experiments.start', checked('experiments.start', input));
      const before = await services.call('experiments.get', { experimentId });
      const doneStages = before.stages.filter((s) => s.status === 'done').length;
      if (doneStages > 0) io.err(`resuming experiment ${experimentId}: ${doneStages}/${before.stages.length} stages already done`);
      io.err(`experiment ${experimentId} on ${ds.name}: ${arch}, budget ${budget}, policies ${policies.map((p) => p.name).join(', ')}, ${seeds} seed(s) from ${seed}, k ${k}, ${maxSteps} steps, backend ${backend.name} × ${backend.workers}`);
      const exp = await followJob(services, 'experiment', jobId, io);
      const exported = await services.call('experiments.export', { experimentId: exp.id, path: out, merge: true });
      const r = exp.results as Record<string, { testAccuracy: number; testRobustRatio: number; trainRobustRatio?: number }>;
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      io.out(`M   test acc ${pct(r.M.testAccuracy)} (paper ${pct(PAPER.M.testAccuracy)}), test robust ${r.M.testRobustRatio.toFixed(4)} (paper ${PAPER.M.testRobustRatio}), train robust ${pct(r.M.trainRobustRatio ?? 0)} (paper ${pct(PAPER.M.trainRobustRatio)})`);
      if (r.MR && r.MC) {
        io.out(`M_R test acc ${pct(r.MR.testAccuracy)} (paper ${pct(PAPER.MR.testAccuracy)}), test robust ${r.MR.testRobustRatio.toFixed(4)} (paper ${PAPER.MR.testRobustRatio})`);
        io.out(`M_C test acc ${pct(r.MC.testAccuracy)}, test robust ${r.MC.testRobustRatio.toFixed(4)} (the control the paper did not run)`);
      }
      for (const v of exp.verdicts) io.out(`verdict: ${v}`);
      io.out(`wrote ${exported.files.length} files (results.json, report.md, charts) to ${exported.path} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return 0;
    } finally {
      await services.close();
    }
  },
};
