/**
 * What each kind of job ends with: the `result` of its `job.finished` event, typed by the job's
 * kind, so a client that follows a job (the CLI, a renderer store) or resumes one needs no cast.
 */
import type { ExperimentInfo } from './experiments';
import type { DatasetSummary, EvalResult, ExportFormat, ModelInfo, ScoringRunSummary } from './types';

/** A curated set exported to a folder. */
export interface ExportResult {
  path: string;
  format: ExportFormat;
  count: number;
  files: string[];
}

/** M_R (and the control M_C) trained with the source model's recipe, and the test runs of M, M_R, M_C. */
export interface RetrainResult {
  mr: ModelInfo;
  mc: ModelInfo | null;
  runs: { M: string; MR: string; MC: string | null };
  /** the split M, M_R and M_C were scored on, and the images compared ("split test", or its held-out carve on a dataset without a test split) */
  evaluation?: { split: string; images: string };
  /** the evaluated models whose lineage is unknown (as Compare says) */
  warnings?: string[];
}

/** The result of a finished job, by its kind. */
export interface JobResults {
  import: DatasetSummary;
  download: DatasetSummary;
  train: ModelInfo;
  eval: EvalResult;
  score: ScoringRunSummary;
  export: ExportResult;
  retrain: RetrainResult;
  experiment: ExperimentInfo;
}

export type JobResultOf<K extends keyof JobResults> = JobResults[K];
