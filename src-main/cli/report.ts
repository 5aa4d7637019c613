/** report.md and its SVG charts for `rpr reproduce`. */
import { barChart, lineChart } from '../core/svg-chart';

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
  testRobustRatioRange?: [number, number];
  trainRobustRatioRange?: [number, number];
};

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(100 * x).toFixed(2)}%`);
const ci = (c: [number, number] | [number, number][] | undefined) => {
  if (!c) return '';
  const one = (Array.isArray(c[0]) ? (c as [number, number][])[0] : c) as [number, number];
  return ` [${pct(one[0])}, ${pct(one[1])}]`;
};
const range = (r: [number, number] | undefined, seeds: number) => (r && seeds > 1 ? ` (range ${pct(r[0])}–${pct(r[1])})` : '');

export function renderReport(results: Json): { markdown: string; charts: Record<string, string> } {
  const M = results.M as Numbers;
  const MR = results.MR as Numbers;
  const MC = results.MC as Numbers;
  const cfg = results.config as Json;
  const seeds = (cfg.seeds as number[]).length;
  const mc = results.mcnemar as Record<string, number>;
  const timings = results.timingsMs as Record<string, number>[];
  const classes = M.testPerClassRobustRatio.map((_, i) => String(i));

  const charts: Record<string, string> = {
    'survival-test.svg': lineChart({ title: 'Test images still robust after t perturbations', xLabel: 'steps t', yLabel: 'ratio still robust', yMin: 0, yMax: 1 }, [
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
    `Data: \`${cfg.data}\`; architecture ${cfg.arch}, ${cfg.epochs} epochs, Adam, batch 128; scheme ${JSON.stringify(cfg.scheme)}, MAX_STEPS ${cfg.maxSteps}; curated set: robust train images, ${cfg.perClass} per class; backend ${cfg.backend} × ${cfg.workers} worker(s); seeds ${(cfg.seeds as number[]).join(', ')}.`,
    '',
    'The paper does not fully specify its model, so absolute numbers differ; nothing here is tuned to match them. Intervals are exact (Clopper–Pearson) 95% intervals over the test images' + (seeds > 1 ? '; with several seeds the numbers are means, and ranges show the spread between seeds.' : '; a single training seed: the spread between seeds (up to several points of robust ratio) is not shown.'),
    '',
    '| metric | paper | ours |',
    '| --- | --- | --- |',
    `| M test accuracy | ${pct(PAPER.M.testAccuracy)} | ${pct(M.testAccuracy)}${ci(M.testAccuracyCI95)}${range(M.testAccuracyRange, seeds)} |`,
    `| M test robust ratio | ${PAPER.M.testRobustRatio.toFixed(4)} | ${M.testRobustRatio.toFixed(4)}${ci(M.testRobustRatioCI95)}${range(M.testRobustRatioRange, seeds)} |`,
    `| M train robust ratio | ${pct(PAPER.M.trainRobustRatio)} | ${pct(M.trainRobustRatio)}${ci(M.trainRobustRatioCI95)}${range(M.trainRobustRatioRange, seeds)} |`,
    `| M_R test accuracy | ${pct(PAPER.MR.testAccuracy)} | ${pct(MR.testAccuracy)}${ci(MR.testAccuracyCI95)}${range(MR.testAccuracyRange, seeds)} |`,
    `| M_R test robust ratio | ${PAPER.MR.testRobustRatio.toFixed(4)} | ${MR.testRobustRatio.toFixed(4)}${ci(MR.testRobustRatioCI95)}${range(MR.testRobustRatioRange, seeds)} |`,
    `| M_C test accuracy (control, not in the paper) | — | ${pct(MC.testAccuracy)}${ci(MC.testAccuracyCI95)}${range(MC.testAccuracyRange, seeds)} |`,
    `| M_C test robust ratio (control) | — | ${MC.testRobustRatio.toFixed(4)}${ci(MC.testRobustRatioCI95)}${range(MC.testRobustRatioRange, seeds)} |`,
    '',
    `Paired McNemar tests on the robust flags of the same test images under the same perturbation sequences: M vs M_R p = ${mc.M_vs_MR.toPrecision(3)}, M vs M_C p = ${mc.M_vs_MC.toPrecision(3)}, M_R vs M_C p = ${mc.MR_vs_MC.toPrecision(3)}.`,
    '',
    `M_C is trained on a random class-balanced subset of the training split with the same per-class counts as the curated set (${MR.trainCount} images), not filtered by robustness: if M_R is more robust than M_C, the gain comes from the filter, not from training on less data.`,
    '',
    '## Training sets',
    '',
    '| model | images | per class |',
    '| --- | --- | --- |',
    `| M | ${M.trainCount} | ${M.trainClassCounts.join(' ')} |`,
    `| M_R | ${MR.trainCount} | ${MR.trainClassCounts.join(' ')} |`,
    `| M_C | ${MC.trainCount} | ${MC.trainClassCounts.join(' ')} |`,
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
    `Import: ${(((cfg.importMs as number) ?? 0) / 1000).toFixed(1)} s; total: ${(((cfg.totalMs as number) ?? 0) / 1000).toFixed(0)} s.`,
    '',
    `| seed | ${Object.keys(timings[0]).filter((k) => k !== 'seed').join(' | ')} |`,
    `| --- | ${Object.keys(timings[0]).filter((k) => k !== 'seed').map(() => '---').join(' | ')} |`,
    ...timings.map((t) => `| ${t.seed} | ${Object.entries(t).filter(([k]) => k !== 'seed').map(([, v]) => (v / 1000).toFixed(1)).join(' | ')} |`),
    '',
  ];
  return { markdown: lines.join('\n'), charts };
}
