/**
 * Training metrics as the Models view charts them: loss and accuracy (training and validation)
 * against epochs as real numbers (epoch 1, batch 211 of 422 → x = 0.5). The counters a progress
 * record also carries (epoch, epochs, batch, batches, epochEnd, done) are never plotted.
 */
import type { ChartData, ChartOptions } from 'chart.js';
import { PALETTE } from './chart';

export type MetricsRecord = Record<string, number>;

interface SeriesDef {
  key: string;
  label: string;
  /** keys an older or other producer may use for the same quantity */
  aliases: string[];
}

export const LOSS_SERIES: SeriesDef[] = [
  { key: 'loss', label: 'loss', aliases: [] },
  { key: 'valLoss', label: 'val loss', aliases: ['val_loss'] },
];
export const ACC_SERIES: SeriesDef[] = [
  { key: 'acc', label: 'accuracy', aliases: ['accuracy'] },
  { key: 'valAcc', label: 'val accuracy', aliases: ['val_acc', 'val_accuracy', 'valAccuracy'] },
];

function value(m: MetricsRecord, def: SeriesDef): number | undefined {
  for (const k of [def.key, ...def.aliases]) {
    const v = m[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** x of a record in epochs: (epoch - 1) + batch / batches; a record without batches sits at its epoch's end */
export function epochOf(m: MetricsRecord, i: number): number {
  if (typeof m.epoch !== 'number') return i + 1;
  if (typeof m.batch === 'number' && typeof m.batches === 'number' && m.batches > 0) return m.epoch - 1 + m.batch / m.batches;
  return m.epoch;
}

export function trainSeries(metrics: MetricsRecord[], defs: SeriesDef[]): ChartData<'line', { x: number; y: number }[]> {
  const datasets = defs
    .map((def, i) => ({
      label: def.label,
      data: metrics.flatMap((m, j) => {
        const y = value(m, def);
        return y === undefined ? [] : [{ x: epochOf(m, j), y }];
      }),
      borderColor: PALETTE[i % PALETTE.length],
      backgroundColor: PALETTE[i % PALETTE.length],
      pointRadius: def.key.startsWith('val') ? 3 : 1,
    }))
    .filter((d) => d.data.length > 0);
  return { datasets };
}

/** a linear x axis in epochs (ticks at whole and half epochs, never category labels) */
export function trainChartOptions(yTitle: string, unitRange = false): ChartOptions<'line'> {
  return {
    parsing: false,
    scales: {
      x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' }, ticks: { precision: 1 } },
      y: { title: { display: true, text: yTitle }, ...(unitRange ? { suggestedMin: 0, max: 1 } : { beginAtZero: true }) },
    },
  };
}

/**
 * One line for the newest records: "epoch 2/3 · batch 200/422 · loss 0.1234 · accuracy 96.10% ·
 * val loss 0.1400 · val accuracy 95.80%" (validation figures from the newest epoch end).
 */
export function trainSummary(metrics: MetricsRecord[]): string {
  const m = metrics[metrics.length - 1];
  if (!m) return '';
  const parts: string[] = [];
  if (typeof m.epoch === 'number') parts.push(`epoch ${m.epoch}${typeof m.epochs === 'number' ? `/${m.epochs}` : ''}`);
  if (typeof m.batch === 'number' && typeof m.batches === 'number' && m.batch < m.batches) parts.push(`batch ${m.batch}/${m.batches}`);
  const newest = (def: SeriesDef): number | undefined => {
    for (let i = metrics.length - 1; i >= 0; i--) {
      const v = value(metrics[i], def);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  for (const [def, fmt] of [
    [LOSS_SERIES[0], (v: number) => v.toFixed(4)],
    [ACC_SERIES[0], (v: number) => `${(100 * v).toFixed(2)}%`],
    [LOSS_SERIES[1], (v: number) => v.toFixed(4)],
    [ACC_SERIES[1], (v: number) => `${(100 * v).toFixed(2)}%`],
  ] as const) {
    const v = newest(def);
    if (v !== undefined) parts.push(`${def.label} ${fmt(v)}`);
  }
  return parts.join(' · ');
}
