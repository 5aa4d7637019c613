/**
 * Column conversions shared by the services and the renderer's test fakes: the scores of a run
 * as scoring.scores sends them (typed arrays, which cross the transports as one binary frame).
 * Pure.
 */
import type { ScoreColumnArrays, ScoreColumns } from './types';

export function scoreArrays(s: ScoreColumns): ScoreColumnArrays {
  return {
    runId: s.runId,
    index: Int32Array.from(s.index),
    label: Uint8Array.from(s.label),
    steps: Int32Array.from(s.steps),
    robust: Uint8Array.from(s.robust),
    cleanPred: Int32Array.from(s.cleanPred),
    cleanConf: Float32Array.from(s.cleanConf),
    foolPred: Int32Array.from(s.foolPred),
    foolUpper: Float32Array.from(s.foolUpper),
  };
}
