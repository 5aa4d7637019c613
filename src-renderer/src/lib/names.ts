/**
 * How every view names a scoring run, a curated set and a model: one helper, so pickers, tables
 * and Compare agree and two runs that differ in anything a user chose read differently.
 *
 * A run reads "<model> · <dataset>/<split> · <scheme> · seed <seed> · <date>", e.g.
 * "paper-cnn seed 0 · MNIST/test · paper k=28, 250 steps · seed 0 · 2026-11-30 21:04".
 */
import type { DatasetSummary, ModelInfo, ScoringRunSummary, SchemeSpec } from '../../../src-main/contract';

export interface NameSources {
  models: readonly Pick<ModelInfo, 'id' | 'name'>[];
  datasets: readonly Pick<DatasetSummary, 'id' | 'name'>[];
}

/** "2026-11-30 21:04" in the user's time zone; the ISO text unchanged if it is not a date */
export function shortDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** "paper k=28" */
export function schemeText(s: SchemeSpec): string {
  const params = Object.keys(s.params)
    .sort()
    .map((k) => `${k}=${s.params[k]}`)
    .join(' ');
  return params ? `${s.name} ${params}` : s.name;
}

export function modelName(id: string | null | undefined, src: Pick<NameSources, 'models'>): string {
  if (!id) return '(no model)';
  return src.models.find((m) => m.id === id)?.name ?? `deleted model ${id}`;
}

export function datasetName(id: string | null | undefined, src: Pick<NameSources, 'datasets'>): string {
  if (!id) return '(no dataset)';
  return src.datasets.find((d) => d.id === id)?.name ?? `deleted dataset ${id}`;
}

/** the parts of a run's name, for tables that show them in columns */
export function runParts(r: ScoringRunSummary, src: NameSources) {
  return {
    model: modelName(r.modelId, src),
    dataset: datasetName(r.datasetId, src),
    split: r.shard ? `${r.split} shard ${r.shard[0]}/${r.shard[1]}` : r.split,
    scheme: `${schemeText(r.scheme)}, ${r.maxSteps} steps`,
    seed: `seed ${r.seed}`,
    date: shortDate(r.createdAt),
  };
}

/** "<model> · <dataset>/<split> · <scheme> · seed <seed> · <date>", after the user's name for it if it has one */
export function runName(r: ScoringRunSummary, src: NameSources): string {
  const p = runParts(r, src);
  const base = `${p.model} · ${p.dataset}/${p.split} · ${p.scheme} · ${p.seed} · ${p.date}`;
  return r.name ? `${r.name} (${base})` : base;
}
