/**
 * What Compare needs to know before it calls the service: on which dataset/split the chosen
 * models were scored, and, for a model that is not scored there, the scoring run that would make
 * it comparable (the parameters the other chosen models were scored with).
 */
import type { ScoringRunSummary, SchemeSpec } from '../../../src-main/contract';

export interface Target {
  datasetId: string;
  split: string;
}

/** runs Compare can use: complete, whole split */
const usable = (r: ScoringRunSummary): boolean => r.status === 'done' && r.shard === null;

/**
 * The dataset/split on which most of the chosen models have a complete run (ties: the most
 * recently scored), or null when none of them is scored anywhere. A split one of the chosen
 * models was trained on is never the default: Compare is an evaluation and refuses it (409);
 * such runs score a model's own training images for curation.
 */
export function scoredTarget(runs: readonly ScoringRunSummary[], modelIds: readonly string[]): Target | null {
  const keyOf = (r: ScoringRunSummary) => `${r.datasetId}\u0000${r.split}`;
  const trainedOn = new Set(runs.filter((r) => r.purpose === 'training-split' && modelIds.includes(r.modelId)).map(keyOf));
  const cover = new Map<string, { t: Target; models: Set<string>; newest: string }>();
  for (const r of runs) {
    if (!usable(r) || !modelIds.includes(r.modelId)) continue;
    const key = keyOf(r);
    if (trainedOn.has(key)) continue;
    const c = cover.get(key) ?? { t: { datasetId: r.datasetId, split: r.split }, models: new Set<string>(), newest: '' };
    c.models.add(r.modelId);
    if (r.createdAt > c.newest) c.newest = r.createdAt;
    cover.set(key, c);
  }
  let best: { t: Target; models: Set<string>; newest: string } | null = null;
  for (const c of cover.values()) {
    if (!best || c.models.size > best.models.size || (c.models.size === best.models.size && c.newest > best.newest)) best = c;
  }
  return best?.t ?? null;
}

export interface ScoreParams {
  scheme: SchemeSpec;
  maxSteps: number;
  seed: number;
}

export type Coverage =
  | { modelId: string; state: 'scored'; run: ScoringRunSummary }
  /** a run exists but is not complete: resume it */
  | { modelId: string; state: 'partial'; run: ScoringRunSummary }
  /** no run at all: start one with these parameters */
  | { modelId: string; state: 'missing'; params: ScoreParams };

/**
 * For each chosen model, its run on the target, or what to do to get one. A missing model is
 * offered the parameters of another chosen model's run there, so the rows compare the same
 * perturbations; with none, `fallback` (the Score form's defaults).
 */
export function coverage(runs: readonly ScoringRunSummary[], modelIds: readonly string[], t: Target, fallback: ScoreParams): Coverage[] {
  const onTarget = runs.filter((r) => r.datasetId === t.datasetId && r.split === t.split && r.shard === null);
  const reference = onTarget.find((r) => usable(r) && modelIds.includes(r.modelId));
  const params: ScoreParams = reference ? { scheme: reference.scheme, maxSteps: reference.maxSteps, seed: reference.seed } : fallback;
  return modelIds.map((modelId): Coverage => {
    const done = onTarget.find((r) => r.modelId === modelId && usable(r));
    if (done) return { modelId, state: 'scored', run: done };
    const partial = onTarget.find((r) => r.modelId === modelId && r.status !== 'done');
    if (partial) return { modelId, state: 'partial', run: partial };
    return { modelId, state: 'missing', params };
  });
}
