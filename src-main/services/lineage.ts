/**
 * Training lineage in the services: what a model saw, and the door every evaluation passes
 * (Evaluate, Compare, experiment test figures). An evaluation overlapping the model's training
 * images is refused (RefusedError: a 4xx over the loopback, exit 1 in the CLI); a model whose
 * lineage is unknown (imported, or trained before lineage was recorded) is evaluated with a
 * warning.
 */
import type { DatasetSummary, ModelInfo, ScoringRunSummary } from '../contract/types';
import { RefusedError } from '../core/errors';
import { evaluationTarget, isKnownLineage, leakMessage, overlapCount, trainRefusal, type TrainingLineage } from '../core/lineage';
import type { AppState } from './app-state';

export function lineageOf(m: ModelInfo): TrainingLineage | null {
  return isKnownLineage(m.lineage) ? m.lineage : null;
}

export function unknownLineageWarning(m: ModelInfo): string {
  return `lineage unknown: model ${m.name} ${m.arch === 'imported' ? 'was imported' : 'was trained before training lineage was recorded'}, so nothing proves it never saw these images`;
}

export interface EvaluationCheck {
  /** null when the lineage proves the images unseen */
  warning: string | null;
  lineage: TrainingLineage | null;
}

/**
 * Refuse an evaluation of `m` on `split` (or on `indices` of it) when the model saw any of
 * those images; otherwise say whether the lineage is known.
 */
export function checkEvaluation(ds: DatasetSummary, m: ModelInfo, split: string, indices: ArrayLike<number> | null): EvaluationCheck {
  const l = lineageOf(m);
  if (!l) return { warning: unknownLineageWarning(m), lineage: null };
  const info = ds.splits.find((s) => s.name === split);
  const count = info?.count ?? 0;
  const overlap = overlapCount(l, ds.id, split, count, indices);
  if (overlap > 0) throw new RefusedError(leakMessage(m.name, l, split, overlap, evaluationTarget(ds.splits, l)));
  return { warning: null, lineage: l };
}

/** A scoring run's purpose: an evaluation, or a score of the model's own training images (for curation). */
export function runPurpose(app: AppState, run: ScoringRunSummary): 'evaluation' | 'training-split' | 'unknown-lineage' {
  const ws = app.requireWorkspace();
  let m: ModelInfo;
  try {
    m = ws.models.get(run.modelId);
  } catch {
    return 'unknown-lineage';
  }
  const l = lineageOf(m);
  if (!l) return 'unknown-lineage';
  return overlapCount(l, run.datasetId, run.split, run.count, null) > 0 ? 'training-split' : 'evaluation';
}

/** Retraining from a run of the evaluation split is refused. */
export function checkTrainableRun(app: AppState, runId: string): void {
  const ws = app.requireWorkspace();
  const run = ws.runs.get(runId);
  const ds = ws.datasets.get(run.datasetId);
  const refusal = trainRefusal(run.split, ds.splits.some((s) => s.name === 'train'));
  if (refusal) throw new RefusedError(refusal);
}
