/**
 * Training lineage: which images a model saw (dataset, split, image indices, validation carve),
 * and the rule that keeps a model from being evaluated on them.
 *
 * A lineage of version 1 names the split trained on and either every image of it (`indices`
 * null, minus a held-out carve when the dataset has a single split) or the exact indices (a
 * curated set or a control). The validation carve is part of what the model saw (it chose the
 * weights), so evaluations overlapping it are refused too.
 */
import { streamFor } from './rng';

export interface HeldOutCarve {
  /** the split the carve is taken from (a dataset with a single split) */
  split: string;
  share: number;
  seed: number;
  /** the carved (held-out, never trained on) indices, ascending */
  indices: number[];
}

export interface TrainingLineage {
  version: 1;
  datasetId: string;
  dataset: string;
  split: string;
  /** indices of `split` the model may have seen (training + validation); null = all of the split but `heldOut` */
  indices: number[] | null;
  /** what `indices` are: the whole split, a curated set (id and version) or a control subset */
  source: { kind: 'split' } | { kind: 'curated'; curatedSetId: string; curatedSet: string } | { kind: 'control'; controlFor: string; curatedSet?: string } | { kind: 'subset'; note: string };
  validation: { method: 'random' | 'stratified'; share: number; seed: number; indices: number[] };
  heldOut: HeldOutCarve | null;
  trainCount: number;
  valCount: number;
}

/** The evaluation images a dataset offers: its `test` split, else a held-out carve of its only split. */
export type EvaluationTarget = { split: string; indices: number[] | null; label: string };

export const HELD_OUT_SHARE = 0.2;
export const HELD_OUT_SEED = 0;

export function isKnownLineage(l: unknown): l is TrainingLineage {
  return !!l && typeof l === 'object' && (l as { version?: unknown }).version === 1 && typeof (l as { split?: unknown }).split === 'string';
}

const isIndexList = (x: unknown): x is number[] => Array.isArray(x) && x.every((i) => Number.isInteger(i) && i >= 0);

/**
 * A lineage whose every field has the shape the leak door reads (indices lists of non-negative
 * integers, counts integers): what a lineage read from a file must be before a model adopts it.
 */
export function isSoundLineage(l: unknown): l is TrainingLineage {
  if (!isKnownLineage(l)) return false;
  const v = l as Partial<TrainingLineage>;
  const held = v.heldOut;
  return (
    typeof v.datasetId === 'string' &&
    typeof v.dataset === 'string' &&
    (v.indices === null || isIndexList(v.indices)) &&
    !!v.validation &&
    typeof v.validation === 'object' &&
    isIndexList(v.validation.indices) &&
    (held === null || (!!held && typeof held === 'object' && typeof held.split === 'string' && isIndexList(held.indices))) &&
    Number.isInteger(v.trainCount) &&
    Number.isInteger(v.valCount)
  );
}

/**
 * A seeded, class-stratified carve: round(share · n_c) images of each class c (at least one when
 * the class has two or more and share > 0), drawn by a seeded Fisher–Yates over the class's
 * indices in ascending order; stream (seed, 'carve', classId, 0). Returns ascending positions.
 */
export function stratifiedCarve(labels: ArrayLike<number>, share: number, seed: number, positions?: ArrayLike<number>): number[] {
  if (!(share >= 0 && share < 1)) throw new RangeError(`carve share must be in [0, 1), got ${share}`);
  const pos = positions ?? Array.from({ length: labels.length }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  for (let k = 0; k < pos.length; k++) {
    const p = pos[k];
    const c = labels[p];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(p);
  }
  const out: number[] = [];
  for (const [c, list] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
    if (share === 0) break;
    const want = list.length < 2 ? 0 : Math.min(list.length - 1, Math.max(1, Math.round(share * list.length)));
    const a = list.slice().sort((x, y) => x - y);
    const rng = streamFor(seed, 'carve', c, 0);
    for (let i = 0; i < want; i++) {
      const j = i + rng.nextInt(a.length - i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    out.push(...a.slice(0, want));
  }
  return out.sort((x, y) => x - y);
}

/** The images of `split` (count `count`) the lineage says the model saw, as a membership test. */
export function seenTest(l: TrainingLineage, count: number): (index: number) => boolean {
  if (l.indices) {
    const s = new Set(l.indices);
    return (i) => s.has(i);
  }
  const held = l.heldOut && l.heldOut.split === l.split ? new Set(l.heldOut.indices) : null;
  return (i) => i >= 0 && i < count && !(held?.has(i) ?? false);
}

/** How many of the evaluated images (`indices`, or the whole split of `count`) the model saw. */
export function overlapCount(l: TrainingLineage, datasetId: string, split: string, count: number, indices: ArrayLike<number> | null): number {
  if (l.datasetId !== datasetId || l.split !== split) return 0;
  const seen = seenTest(l, count);
  let n = 0;
  if (indices) {
    for (let k = 0; k < indices.length; k++) if (seen(indices[k])) n++;
  } else {
    for (let i = 0; i < count; i++) if (seen(i)) n++;
  }
  return n;
}

/** The sentence a refused evaluation shows: the run's split and the split to use instead. */
export function leakMessage(modelName: string, l: TrainingLineage, split: string, overlap: number, instead: EvaluationTarget | null): string {
  const what = l.indices ? `${l.indices.length} images of split "${l.split}"` : `split "${l.split}"`;
  const use = instead ? (instead.indices ? `evaluate on the held-out carve of "${instead.split}" (${instead.indices.length} images) instead` : `evaluate on split "${instead.split}" instead`) : 'this dataset has no images the model did not see';
  return `refused: model ${modelName} was trained on ${what} of ${l.dataset}, and ${overlap} of the images of split "${split}" you asked to evaluate on are among them (a model is never evaluated on images it saw): ${use}`;
}

/** The images to evaluate on that the model never saw: the test split, or the held-out carve. */
export function evaluationTarget(splits: { name: string }[], l: TrainingLineage | null): EvaluationTarget | null {
  const test = splits.find((s) => s.name === 'test');
  if (test && (!l || l.split !== 'test')) return { split: 'test', indices: null, label: 'test split' };
  if (l?.heldOut) return { split: l.heldOut.split, indices: l.heldOut.indices, label: `held-out carve of ${l.heldOut.split}` };
  const other = splits.find((s) => !l || s.name !== l.split);
  return other ? { split: other.name, indices: null, label: `${other.name} split` } : null;
}

/** Splits whose images may be trained on: every split but `test` (the evaluation split). */
export function isTrainableSplit(split: string): boolean {
  return split !== 'test';
}

export function trainRefusal(split: string, datasetHasTrain: boolean): string | null {
  if (isTrainableSplit(split)) return null;
  return `refused: this run covers split "${split}", the evaluation split: a model trained on it could only be evaluated on images it saw. Curate and export it if you like, but to retrain score the ${datasetHasTrain ? '"train"' : 'training'} split and curate that run instead`;
}
