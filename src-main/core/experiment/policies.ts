/**
 * Curation policies of an experiment, each a pure function of the reference model's scores on
 * its training split, and the matched control of each (a seeded random subset of the split with
 * identical per-class counts, not filtered by robustness):
 * - `paper`: robust images only, N per class (the paper's 1500 on MNIST);
 * - `robust-all`: every robust image, no balancing;
 * - `drop-fragile`: drop the `fraction` least robust images (sorted by (robust, steps), ties
 *   broken by a seeded shuffle; misclassified images, steps 0, go first), keep the rest;
 * - `hard-only`: every non-robust image (the edge cases) and as many robust images, drawn at
 *   random (all of them when there are fewer).
 */
import { curate, randomBalancedSubset, seededSample, type CurationScores } from '../curation';
import { streamFor } from '../rng';
// the policy names: one list, in the contract (the door's enum is made from it)
import { POLICY_NAMES } from '../../contract/experiments';

export type PolicyName = (typeof POLICY_NAMES)[number];

export interface PolicySpec {
  name: PolicyName;
  /** drop-fragile: the share dropped (default 0.1) */
  fraction?: number;
  /** paper: images per class (default 1500) */
  perClass?: number;
}

export interface PolicySelection {
  members: number[];
  classCounts: number[];
  /** one line: what the policy kept */
  description: string;
}

export const DEFAULT_DROP_FRACTION = 0.1;
export const DEFAULT_PER_CLASS = 1500;

function counts(members: readonly number[], labelOf: Map<number, number>, numClasses: number): number[] {
  const c = new Array<number>(numClasses).fill(0);
  for (const i of members) c[labelOf.get(i) as number]++;
  return c;
}

export function selectPolicy(p: PolicySpec, scores: CurationScores, numClasses: number, seed: number): PolicySelection {
  const n = scores.index.length;
  const labelOf = new Map<number, number>();
  for (let r = 0; r < n; r++) labelOf.set(scores.index[r], scores.label[r]);
  const done = (members: number[], description: string): PolicySelection => {
    const sorted = members.slice().sort((a, b) => a - b);
    return { members: sorted, classCounts: counts(sorted, labelOf, numClasses), description };
  };
  switch (p.name) {
    case 'paper': {
      const perClass = p.perClass ?? DEFAULT_PER_CLASS;
      const c = curate(scores, { minSteps: null, balance: { mode: 'per-class', n: perClass }, seed }, [], numClasses);
      return done(c.members, `robust images, ${perClass} per class`);
    }
    case 'robust-all': {
      const m: number[] = [];
      for (let r = 0; r < n; r++) if (scores.robust[r]) m.push(scores.index[r]);
      return done(m, 'every robust image');
    }
    case 'drop-fragile': {
      const fraction = p.fraction ?? DEFAULT_DROP_FRACTION;
      if (!(fraction > 0 && fraction < 1)) throw new RangeError(`drop-fragile fraction must be in (0, 1), got ${fraction}`);
      const rng = streamFor(seed, 'drop-fragile', 0, 0);
      const tie = new Float64Array(n);
      for (let r = 0; r < n; r++) tie[r] = rng.nextInt(2 ** 32);
      const order = Array.from({ length: n }, (_, r) => r).sort((a, b) => (scores.robust[a] - scores.robust[b]) || (scores.steps[a] - scores.steps[b]) || (tie[a] - tie[b]) || a - b);
      const drop = Math.floor(fraction * n);
      return done(order.slice(drop).map((r) => scores.index[r]), `all but the ${(100 * fraction).toFixed(0)}% least robust (${drop} dropped)`);
    }
    case 'hard-only': {
      const hard: number[] = [];
      const easy: number[] = [];
      for (let r = 0; r < n; r++) (scores.robust[r] ? easy : hard).push(scores.index[r]);
      const share = seededSample(easy.sort((a, b) => a - b), hard.length, seed, 'hard-only', 0);
      return done([...hard, ...share], `${hard.length} non-robust images and ${share.length} random robust ones`);
    }
  }
}

/** The matched control: per-class counts identical to the policy's, drawn at random from the split. */
export function matchedControl(labels: ArrayLike<number>, classCounts: readonly number[], seed: number, policy: PolicyName): number[] {
  // a distinct stream per policy, so two policies with equal counts get independent controls
  const policySeed = (seed + 0x9e37 * (POLICY_NAMES.indexOf(policy) + 1)) >>> 0;
  return randomBalancedSubset(labels, classCounts, policy === 'paper' ? seed : policySeed);
}

export function parsePolicies(text: string): PolicySpec[] {
  const out: PolicySpec[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z-]+)(?::([0-9.]+))?$/.exec(raw);
    if (!m || !(POLICY_NAMES as readonly string[]).includes(m[1])) throw new RangeError(`unknown policy "${raw}": use ${POLICY_NAMES.join(', ')} (drop-fragile:0.2 sets its fraction)`);
    const name = m[1] as PolicyName;
    if (out.some((p) => p.name === name)) throw new RangeError(`policy ${name} is listed twice`);
    out.push(m[2] !== undefined ? (name === 'drop-fragile' ? { name, fraction: Number(m[2]) } : name === 'paper' ? { name, perClass: Number(m[2]) } : { name }) : { name });
  }
  if (out.length === 0) throw new RangeError('no policy given');
  return out;
}
