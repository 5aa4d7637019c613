/**
 * report.md of an experiment: the paper's table (when the `paper` policy ran), then one
 * verdict per policy, the summary across seeds (mean, t-based 95% interval, paired difference
 * with its own interval), per-seed figures with exact intervals and McNemar p-values, the
 * training sets, and the charts.
 */
import { formatP, type SeedFigure } from '../stats/seeds';
import { experimentCharts } from './charts';
import { renderReport } from './paper-report';
import type { PolicyName } from './policies';
import type { PolicyResult, SeedRecord } from './results';

type Json = Record<string, unknown>;

const ci = (c: [number, number] | null, f: (x: number) => string) => (c ? ` [${f(c[0])}, ${f(c[1])}]` : '');
const dec = (x: number) => x.toFixed(4);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const sgn = (f: (x: number) => string) => (x: number) => (x >= 0 ? '+' : '−') + f(Math.abs(x));
const fig = (s: SeedFigure, f: (x: number) => string) => `${f(s.mean)}${ci(s.ci95, f)}`;

/** `pngProblem`: why the PNG copies of the charts could not be written (the SVGs always are). */
export function renderExperimentReport(results: Json, seeds: SeedRecord[], opts: { pngProblem?: string } = {}): { markdown: string; charts: Record<string, string> } {
  const cfg = results.config as Json;
  const policies = cfg.policies as PolicyName[];
  const pol = results.policies as Record<string, PolicyResult>;
  const n = seeds.length;
  const diff: Record<string, { robustRatio: SeedFigure; accuracy: SeedFigure }> = {};
  for (const p of policies) diff[p] = pol[p].summary.diffVsControl;
  const charts = experimentCharts(seeds, policies, diff);
  const lines: string[] = [];
  if (policies.includes('paper')) {
    const paper = renderReport(results);
    Object.assign(charts, paper.charts);
    lines.push(paper.markdown, '');
  } else {
    lines.push('# RPR Curator — curation experiment', '');
  }
  lines.push(
    '## Does curation beat a random subset of the same size?',
    '',
    `Budget ${cfg.budget}; ${n} seed${n > 1 ? 's' : ''} (${(cfg.seeds as number[]).join(', ')}); each policy's model is compared with its matched control, a seeded random subset of the training split with identical per-class counts. ${n > 1 ? 'Across seeds: mean and t-based 95% interval of the mean; the difference is paired by seed and has its own interval.' : 'One seed: no interval across seeds; the McNemar test on the paired test images decides.'}`,
    '',
    ...policies.map((p) => `- **${pol[p].verdict}**`),
    '',
    '| policy | model accuracy | control accuracy | Δ accuracy | model robust ratio | control robust ratio | Δ robust ratio |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...policies.map((p) => {
      const r = pol[p];
      return `| ${p} | ${fig(r.summary.accuracy, pct)} | ${fig(r.control.accuracy, pct)} | ${fig(r.summary.diffVsControl.accuracy, sgn(pct))} | ${fig(r.summary.robustRatio, dec)} | ${fig(r.control.robustRatio, dec)} | ${fig(r.summary.diffVsControl.robustRatio, sgn(dec))} |`;
    }),
    '',
    '### Per seed',
    '',
    'Exact (Clopper–Pearson) 95% intervals over the test images; McNemar exact p on the paired robust flags.',
    '',
    '| seed | model | images trained | epochs | updates | test accuracy | test robust ratio | McNemar vs control | McNemar vs M |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...seeds.flatMap((s) => [
      `| ${s.seed} | M | ${s.M.trainCount} | ${s.M.epochsRun} | ${s.M.updates} | ${pct(s.M.testAccuracy)}${ci(s.M.testAccuracyCI95, pct)} | ${dec(s.M.testRobustRatio)}${ci(s.M.testRobustRatioCI95, dec)} | | |`,
      ...policies.flatMap((p) => {
        const r = s.policies[p]!;
        return [
          `| ${s.seed} | ${p} | ${r.model.trainCount} | ${r.model.epochsRun} | ${r.model.updates} | ${pct(r.model.testAccuracy)}${ci(r.model.testAccuracyCI95, pct)} | ${dec(r.model.testRobustRatio)}${ci(r.model.testRobustRatioCI95, dec)} | ${formatP(r.mcnemar.vsControl)} | ${formatP(r.mcnemar.vsM)} |`,
          `| ${s.seed} | ${p} control | ${r.control.trainCount} | ${r.control.epochsRun} | ${r.control.updates} | ${pct(r.control.testAccuracy)}${ci(r.control.testAccuracyCI95, pct)} | ${dec(r.control.testRobustRatio)}${ci(r.control.testRobustRatioCI95, dec)} | | ${formatP(r.mcnemar.controlVsM)} |`,
        ];
      }),
    ]),
    '',
    '### Training sets (policy and control share their per-class counts)',
    '',
    '| seed | policy | selected | per class | what |',
    '| --- | --- | --- | --- | --- |',
    ...seeds.flatMap((s) => policies.map((p) => `| ${s.seed} | ${p} | ${s.policies[p]!.selection.total} | ${s.policies[p]!.selection.classCounts.join(' ')} | ${s.policies[p]!.selection.description} |`)),
    '',
    `Images trained on exclude each model's validation carve (share ${cfg.validationShare ?? 0.1}). ${
      String(cfg.budget).startsWith('epochs:')
        ? 'Under epochs:N the carve is the original seeded random one, so a policy and its control are given identical per-class counts and train on counts a few images apart.'
        : 'The carve is class-stratified, so a policy and its control also train on identical per-class counts.'
    } Every model was trained on the training split and evaluated on the test split only.`,
    '',
    '### Charts',
    '',
    '![policy − control, robust ratio](forest.svg)',
    '',
    '![policy − control, accuracy](forest-accuracy.svg)',
    '',
    '![per-class robust ratio](per-class.svg)',
    '',
    ...policies.flatMap((p) => [`![${p} curves](curves-${p}.svg)`, '']),
    opts.pngProblem ? `The charts are written as SVG only: ${opts.pngProblem}.` : 'Every chart is also written as PNG beside its SVG.',
    '',
  );
  return { markdown: lines.join('\n'), charts };
}
