import { describe, expect, it } from 'vitest';
import type { ScoringRunSummary } from '../../src-main/contract';
import { scoredTarget } from '../../src-renderer/src/lib/compare';

const run = (over: Partial<ScoringRunSummary>): ScoringRunSummary => ({
  id: 'r', modelId: 'm1', datasetId: 'd1', split: 'test', scheme: { name: 'paper', params: { k: 28 } }, maxSteps: 250, seed: 0,
  backend: 'wasm', workers: 1, status: 'done', createdAt: '2026-01-01T00:00:00Z', count: 10, done: 10, stats: null, modelHash: 'h', shard: null,
  purpose: 'evaluation', ...over,
});

describe('Compare’s default dataset/split', () => {
  it('follows the newest complete run of the chosen models', () => {
    const runs = [run({ id: 'a', split: 'test' }), run({ id: 'b', split: 'extra', createdAt: '2026-01-02T00:00:00Z' })];
    expect(scoredTarget(runs, ['m1'])).toEqual({ datasetId: 'd1', split: 'extra' });
  });

  it('never defaults to a split a chosen model was trained on (Compare refuses it with a 409)', () => {
    // the newest run scores M's own training split for curation: the test split stays the default
    const runs = [run({ id: 'a', split: 'test' }), run({ id: 'b', split: 'train', purpose: 'training-split', createdAt: '2026-01-02T00:00:00Z' })];
    expect(scoredTarget(runs, ['m1'])).toEqual({ datasetId: 'd1', split: 'test' });
    // a second model's evaluation run on that split does not make it comparable for the first
    const both = [...runs, run({ id: 'c', modelId: 'm2', split: 'train', createdAt: '2026-01-03T00:00:00Z' })];
    expect(scoredTarget(both, ['m1', 'm2'])).toEqual({ datasetId: 'd1', split: 'test' });
    expect(scoredTarget([runs[1]], ['m1'])).toBeNull();
  });
});
