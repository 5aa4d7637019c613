/**
 * What the calls a headless client needs (the `rpr` command, issue 13) return, and the files
 * `rpr score` writes beside its --json (the result JSON and run.json, which `rpr curate`,
 * `rpr retrain` and `rpr merge` read back). Their input schemas are a block of contract/calls.ts.
 */
import type { CurationPreview, ModelInfo, RunStats, SchemeSpec, ScoringRunSummary } from './types';

/** The clean accuracy of a model on a sample of the dataset, measured at import. */
export interface ModelSanity {
  split: string;
  count: number;
  accuracy: number;
  chance: number;
  nearChance: boolean;
}

/** A sentence for the user about a sanity check (null when there is nothing to warn about). */
export function sanityWarning(s: ModelSanity | null | undefined): string | null {
  if (!s || !s.nearChance) return null;
  return `WARNING: clean accuracy on ${s.count} ${s.split} images is ${(100 * s.accuracy).toFixed(1)}%, near chance (${(100 * s.chance).toFixed(1)}%): check the class map, the input scale (--input-scale) and the layout before scoring`;
}

/** `models.ensureImported`: the model, and whether an identical earlier import was reused. */
export interface EnsuredModel {
  model: ModelInfo;
  reused: boolean;
  /** what the import found in an ONNX graph (null for TF.js models) */
  onnxSummary: string | null;
  /** the sanity check of this inspection */
  sanity: ModelSanity | null;
}

/** `system.calibrate`: the calibration in force (null when none applies) and what was said while making it. */
export interface CalibrationOutcome {
  calibration: string | null;
  messages: string[];
}

/** `scoring.prepare`: the run to score (a new one, the interrupted one), or the finished identical one reused. */
export interface PreparedRun {
  run: ScoringRunSummary;
  reused: boolean;
}

/** run.json: what `rpr score` scored, read back by `rpr curate`, `rpr retrain` and `rpr merge`. */
export interface RunFile {
  format: 'rpr-run';
  version: 1;
  datasetPath: string;
  datasetKind: string;
  split: string;
  scheme: SchemeSpec;
  k: number | null;
  maxSteps: number;
  seed: number;
  modelHash: string;
  modelPath: string | null;
  numClasses: number;
  classNames: string[];
  backend: string;
  /** ONNX Runtime's execution provider when backend is onnxruntime */
  executionProvider?: string;
  workers: number;
  shard: [number, number] | null;
  /** the workspace and run the scores came from, when any */
  workspace: string | null;
  runId: string | null;
}

/** The result JSON `rpr score --json` (and `rpr merge --json`) writes. */
export interface ScoreJson extends RunStats {
  backend: string;
  executionProvider?: string;
  workers: number;
  scoresFile: string;
  runFile: string;
  split: string;
  shard: [number, number] | null;
  authorsLoopPredictions: number;
  predictionsOverMinimum: number;
}

/** `scoring.writeFiles` and `scoring.merge`: the three files written. */
export interface ScoreFiles {
  json: string;
  scoresFile: string;
  runFile: string;
  stats: RunStats;
  maxSteps: number;
}

/** `curation.exportScores`: the curation of a scores file, and (unless a dry run) where it was exported. */
export interface ScoresCuration {
  preview: Omit<CurationPreview, 'members'>;
  classNames: string[];
  /** scored images in the file */
  rows: number;
  /** the export (null for a dry run) */
  path: string | null;
  elapsedMs: number;
}
