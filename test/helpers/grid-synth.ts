/**
 * A synthetic grid (train + test rows, test scored) from a seed: the renderer's GridIndex tests
 * and the `grid` bench stage (query timings over 70,000 rows) use the same rows.
 */
import type { ScoreColumns } from '../../src-main/contract';
import type { GridQuery } from '../../src-renderer/src/lib/gridIndex';
import { mulberry32 as rng } from '../../src-main/core/mulberry32';

export function synth(train: number, test: number, seed = 1) {
  const r = rng(seed);
  const split: number[] = [];
  const index: number[] = [];
  const label: number[] = [];
  for (let i = 0; i < train; i++) {
    split.push(0);
    index.push(i);
    label.push(Math.floor(r() * 10));
  }
  for (let i = 0; i < test; i++) {
    split.push(1);
    index.push(i);
    label.push(Math.floor(r() * 10));
  }
  // splitCounts + label is what GridIndex takes; split and index per row serve the tests' reference
  const cols = { splitNames: ['train', 'test'], splitCounts: [train, test], split, index, label };
  const sc: ScoreColumns = { runId: 'r', index: [], label: [], steps: [], robust: [], cleanPred: [], cleanConf: [], foolPred: [], foolUpper: [] };
  for (let i = 0; i < test; i++) {
    const lab = label[train + i];
    const mis = r() < 0.05;
    const robust = !mis && r() < 0.4;
    sc.index.push(i);
    sc.label.push(lab);
    sc.steps.push(mis ? 0 : robust ? 250 : 1 + Math.floor(r() * 249));
    sc.robust.push(robust ? 1 : 0);
    sc.cleanPred.push(mis ? (lab + 1) % 10 : lab);
    sc.cleanConf.push(0.9);
    sc.foolPred.push(-1);
    sc.foolUpper.push(0.01);
  }
  return { cols, sc };
}

/** The queries timed over 70,000 rows (the bench) and checked against the reference (the test). */
export const BIG_QUERIES: [string, Partial<GridQuery>][] = [
  ['id asc, all', {}],
  ['label desc (first: builds the order)', { sortKey: 'label', sortDir: 'desc' }],
  ['label desc (cached order)', { sortKey: 'label', sortDir: 'desc' }],
  ['label filter 3,7', { labels: [3, 7] }],
  ['split test + label 5, sort label', { splits: [1], labels: [5], sortKey: 'label' }],
  ['steps asc (first)', { sortKey: 'steps', scoredOnly: true }],
  ['robustness desc (first)', { sortKey: 'robust', sortDir: 'desc', scoredOnly: true }],
  ['misclassified, step range', { misclassified: 'no', stepsMin: 5, stepsMax: 100, sortKey: 'steps' }],
];
