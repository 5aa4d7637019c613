/**
 * Training lineage in the services: what a model saw, and the door every evaluation passes
 * (Evaluate, Compare, experiment test figures). An evaluation overlapping the model's training
 * images is refused (RefusedError: a 4xx over the loopback, exit 1 in the CLI); a model whose
 * lineage is unknown (imported, or trained before lineage was recorded) is evaluated with a
 * warning.
 */
import { createHash } from 'node:crypto';
import type { DatasetSummary, ModelInfo, ScoringRunSummary } from '../contract/types';
import { RefusedError } from '../core/errors';
import { evaluationTarget, HELD_OUT_SEED, HELD_OUT_SHARE, isKnownLineage, isSoundLineage, leakMessage, overlapCount, stratifiedCarve, trainRefusal, type HeldOutCarve, type TrainingLineage } from '../core/lineage';
import type { Workspace } from '../store/workspace';
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
export function checkEvaluation(ws: Workspace, ds: DatasetSummary, m: ModelInfo, split: string, indices: ArrayLike<number> | null): EvaluationCheck {
  const known = lineageOf(m);
  if (!known) return { warning: unknownLineageWarning(m), lineage: null };
  const l = lineageFor(ws, known, ds, split);
  const info = ds.splits.find((s) => s.name === split);
  const count = info?.count ?? 0;
  const overlap = overlapCount(l, ds.id, split, count, indices);
  if (overlap > 0) throw new RefusedError(leakMessage(m.name, l, split, overlap, evaluationTarget(ds.splits, l)));
  return { warning: null, lineage: l };
}

/**
 * The lineage as it bears on `split` of `ds`. A lineage names its images by dataset id, and the
 * same files imported again (another path, a copy) make another dataset: when the split trained
 * on and `split` hold the same pixel file (its sha256, recorded at import), the lineage is read
 * as naming `split` of `ds`. A lineage whose dataset is gone from the workspace is left as it is.
 */
export function lineageFor(ws: Workspace, l: TrainingLineage, ds: DatasetSummary, split: string): TrainingLineage {
  if (l.datasetId === ds.id) return l;
  let same = false;
  try {
    same = ws.datasets.splitSha256(l.datasetId, l.split) === ws.datasets.splitSha256(ds.id, split);
  } catch {
    return l;
  }
  return same ? { ...l, datasetId: ds.id, dataset: ds.name, split, heldOut: l.heldOut ? { ...l.heldOut, split } : null } : l;
}

/**
 * The held-out carve a training on `split` keeps out when the dataset has no test split (the
 * images its evaluations use), or null when the dataset has one.
 */
export function heldOutCarve(ws: Workspace, ds: DatasetSummary, split: string): HeldOutCarve | null {
  if (ds.splits.some((s) => s.name === 'test')) return null;
  return { split, share: HELD_OUT_SHARE, seed: HELD_OUT_SEED, indices: stratifiedCarve(ws.datasets.labels(ds.id, split), HELD_OUT_SHARE, HELD_OUT_SEED) };
}

/** The images an evaluation uses: a whole split, or the held-out carve of one (indices). */
export interface EvaluationImages {
  split: string;
  indices: number[] | null;
  /** "split test", "held-out carve of train (12 images)" */
  label: string;
}

export function imagesLabel(split: string, indices: ArrayLike<number> | null): string {
  return indices ? `held-out carve of ${split} (${indices.length} images)` : `split ${split}`;
}

/**
 * What an evaluation of models on `split` runs on (Evaluate, Compare): the whole split, or, when
 * a model trained on this split of a dataset without a test split, the held-out carve such a
 * training keeps out (every model of the evaluation on the same images). The carve comes from
 * the dataset, never from a lineage: a lineage only says whether a model trained on the split.
 */
export function evaluationImages(ws: Workspace, ds: DatasetSummary, models: ModelInfo[], split: string): EvaluationImages {
  const carve = heldOutCarve(ws, ds, split);
  const trainedHere = models.some((m) => {
    const l = lineageOf(m);
    const here = l && lineageFor(ws, l, ds, split);
    return !!here && here.datasetId === ds.id && here.split === split;
  });
  if (carve && trainedHere) return { split, indices: carve.indices, label: imagesLabel(split, carve.indices) };
  return { split, indices: null, label: imagesLabel(split, null) };
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
  const known = lineageOf(m);
  if (!known) return 'unknown-lineage';
  let l = known;
  try {
    l = lineageFor(ws, known, ws.datasets.get(run.datasetId), run.split);
  } catch {
    // the run's dataset is gone: its own id is all there is to go by
  }
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

/** What names a split's images in any workspace: its pixel file's and its labels' sha256. */
export interface SplitIdentity {
  pixelsSha256: string;
  labelsSha256: string;
  count: number;
}

export function splitIdentity(ws: Workspace, datasetId: string, split: string): SplitIdentity {
  const labels = ws.datasets.labels(datasetId, split);
  return { pixelsSha256: ws.datasets.splitSha256(datasetId, split), labelsSha256: createHash('sha256').update(labels).digest('hex'), count: labels.length };
}

/**
 * The lineage a model file exported from this workspace carries in its rpr.json: the model's,
 * with the identity of the split it trained on, so a workspace that imports the file (rpr eval,
 * rpr score, Import) finds the same images whatever it calls them. Null when unknown.
 */
export function portableLineage(ws: Workspace, m: ModelInfo): Record<string, unknown> | null {
  const l = lineageOf(m);
  if (!l) return null;
  try {
    return { ...m.lineage, splitIdentity: splitIdentity(ws, l.datasetId, l.split) };
  } catch {
    return null; // the dataset it trained on is gone: nothing ties the lineage to images any more
  }
}

/**
 * The training lineage an imported model file keeps: that of a model of this workspace with the
 * same weights (same content hash), else the one its rpr.json carries when the rpr.json names
 * these weights and a split of a dataset of this workspace holds exactly the images it names
 * (the dataset the import is for first). Null: lineage unknown.
 */
export function carriedLineage(ws: Workspace, hash: string, meta: unknown, datasetId: string): { lineage: Record<string, unknown>; from: string } | null {
  const same = ws.models.list().filter((m) => m.hash === hash && isKnownLineage(m.lineage));
  const own = same.find((m) => m.arch !== 'imported') ?? same[0];
  if (own) return { lineage: { ...own.lineage }, from: `model ${own.id} of this workspace (same weights)` };
  const file = meta as { hash?: unknown; lineage?: unknown } | null;
  if (!file || file.hash !== hash || !isSoundLineage(file.lineage)) return null;
  const l = file.lineage as TrainingLineage & { splitIdentity?: Partial<SplitIdentity> };
  const want = l.splitIdentity;
  if (!want || typeof want.pixelsSha256 !== 'string' || typeof want.labelsSha256 !== 'string') return null;
  const datasets = ws.datasets.list().sort((a, b) => Number(b.id === datasetId) - Number(a.id === datasetId));
  for (const ds of datasets) {
    const s = ds.splits.find((x) => x.name === l.split);
    if (!s || s.count !== want.count) continue;
    const have = splitIdentity(ws, ds.id, s.name);
    if (have.pixelsSha256 === want.pixelsSha256 && have.labelsSha256 === want.labelsSha256) return { lineage: { ...l, datasetId: ds.id, dataset: ds.name }, from: 'the model file\'s rpr.json' };
  }
  return null;
}
