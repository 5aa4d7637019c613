/**
 * `rpr reproduce`: the paper's protocol end to end — train M, score test and train, curate
 * robust + N per class, retrain M_R, train the control M_C on a random class-balanced subset of
 * the same size, score both — then results.json, report.md and SVG charts.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ArchName, ModelInfo, RunStats, SchemeSpec, ScoringRunSummary } from '../../contract/types';
import { randomBalancedSubset } from '../../core/curation';
import { clopperPearson, mcnemar } from '../../core/stats/index';
import { saveCuratedSet } from '../../services/curation-service';
import type { JobContext } from '../../services/jobs';
import { trainModel } from '../../services/models-service';
import { prepareRun, runScoring } from '../../services/scoring-service';
import type { Services } from '../../services/index';
import { writeFileAtomic } from '../../store/fsutil';
import { ensureDataset } from '../data';
import { renderReport, PAPER } from '../report';
import { cliServices, engineOptions, int, parse, requireStr, str, writeJsonFile, UsageError, type CliIo, type Command } from '../shared';

export interface ModelNumbers {
  modelId: string;
  hash: string;
  trainCount: number;
  trainClassCounts: number[];
  testAccuracy: number;
  testAccuracyCI95: [number, number];
  testRobustRatio: number;
  testRobustRatioCI95: [number, number];
  testPerClassRobustRatio: number[];
  testCurve: number[];
  testCurveLo: number[];
  testCurveHi: number[];
  trainRobustRatio?: number;
  trainRobustRatioCI95?: [number, number];
  trainRobustPerClass?: number[];
  trainAccuracy?: number;
}

export interface SeedResult {
  seed: number;
  M: ModelNumbers;
  MR: ModelNumbers;
  MC: ModelNumbers;
  mcnemar: { M_vs_MR: number; M_vs_MC: number; MR_vs_MC: number };
  curated: { total: number; classCounts: number[]; short: number[] };
  timingsMs: Record<string, number>;
}

function ctxFor(io: CliIo, stage: string): Pick<JobContext, 'signal' | 'progress'> {
  let last = 0;
  return {
    signal: new AbortController().signal,
    progress: (done, total, extra) => {
      const now = Date.now();
      if (now - last < 1000 && done < total) return;
      last = now;
      io.progress(`${stage}: ${done}/${total} ${extra?.unit ?? ''}${extra?.metrics?.predictionsPerSec ? ` (${Math.round(extra.metrics.predictionsPerSec)} predictions/s)` : ''}`);
    },
  };
}

async function timed<T>(timings: Record<string, number>, key: string, io: CliIo, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await f();
  timings[key] = Date.now() - t0;
  io.err(`  ${key}: ${(timings[key] / 1000).toFixed(1)} s`);
  return r;
}

function numbers(model: ModelInfo, test: RunStats, trainCount: number, trainClassCounts: number[]): ModelNumbers {
  const correct = Math.round(test.accuracy * test.n);
  return {
    modelId: model.id,
    hash: model.hash,
    trainCount,
    trainClassCounts,
    testAccuracy: test.accuracy,
    testAccuracyCI95: clopperPearson(correct, test.n),
    testRobustRatio: test.robustRatio,
    testRobustRatioCI95: test.robustRatioCI95,
    testPerClassRobustRatio: test.perClassRobustRatio,
    testCurve: test.curve,
    testCurveLo: test.curveLo,
    testCurveHi: test.curveHi,
  };
}

async function score(services: Services, model: ModelInfo, datasetId: string, split: string, scheme: SchemeSpec, maxSteps: number, seed: number, io: CliIo): Promise<ScoringRunSummary> {
  const run = await prepareRun(services.app, { modelId: model.id, datasetId, split, scheme, maxSteps, seed });
  return run.status === 'done' ? run : runScoring(services.app, run.id, ctxFor(io, `score ${split}`));
}

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "the paper's protocol end to end (M, M_R, control M_C) with results.json and report.md",
  usage: 'rpr reproduce --data <mnist dir> --out <dir> [--arch paper-cnn] [--epochs 3] [--per-class 1500] [--seed S] [--seeds N] [--max-steps 250] [--k 28] [--workspace W] [--backend B] [--workers N]',
  options: { ...engineOptions, data: { type: 'string' }, out: { type: 'string' }, arch: { type: 'string' }, epochs: { type: 'string' }, 'per-class': { type: 'string' }, seed: { type: 'string' }, seeds: { type: 'string' }, 'max-steps': { type: 'string' }, k: { type: 'string' }, workspace: { type: 'string', short: 'w' } },
  async run(argv, io) {
    const args = parse(reproduceCommand, argv);
    const data = requireStr(args, 'data', reproduceCommand);
    const out = resolve(requireStr(args, 'out', reproduceCommand));
    const arch = (str(args, 'arch') ?? 'paper-cnn') as ArchName;
    if (!['paper-cnn', 'classic-cnn', 'mlp'].includes(arch)) throw new UsageError(`--arch must be paper-cnn, classic-cnn or mlp`);
    const epochs = int(args, 'epochs', 3, 1, 1000);
    const perClass = int(args, 'per-class', 1500, 1, 10_000_000);
    const seed0 = int(args, 'seed', 0, 0, 2 ** 32 - 1);
    const nSeeds = int(args, 'seeds', 1, 1, 100);
    const maxSteps = int(args, 'max-steps', 250, 1, 100000);
    mkdirSync(out, { recursive: true });
    if (!str(args, 'workspace')) args.values.workspace = join(out, 'workspace');
    const services = cliServices(args);
    const started = Date.now();
    try {
      const timings: Record<string, number> = {};
      const ds = await timed(timings, 'import', io, () => ensureDataset(services, data, io));
      const k = int(args, 'k', Math.round(Math.sqrt(ds.shape.height * ds.shape.width)), 1, 1 << 20);
      const scheme: SchemeSpec = { name: 'paper', params: { k } };
      const backend = await services.app.backendInfo();
      io.err(`reproducing on ${ds.name} with ${arch}, ${epochs} epochs, ${perClass} per class, ${nSeeds} seed(s) from ${seed0}, k ${k}, ${maxSteps} steps, backend ${backend.name} × ${backend.workers}`);
      const trainSplit = ds.splits.find((s) => s.name === 'train');
      if (!trainSplit || !ds.splits.some((s) => s.name === 'test')) throw new UsageError(`${data} needs a train and a test split`);
      const perSeed: SeedResult[] = [];
      for (let s = 0; s < nSeeds; s++) {
        const seed = seed0 + s;
        const t: Record<string, number> = {};
        io.err(`seed ${seed}:`);
        const recipe = { datasetId: ds.id, arch, epochs, seed, validationShare: 0.1, earlyStoppingPatience: 0 };
        const M = await timed(t, 'trainM', io, () => trainModel(services.app, { ...recipe, name: `M (seed ${seed})`, lineage: { role: 'M' } }, ctxFor(io, 'train M')));
        const mTest = await timed(t, 'scoreMTest', io, () => score(services, M, ds.id, 'test', scheme, maxSteps, seed, io));
        const mTrain = await timed(t, 'scoreMTrain', io, () => score(services, M, ds.id, 'train', scheme, maxSteps, seed, io));
        const t0 = Date.now();
        const set = saveCuratedSet(services.app, mTrain.id, `robust-${perClass}-seed${seed}`, { minSteps: null, balance: { mode: 'per-class', n: perClass }, seed }, []);
        t.curate = Date.now() - t0;
        const members = services.app.requireWorkspace().curated.members(set.id);
        const labels = services.app.requireWorkspace().datasets.labels(ds.id, 'train');
        const control = randomBalancedSubset(labels, set.classCounts, seed);
        const MR = await timed(t, 'trainMR', io, () => trainModel(services.app, { ...recipe, name: `M_R (seed ${seed})`, indices: members, lineage: { role: 'M_R', curatedSetId: set.id, curatedSet: `${set.name} v${set.version}` } }, ctxFor(io, 'train M_R')));
        const MC = await timed(t, 'trainMC', io, () => trainModel(services.app, { ...recipe, name: `M_C (seed ${seed})`, indices: control, lineage: { role: 'M_C', controlFor: set.id } }, ctxFor(io, 'train M_C')));
        const rTest = await timed(t, 'scoreMRTest', io, () => score(services, MR, ds.id, 'test', scheme, maxSteps, seed, io));
        const cTest = await timed(t, 'scoreMCTest', io, () => score(services, MC, ds.id, 'test', scheme, maxSteps, seed, io));
        const ws = services.app.requireWorkspace();
        const flags = (run: ScoringRunSummary) => ws.runs.scores(run.id).robust;
        const trainStats = mTrain.stats as RunStats;
        const mNum = numbers(M, mTest.stats as RunStats, trainSplit.count, trainSplit.classCounts);
        mNum.trainRobustRatio = trainStats.robustRatio;
        mNum.trainRobustRatioCI95 = trainStats.robustRatioCI95;
        mNum.trainRobustPerClass = trainStats.perClassRobustRatio;
        mNum.trainAccuracy = trainStats.accuracy;
        perSeed.push({
          seed,
          M: mNum,
          MR: numbers(MR, rTest.stats as RunStats, members.length, set.classCounts),
          MC: numbers(MC, cTest.stats as RunStats, control.length, set.classCounts),
          mcnemar: { M_vs_MR: mcnemar(flags(mTest), flags(rTest)).p, M_vs_MC: mcnemar(flags(mTest), flags(cTest)).p, MR_vs_MC: mcnemar(flags(rTest), flags(cTest)).p },
          curated: { total: set.total, classCounts: set.classCounts, short: set.classCounts.map((c, i) => (c < perClass ? i : -1)).filter((i) => i >= 0) },
          timingsMs: t,
        });
      }
      const results = summarise(perSeed, {
        data: resolve(data),
        arch,
        epochs,
        perClass,
        seeds: perSeed.map((p) => p.seed),
        scheme,
        maxSteps,
        backend: backend.name,
        workers: backend.workers,
        importMs: timings.import,
        totalMs: Date.now() - started,
      });
      writeJsonFile(join(out, 'results.json'), results);
      const { markdown, charts } = renderReport(results);
      for (const [name, svg] of Object.entries(charts)) writeFileAtomic(join(out, name), svg);
      writeFileAtomic(join(out, 'report.md'), markdown);
      const r = results as unknown as { M: ModelNumbers; MR: ModelNumbers; MC: ModelNumbers };
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      io.out(`M   test acc ${pct(r.M.testAccuracy)} (paper ${pct(PAPER.M.testAccuracy)}), test robust ${r.M.testRobustRatio.toFixed(4)} (paper ${PAPER.M.testRobustRatio}), train robust ${pct(r.M.trainRobustRatio ?? 0)} (paper ${pct(PAPER.M.trainRobustRatio)})`);
      io.out(`M_R test acc ${pct(r.MR.testAccuracy)} (paper ${pct(PAPER.MR.testAccuracy)}), test robust ${r.MR.testRobustRatio.toFixed(4)} (paper ${PAPER.MR.testRobustRatio})`);
      io.out(`M_C test acc ${pct(r.MC.testAccuracy)}, test robust ${r.MC.testRobustRatio.toFixed(4)} (the control the paper did not run)`);
      io.out(`wrote ${join(out, 'results.json')} and ${join(out, 'report.md')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return 0;
    } finally {
      await services.app.close();
    }
  },
};

type Json = Record<string, unknown>;

/** Top-level numbers are means over seeds; `perSeed` and `<metric>Range` give the spread. */
export function summarise(perSeed: SeedResult[], config: Json): Json {
  const roles = ['M', 'MR', 'MC'] as const;
  const out: Json = { config, paper: PAPER };
  for (const role of roles) {
    const first = perSeed[0][role] as unknown as Json;
    const agg: Json = {};
    for (const [key, v] of Object.entries(first)) {
      if (typeof v === 'number') {
        const vals = perSeed.map((p) => (p[role] as unknown as Json)[key] as number);
        agg[key] = vals.reduce((a, b) => a + b, 0) / vals.length;
        agg[`${key}Range`] = [Math.min(...vals), Math.max(...vals)];
        agg[`${key}PerSeed`] = vals;
      } else if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'number' && !key.endsWith('CI95')) {
        agg[key] = (v as number[]).map((_, i) => perSeed.reduce((s, p) => s + ((p[role] as unknown as Json)[key] as number[])[i], 0) / perSeed.length);
      } else {
        agg[key] = v;
      }
    }
    if (perSeed.length > 1) for (const key of Object.keys(first)) if (key.endsWith('CI95')) agg[key] = perSeed.map((p) => (p[role] as unknown as Json)[key]);
    out[role] = agg;
  }
  out.mcnemar = perSeed[0].mcnemar;
  out.mcnemarPerSeed = perSeed.map((p) => p.mcnemar);
  out.curated = perSeed.map((p) => ({ seed: p.seed, ...p.curated }));
  out.timingsMs = perSeed.map((p) => ({ seed: p.seed, ...p.timingsMs }));
  out.perSeed = perSeed.map((p) => ({ seed: p.seed, M: strip(p.M), MR: strip(p.MR), MC: strip(p.MC), mcnemar: p.mcnemar }));
  return out;
}

function strip(m: ModelNumbers): Json {
  const { testCurve: _c, testCurveLo: _l, testCurveHi: _h, ...rest } = m;
  return rest;
}
