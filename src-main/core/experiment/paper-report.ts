/** The paper-policy part of an experiment's report.md and its SVG charts (the table of the paper's numbers beside ours). */
import { pClause } from '../../contract/quantities';
import { barChart, lineChart } from '../svg-chart';

/** The paper's numbers (Ilie, Popescu, Stefanescu 2020), shown beside ours, never tuned to. */
export const PAPER = {
  M: { testAccuracy: 0.9885, testRobustRatio: 0.2957, trainRobustRatio: 0.7128 },
  MR: { testAccuracy: 0.9692, testRobustRatio: 0.5101 },
} as const;

type Json = Record<string, unknown>;
type Numbers = {
  testAccuracy: number;
  testAccuracyCI95: [number, number] | [number, number][];
  testRobustRatio: number;
  testRobustRatioCI95: [number, number] | [number, number][];
  testPerClassRobustRatio: number[];
  testCurve: number[];
  testCurveLo?: number[];
  testCurveHi?: number[];
  trainCount: number;
  trainClassCounts: number[];
  trainRobustRatio?: number;
  trainRobustRatioCI95?: [number, number] | [number, number][];
  trainRobustPerClass?: number[];
  testAccuracyRange?: [number, number];
  testAccuracyPerSeed?: number[];
  testRobustRatioPerSeed?: number[];
  trainRobustRatioPerSeed?: number[];
  testRobustRatioRange?: [number, number];
  trainRobustRatioRange?: [number, number];
};

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(100 * x).toFixed(2)}%`);
const dec = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(4));

/**
 * A metric cell: one seed gives the value and its 95% interval; several seeds give the mean,
 * the range and each seed's value (a mean beside one seed's interval would mislead).
 */
function cell(value: number | undefined, ci95: [number, number] | [number, number][] | undefined, rangeOf: [number, number] | undefined, perSeed: number[] | undefined, f: (x: number | undefined) => string): string {
  if (perSeed && perSeed.length > 1) {
    const r = rangeOf ?? [Math.min(...perSeed), Math.max(...perSeed)];
    return `${f(value)} (mean; range ${f(r[0])}–${f(r[1])}; per seed ${perSeed.map((v) => f(v)).join(', ')})`;
  }
  const one = ci95 && (Array.isArray(ci95[0]) ? (ci95 as [number, number][])[0] : (ci95 as [number, number]));
  return `${f(value)}${one ? ` [${f(one[0])}, ${f(one[1])}]` : ''}`;
}

export function renderReport(results: Json): { markdown: string; charts: Record<string, string> } {
  const M = results.M as Numbers;
  const MR = results.MR as Numbers;
  const MC = results.MC as Numbers;
  const cfg = results.config as Json;
  const seeds = (cfg.seeds as number[]).length;
  const mcPerSeed = (results.mcnemarPerSeed as Record<string, number>[] | undefined) ?? [results.mcnemar as Record<string, number>];
  const curated = (results.curated as { seed: number; total: number; classCounts: number[] }[] | undefined) ?? [];
  const timings = results.timingsMs as Record<string, number>[];
  const classes = M.testPerClassRobustRatio.map((_, i) => String(i));

  const charts: Record<string, string> = {
    'survival-test.svg': lineChart({ title: `Test images still robust after t perturbations (${seeds > 1 ? `mean of ${seeds} seeds; bands span the seeds' curves` : 'bands: exact 95% intervals'})`, xLabel: 'steps t', yLabel: 'ratio still robust', yMin: 0, yMax: 1 }, [
      { name: 'M', values: M.testCurve, lo: M.testCurveLo, hi: M.testCurveHi },
      { name: 'M_R', values: MR.testCurve, lo: MR.testCurveLo, hi: MR.testCurveHi },
      { name: 'M_C (control)', values: MC.testCurve, lo: MC.testCurveLo, hi: MC.testCurveHi },
    ]),
    'per-class-test.svg': barChart({ title: 'Test robust ratio per class', yLabel: 'robust ratio', yMin: 0, yMax: 1 }, classes, [
      { name: 'M', values: M.testPerClassRobustRatio },
      { name: 'M_R', values: MR.testPerClassRobustRatio },
      { name: 'M_C', values: MC.testPerClassRobustRatio },
    ]),
  };
  if (M.trainRobustPerClass) {
    charts['per-class-train-M.svg'] = barChart({ title: 'Train robust ratio per class under M (paper Fig. 4)', yLabel: 'robust ratio', yMin: 0, yMax: 1 }, classes, [{ name: 'M', values: M.trainRobustPerClass }]);
  }

  const lines = [
    '# RPR Curator — reproduction of "Robustness as Inherent Property of Datapoints"',
    '',
    `Data: \`${cfg.data}\`; architecture ${cfg.arch}, budget ${cfg.budget ?? `epochs:${cfg.epochs}`}, Adam, batch 128; scheme ${JSON.stringify(cfg.scheme)}, MAX_STEPS ${cfg.maxSteps}; curated set: robust train images, ${cfg.perClass} per class; backend ${cfg.backend} × ${cfg.workers} worker(s); seeds ${(cfg.seeds as number[]).join(', ')}.`,
    '',
    'The paper does not fully specify its model, so absolute numbers differ; nothing here is tuned to match them. Intervals are exact (Clopper–Pearson) 95% intervals over the test images' + (seeds > 1 ? '; with several seeds the numbers are means, and ranges show the spread between seeds.' : '; a single training seed: the spread between seeds (up to several points of robust ratio) is not shown.'),
    '',
    '| metric | paper | ours |',
    '| --- | --- | --- |',
    `| M test accuracy | ${pct(PAPER.M.testAccuracy)} | ${cell(M.testAccuracy, M.testAccuracyCI95, M.testAccuracyRange, M.testAccuracyPerSeed, pct)} |`,
    `| M test robust ratio | ${dec(PAPER.M.testRobustRatio)} | ${cell(M.testRobustRatio, M.testRobustRatioCI95, M.testRobustRatioRange, M.testRobustRatioPerSeed, dec)} |`,
    `| M train robust ratio | ${pct(PAPER.M.trainRobustRatio)} | ${cell(M.trainRobustRatio, M.trainRobustRatioCI95, M.trainRobustRatioRange, M.trainRobustRatioPerSeed, pct)} |`,
    `| M_R test accuracy | ${pct(PAPER.MR.testAccuracy)} | ${cell(MR.testAccuracy, MR.testAccuracyCI95, MR.testAccuracyRange, MR.testAccuracyPerSeed, pct)} |`,
    `| M_R test robust ratio | ${dec(PAPER.MR.testRobustRatio)} | ${cell(MR.testRobustRatio, MR.testRobustRatioCI95, MR.testRobustRatioRange, MR.testRobustRatioPerSeed, dec)} |`,
    `| M_C test accuracy (control, not in the paper) | — | ${cell(MC.testAccuracy, MC.testAccuracyCI95, MC.testAccuracyRange, MC.testAccuracyPerSeed, pct)} |`,
    `| M_C test robust ratio (control) | — | ${cell(MC.testRobustRatio, MC.testRobustRatioCI95, MC.testRobustRatioRange, MC.testRobustRatioPerSeed, dec)} |`,
    '',
    `Paired McNemar tests on the robust flags of the same test images under the same perturbation sequences${seeds > 1 ? ' (one line per seed)' : ''}:`,
    '',
    ...mcPerSeed.map((m, i) => `- ${seeds > 1 ? `seed ${(cfg.seeds as number[])[i]}: ` : ''}M vs M_R ${pClause(m.M_vs_MR)}, M vs M_C ${pClause(m.M_vs_MC)}, M_R vs M_C ${pClause(m.MR_vs_MC)}`),
    '',
    `M_C is trained on a random class-balanced subset of the training split with the same per-class counts as the curated set (${curated.map((c) => c.total).join(', ') || MR.trainCount} images${seeds > 1 ? ' per seed' : ''}), not filtered by robustness: if M_R is more robust than M_C, the gain comes from the filter, not from training on less data.`,
    '',
    '## Training sets',
    '',
    '| model | images | per class |',
    '| --- | --- | --- |',
    `| M | ${M.trainCount} | ${M.trainClassCounts.join(' ')} |`,
    ...(curated.length > 1
      ? curated.flatMap((c) => [`| M_R, M_C (seed ${c.seed}) | ${c.total} | ${c.classCounts.join(' ')} |`])
      : [`| M_R | ${MR.trainCount} | ${MR.trainClassCounts.join(' ')} |`, `| M_C | ${MC.trainCount} | ${MC.trainClassCounts.join(' ')} |`]),
    '',
    '## Per-class test robust ratio',
    '',
    `| class | ${classes.join(' | ')} |`,
    `| --- | ${classes.map(() => '---').join(' | ')} |`,
    `| M | ${M.testPerClassRobustRatio.map((v) => v.toFixed(3)).join(' | ')} |`,
    `| M_R | ${MR.testPerClassRobustRatio.map((v) => v.toFixed(3)).join(' | ')} |`,
    `| M_C | ${MC.testPerClassRobustRatio.map((v) => v.toFixed(3)).join(' | ')} |`,
    ...(M.trainRobustPerClass ? ['', `Train robust ratio per class under M: ${M.trainRobustPerClass.map((v, i) => `${i}: ${v.toFixed(3)}`).join(', ')}.`] : []),
    '',
    '## Charts',
    '',
    '![survival curves](survival-test.svg)',
    '',
    '![per-class test robust ratio](per-class-test.svg)',
    ...(charts['per-class-train-M.svg'] ? ['', '![per-class train robust ratio under M](per-class-train-M.svg)'] : []),
    '',
    '## Timings (seconds)',
    '',
    `Total: ${(((cfg.totalMs as number) ?? 0) / 1000).toFixed(0)} s (every stage, in whichever session it ran; reused stages count the time they took when computed).`,
    '',
    `| seed | ${Object.keys(timings[0]).filter((k) => k !== 'seed').join(' | ')} |`,
    `| --- | ${Object.keys(timings[0]).filter((k) => k !== 'seed').map(() => '---').join(' | ')} |`,
    ...timings.map((t) => `| ${t.seed} | ${Object.entries(t).filter(([k]) => k !== 'seed').map(([, v]) => (v / 1000).toFixed(1)).join(' | ')} |`),
    '',
  ];
  return { markdown: lines.join('\n'), charts };
}
