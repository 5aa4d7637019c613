/**
 * Curation rules on a scored split: keep robust || steps >= minSteps among correctly classified
 * images (minSteps null: robust only; misclassified images, steps 0, only with
 * `keepMisclassified`), balance the classes with a seeded sample, then apply manual overrides.
 *
 * - Force exclude removes an image before anything else, so it is never sampled.
 * - Force include adds an image after balancing, even when the rules dropped it.
 * - Several overrides of one index: the last wins.
 * - 'per-class' n: classes with fewer than n kept images stay whole and are listed in `short`.
 * - 'equalize': n = the smallest count among classes that kept at least one image; classes
 *   that kept none are listed in `short` with 0.
 * Sampling: a seeded Fisher–Yates shuffle per class of the candidates in ascending index
 * order, stream (seed, 'curation', classId, 0); the first n are kept.
 */
import type { CurationPreview, CurationRules } from '../contract/types';
import { InputError } from './errors';
import { streamFor } from './rng';

export interface CurationScores {
  index: ArrayLike<number>;
  label: ArrayLike<number>;
  steps: ArrayLike<number>;
  robust: ArrayLike<number>;
}

/** n items of `items` chosen uniformly without replacement (seeded partial Fisher–Yates). */
export function seededSample(items: readonly number[], n: number, seed: number, split: string, stream: number): number[] {
  const a = items.slice();
  const rng = streamFor(seed, split, stream, 0);
  const take = Math.min(n, a.length);
  for (let i = 0; i < take; i++) {
    const j = i + rng.nextInt(a.length - i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, take);
}

function countByClass(labels: Iterable<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

export function curate(
  scores: CurationScores,
  rules: CurationRules,
  overrides: { index: number; mode: 'include' | 'exclude' }[],
  numClasses: number,
): CurationPreview {
  const n = scores.index.length;
  const labelOf = new Map<number, number>();
  for (let r = 0; r < n; r++) {
    const label = scores.label[r];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new InputError('curation', `image ${scores.index[r]} has label ${label} outside 0..${numClasses - 1}`);
    }
    labelOf.set(scores.index[r], label);
  }
  const mode = new Map<number, 'include' | 'exclude'>();
  for (const o of overrides) {
    if (!labelOf.has(o.index)) throw new InputError('curation overrides', `image index ${o.index} is not in the scored split`);
    mode.set(o.index, o.mode);
  }

  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let r = 0; r < n; r++) {
    const index = scores.index[r];
    if (mode.get(index) === 'exclude') continue;
    // steps 0 = misclassified unperturbed: kept only with the explicit keepMisclassified
    const keep = scores.robust[r] ? true : rules.minSteps !== null && scores.steps[r] >= rules.minSteps && (scores.steps[r] > 0 || rules.keepMisclassified === true);
    if (keep) byClass[scores.label[r]].push(index);
  }
  for (const list of byClass) list.sort((x, y) => x - y);

  let target: number | null = null;
  if (rules.balance.mode === 'per-class') target = rules.balance.n;
  else if (rules.balance.mode === 'equalize') {
    const nonEmpty = byClass.map((l) => l.length).filter((c) => c > 0);
    target = nonEmpty.length ? Math.min(...nonEmpty) : 0;
  }

  const members = new Set<number>();
  const short: { classId: number; available: number }[] = [];
  byClass.forEach((list, classId) => {
    if (target === null || list.length <= target) {
      if (target !== null && list.length < target) short.push({ classId, available: list.length });
      else if (target !== null && list.length === 0) short.push({ classId, available: 0 });
      for (const i of list) members.add(i);
    } else {
      for (const i of seededSample(list, target, rules.seed, 'curation', classId)) members.add(i);
    }
  });
  for (const [index, m] of mode) if (m === 'include') members.add(index);

  const sorted = [...members].sort((x, y) => x - y);
  return {
    before: countByClass(labelOf.values(), numClasses),
    after: countByClass(
      sorted.map((i) => labelOf.get(i) as number),
      numClasses,
    ),
    short,
    kept: byClass.map((l) => l.length),
    target,
    total: sorted.length,
    members: sorted,
  };
}

/**
 * The control arm M_C: perClassCounts[c] images of class c drawn uniformly (not filtered by
 * robustness) from all images (or the `eligible` ones: a held-out carve is never drawn),
 * labels[i] being the label of image i; indices ascending. Stream (seed, 'control', classId, 0).
 */
export function randomBalancedSubset(labels: ArrayLike<number>, perClassCounts: readonly number[], seed: number, eligible?: (index: number) => boolean): number[] {
  const byClass: number[][] = perClassCounts.map(() => []);
  for (let i = 0; i < labels.length; i++) if (!eligible || eligible(i)) byClass[labels[i]]?.push(i);
  const out: number[] = [];
  perClassCounts.forEach((want, classId) => {
    const have = byClass[classId].length;
    if (want > have) throw new InputError('control subset', `class ${classId} has ${have} images but ${want} were asked for`);
    out.push(...seededSample(byClass[classId], want, seed, 'control', classId));
  });
  return out.sort((x, y) => x - y);
}
