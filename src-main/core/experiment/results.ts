/**
 * results.json of an experiment (schema: docs/EXPERIMENTS.md). Per seed: every model's test
 * figures with exact 95% intervals, McNemar p of each policy model vs its control and vs M.
 * Across seeds: mean, a t-based 95% interval of the mean, and the paired difference policy −
 * control with its own interval (null intervals with one seed: never an average of intervals).
 * The `paper` policy also fills the older top-level M / MR / MC / perSeed fields.
 */
import { pClause } from '../../contract/quantities';
import { pairedDifference, seedFigure, type SeedFigure } from '../stats/seeds';
import type { PolicyName } from './policies';

export interface ModelNumbers {
  modelId: string;
  hash: string;
  /** images trained on (the validation carve excluded) */
  trainCount: number;
  trainClassCounts: number[];
  valCount: number;
  epochsRun: number;
  updates: number;
  testAccuracy: number;
  testAccuracyCI95: [number, number];
  testRobustRatio: number;
  testRobustRatioCI95: [number, number];
  testPerClassRobustRatio: number[];
  testCurve: number[];
  testCurveLo: number[];
  testCurveHi: number[];
  /** where the model's images came from and where it was evaluated: never the same images */
  lineage: { dataset: string; split: string; images: number; source: string };
  evaluatedOn: { split: string; count: number };
  trainRobustRatio?: number;
  trainRobustRatioCI95?: [number, number];
  trainRobustPerClass?: number[];
  trainAccuracy?: number;
}

export interface PolicySeed {
  seed: number;
  model: ModelNumbers;
  control: ModelNumbers;
  /** exact McNemar p on the paired robust flags of the test images: model vs its control, model vs M, control vs M */
  mcnemar: { vsControl: number; vsM: number; controlVsM: number };
  selection: { total: number; classCounts: number[]; description: string };
}

export interface SeedRecord {
  seed: number;
  M: ModelNumbers;
  policies: Partial<Record<PolicyName, PolicySeed>>;
  timingsMs: Record<string, number>;
}

export interface PolicySummary {
  accuracy: SeedFigure;
  robustRatio: SeedFigure;
  diffVsControl: { accuracy: SeedFigure; robustRatio: SeedFigure };
}

export interface PolicyResult {
  perSeed: Omit<PolicySeed, 'selection'>[];
  selection: (PolicySeed['selection'] & { seed: number })[];
  summary: PolicySummary;
  control: { accuracy: SeedFigure; robustRatio: SeedFigure };
  verdict: string;
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const interval = (ci: [number, number] | null, digits: number) => (ci ? ` [${ci[0] >= 0 ? '' : '−'}${Math.abs(ci[0]).toFixed(digits)}, ${ci[1] >= 0 ? '' : '−'}${Math.abs(ci[1]).toFixed(digits)}]` : '');

/**
 * One line: does the policy beat its control? With several seeds the interval of the paired
 * difference decides (excludes 0: beats / loses; otherwise no difference shown); with one seed
 * the McNemar p of that seed decides and the line says there is no interval across seeds.
 */
export function verdictLine(name: string, s: PolicySummary, mcnemarVsControl: number[]): string {
  const d = s.diffVsControl.robustRatio;
  const acc = s.diffVsControl.accuracy.mean;
  const seeds = d.perSeed.length;
  const accText = `at ${signed(100 * acc, 1)}% accuracy`;
  if (seeds === 1) {
    const p = mcnemarVsControl[0];
    const sig = p < 0.05;
    const word = !sig ? 'does not differ significantly from' : d.mean > 0 ? 'beats' : 'loses to';
    return `${name} ${word} its control: ${signed(d.mean, 3)} robust ratio (McNemar ${pClause(p)}) with 1 seed (no interval across seeds) ${accText}`;
  }
  const [lo, hi] = d.ci95 as [number, number];
  const word = lo > 0 ? 'beats' : hi < 0 ? 'loses to' : 'does not beat';
  return `${name} ${word} its control${word === 'does not beat' ? ':' : ' by'} ${signed(d.mean, 3)} robust ratio${interval(d.ci95, 3)} across ${seeds} seeds ${accText}`;
}

export function policyResult(name: PolicyName, seeds: SeedRecord[]): PolicyResult {
  const rows = seeds.map((s) => s.policies[name] as PolicySeed);
  const acc = rows.map((r) => r.model.testAccuracy);
  const rob = rows.map((r) => r.model.testRobustRatio);
  const cAcc = rows.map((r) => r.control.testAccuracy);
  const cRob = rows.map((r) => r.control.testRobustRatio);
  const summary: PolicySummary = {
    accuracy: seedFigure(acc),
    robustRatio: seedFigure(rob),
    diffVsControl: { accuracy: pairedDifference(acc, cAcc), robustRatio: pairedDifference(rob, cRob) },
  };
  return {
    perSeed: rows.map(({ selection: _s, ...r }) => r),
    selection: rows.map((r) => ({ seed: r.seed, ...r.selection })),
    summary,
    control: { accuracy: seedFigure(cAcc), robustRatio: seedFigure(cRob) },
    verdict: verdictLine(name, summary, rows.map((r) => r.mcnemar.vsControl)),
  };
}

type Json = Record<string, unknown>;

function strip(m: ModelNumbers): Json {
  const { testCurve: _c, testCurveLo: _l, testCurveHi: _h, ...rest } = m;
  return rest;
}

/** A curve's band: exact 95% intervals per step (`testCurveLo`/`testCurveHi` of one model). */
const BAND_KEYS = new Set(['testCurveLo', 'testCurveHi']);

/**
 * The older top-level block of one role: means over seeds, `<metric>PerSeed`, `<metric>Range`,
 * per-seed intervals (never averaged). With several seeds the survival curve is the mean of the
 * seeds' curves, `testCurvePerSeed` holds each, and its band (`testCurveLo`/`testCurveHi`) spans
 * the seeds' curves: an average of the seeds' exact bands would be no interval at all.
 */
function legacyRole(models: ModelNumbers[]): Json {
  const first = models[0] as unknown as Json;
  const agg: Json = {};
  for (const [key, v] of Object.entries(first)) {
    if (BAND_KEYS.has(key) && models.length > 1) {
      const pick = key === 'testCurveLo' ? Math.min : Math.max;
      agg[key] = first.testCurve ? (first.testCurve as number[]).map((_, t) => pick(...models.map((m) => m.testCurve[t]))) : v;
    } else if (typeof v === 'number') {
      const vals = models.map((m) => (m as unknown as Json)[key] as number);
      agg[key] = vals.reduce((a, b) => a + b, 0) / vals.length;
      agg[`${key}Range`] = [Math.min(...vals), Math.max(...vals)];
      agg[`${key}PerSeed`] = vals;
    } else if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'number' && !key.endsWith('CI95')) {
      agg[key] = (v as number[]).map((_, i) => models.reduce((s, m) => s + ((m as unknown as Json)[key] as number[])[i], 0) / models.length);
    } else {
      agg[key] = v;
    }
  }
  // one interval per seed with several seeds: an average of intervals is not an interval
  if (models.length > 1) {
    for (const key of Object.keys(first)) if (key.endsWith('CI95')) agg[key] = models.map((m) => (m as unknown as Json)[key]);
    agg.testCurvePerSeed = models.map((m) => m.testCurve);
  }
  return agg;
}

/** Classes with fewer images than asked for (the `paper` policy's N per class): the robust images ran out. */
export function shortClasses(classCounts: number[], perClass: number | undefined): number[] {
  if (perClass === undefined) return [];
  return classCounts.map((c, i) => (c < perClass ? i : -1)).filter((i) => i >= 0);
}

export function buildResults(config: Json, seeds: SeedRecord[], policies: PolicyName[], paper: Json): Json {
  const out: Json = { format: 'rpr-experiment', version: 1, config: { ...config, seeds: seeds.map((s) => s.seed), policies }, paper };
  out.M = legacyRole(seeds.map((s) => s.M));
  const M = { accuracy: seedFigure(seeds.map((s) => s.M.testAccuracy)), robustRatio: seedFigure(seeds.map((s) => s.M.testRobustRatio)) };
  out.summaryM = M;
  if (policies.includes('paper')) {
    const rows = seeds.map((s) => s.policies.paper as PolicySeed);
    out.MR = legacyRole(rows.map((r) => r.model));
    out.MC = legacyRole(rows.map((r) => r.control));
    const mc = seeds.map((_s, k) => ({ M_vs_MR: rows[k].mcnemar.vsM, M_vs_MC: rows[k].mcnemar.controlVsM, MR_vs_MC: rows[k].mcnemar.vsControl }));
    // the top-level mcnemar is one seed's tests: given only when there is one seed
    if (seeds.length === 1) out.mcnemar = mc[0];
    out.mcnemarPerSeed = mc;
    out.curated = rows.map((r) => ({ seed: r.seed, total: r.selection.total, classCounts: r.selection.classCounts, short: shortClasses(r.selection.classCounts, config.perClass as number | undefined) }));
    out.perSeed = seeds.map((s, k) => ({ seed: s.seed, M: strip(s.M), MR: strip(rows[k].model), MC: strip(rows[k].control), mcnemar: mc[k] }));
  }
  out.timingsMs = seeds.map((s) => ({ seed: s.seed, ...s.timingsMs }));
  const pol: Json = {};
  for (const name of policies) {
    const r = policyResult(name, seeds);
    pol[name] = { ...r, perSeed: r.perSeed.map((p) => ({ ...p, model: strip(p.model), control: strip(p.control) })) };
  }
  out.policies = pol;
  out.verdicts = policies.map((name) => (pol[name] as PolicyResult).verdict);
  return out;
}
