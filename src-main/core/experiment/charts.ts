/**
 * The charts of an experiment, as SVG strings: survival curves of each policy model, its
 * control and M (mean over seeds, with a band spanning the per-seed curves), per-class robust
 * ratio bars, and a forest plot of policy − control differences with their 95% intervals.
 */
import { barChart, escapeXml, lineChart, PALETTE } from '../svg-chart';
import type { SeedFigure } from '../stats/seeds';
import type { ModelNumbers, SeedRecord } from './results';
import type { PolicyName } from './policies';

function meanBand(models: ModelNumbers[]): { values: number[]; lo: number[]; hi: number[] } {
  const len = models[0].testCurve.length;
  const values: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let t = 0; t < len; t++) {
    const v = models.map((m) => m.testCurve[t]);
    values.push(v.reduce((a, b) => a + b, 0) / v.length);
    // one seed: the curve's own exact band; several: the band spans the seeds' curves
    lo.push(models.length > 1 ? Math.min(...v) : models[0].testCurveLo[t]);
    hi.push(models.length > 1 ? Math.max(...v) : models[0].testCurveHi[t]);
  }
  return { values, lo, hi };
}

const meanOf = (rows: number[][]) => rows[0].map((_, i) => rows.reduce((s, r) => s + r[i], 0) / rows.length);

export interface ForestRow {
  label: string;
  figure: SeedFigure;
}

/**
 * Axis ticks at round values (1, 2 or 5 × a power of ten, about five of them) inside [lo, hi];
 * 0 is one of them whenever the range holds it, so the forest plot's zero line is labelled.
 */
export function roundTicks(lo: number, hi: number, target = 5): { value: number; label: string }[] {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag; // raw < 10 × mag
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: { value: number; label: string }[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) {
    const value = k === 0 ? 0 : k * step;
    const label = value.toFixed(decimals).replace('-', '−');
    ticks.push({ value, label });
  }
  return ticks;
}

/** Horizontal interval plot around 0: a dot per mean, a line per 95% interval (per-seed dots when there is none). */
export function forestPlot(title: string, xLabel: string, rows: ForestRow[], width = 720): string {
  const left = 190;
  const right = 40;
  const top = 44;
  const rowH = 34;
  const h = top + rows.length * rowH + 50;
  const all = rows.flatMap((r) => [r.figure.mean, ...(r.figure.ci95 ?? []), ...r.figure.perSeed, 0]);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  const pad = Math.max(1e-3, (hi - lo) * 0.1);
  lo -= pad;
  hi += pad;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const fx = (v: number) => String(Math.round(v * 100) / 100);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${h}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${fx(x(0))}" x2="${fx(x(0))}" y1="${top - 8}" y2="${top + rows.length * rowH}" stroke="#888" stroke-dasharray="4 3"/>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const color = PALETTE[i % PALETTE.length];
    parts.push(`<text x="${left - 10}" y="${y + 4}" text-anchor="end">${escapeXml(r.label)}</text>`);
    if (r.figure.ci95) parts.push(`<line x1="${fx(x(r.figure.ci95[0]))}" x2="${fx(x(r.figure.ci95[1]))}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="3"/>`);
    for (const v of r.figure.perSeed) parts.push(`<circle cx="${fx(x(v))}" cy="${y + 8}" r="2.5" fill="${color}" opacity="0.6"/>`);
    parts.push(`<rect x="${fx(x(r.figure.mean) - 5)}" y="${y - 5}" width="10" height="10" fill="${color}"/>`);
  });
  const axisY = top + rows.length * rowH + 6;
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${axisY}" y2="${axisY}" stroke="#333"/>`);
  for (const { value, label } of roundTicks(lo, hi)) {
    parts.push(`<line x1="${fx(x(value))}" x2="${fx(x(value))}" y1="${axisY}" y2="${axisY + 4}" stroke="#333"/>`);
    parts.push(`<text x="${fx(x(value))}" y="${axisY + 16}" text-anchor="middle">${label}</text>`);
  }
  parts.push(`<text x="${(left + width - right) / 2}" y="${h - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`, '</svg>');
  return parts.join('\n');
}

export function experimentCharts(seeds: SeedRecord[], policies: PolicyName[], diff: Record<string, { robustRatio: SeedFigure; accuracy: SeedFigure }>): Record<string, string> {
  const charts: Record<string, string> = {};
  const classes = seeds[0].M.testPerClassRobustRatio.map((_, i) => String(i));
  const bandNote = seeds.length > 1 ? `bands span the ${seeds.length} seeds` : 'bands: exact 95% intervals';
  for (const name of policies) {
    const model = seeds.map((s) => s.policies[name]!.model);
    const control = seeds.map((s) => s.policies[name]!.control);
    charts[`curves-${name}.svg`] = lineChart({ title: `${name}: test images still robust after t perturbations (${bandNote})`, xLabel: 'steps t', yLabel: 'ratio still robust', yMin: 0, yMax: 1 }, [
      { name: 'M', ...meanBand(seeds.map((s) => s.M)) },
      { name: `${name} model`, ...meanBand(model) },
      { name: `${name} control`, ...meanBand(control) },
    ]);
  }
  charts['per-class.svg'] = barChart({ title: `Test robust ratio per class (mean over ${seeds.length} seed${seeds.length > 1 ? 's' : ''})`, yLabel: 'robust ratio', yMin: 0, yMax: 1 }, classes, [
    { name: 'M', values: meanOf(seeds.map((s) => s.M.testPerClassRobustRatio)) },
    ...policies.flatMap((name) => [
      { name: `${name}`, values: meanOf(seeds.map((s) => s.policies[name]!.model.testPerClassRobustRatio)) },
      { name: `${name} ctrl`, values: meanOf(seeds.map((s) => s.policies[name]!.control.testPerClassRobustRatio)) },
    ]),
  ]);
  charts['forest.svg'] = forestPlot(
    `Policy − control, test robust ratio (${seeds.length > 1 ? 't-based 95% intervals over seeds' : 'one seed: no interval'})`,
    'difference in test robust ratio (policy − control)',
    policies.map((name) => ({ label: name, figure: diff[name].robustRatio })),
  );
  charts['forest-accuracy.svg'] = forestPlot(
    'Policy − control, test accuracy',
    'difference in test accuracy (policy − control)',
    policies.map((name) => ({ label: name, figure: diff[name].accuracy })),
  );
  return charts;
}
