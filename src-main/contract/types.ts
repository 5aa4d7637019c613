/**
 * Data shapes that cross the contract. Plain JSON-friendly types, except where a
 * field is documented as binary (Uint8Array), which every transport carries as bytes.
 * The renderer imports these with `import type` only.
 */

import type { JobResultOf } from './job-results';

export type SplitName = string; // 'train' | 'test' for MNIST; the rule: contract/names.ts

/** `<split>/<index>`: the 0-based index in the split's file order. */
export type ImageId = string;

export interface ImageShape {
  height: number;
  width: number;
  channels: 1 | 3;
}

export interface WorkspaceInfo {
  path: string;
  schemaVersion: number;
  createdAt: string;
}

export interface RecentWorkspace {
  path: string;
  openedAt: string;
}

export type DatasetSourceKind = 'idx' | 'imagefolder' | 'csv' | 'download' | 'cifar';

export interface SplitSummary {
  name: SplitName;
  count: number;
  /** count per class id, length = classNames.length */
  classCounts: number[];
  /** file(s) the split was read from, relative to the dataset source */
  origin: string;
}

export interface DatasetSummary {
  id: string;
  name: string;
  sourceKind: DatasetSourceKind;
  sourcePath: string;
  shape: ImageShape;
  classNames: string[];
  splits: SplitSummary[];
  createdAt: string;
  /** warnings raised at import (e.g. CSV values read as [0,1] and scaled) */
  warnings: string[];
}

/**
 * Columnar metadata of every image of a dataset, in (split order, index) order.
 * Row r is image `${splitNames[split[r]]}/${index[r]}`.
 */
export interface ImageColumns {
  datasetId: string;
  splitNames: SplitName[];
  split: number[];
  index: number[];
  label: number[];
}

export interface ImageDetail {
  id: ImageId;
  datasetId: string;
  split: SplitName;
  index: number;
  label: number;
  className: string;
  /** file of origin: the IDX file (with record number) or the image file's relative path */
  origin: string;
  shape: ImageShape;
  pixels: Uint8Array;
}

export type BackendName = 'onnxruntime' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** why each better backend was not used, e.g. { tensorflow: 'tfjs-node not installed' } */
  unavailable: Partial<Record<BackendName, string>>;
  forced: boolean;
  workers: number;
  /** ONNX Runtime's execution provider ('cpu', 'cuda', 'coreml', 'dml') when name is onnxruntime */
  executionProvider?: string;
  /** the TF.js backend that trains (and scores models ONNX Runtime cannot run) beside onnxruntime */
  tfjsBackend?: BackendName;
  /** the calibrated engine setting in use, e.g. "2 workers × 1 thread, batch 1024" */
  calibration?: string;
}

export type ArchName = 'paper-cnn' | 'classic-cnn' | 'mlp';

/** x/255, x/127.5 − 1, or (x/255 − mean)/std, per channel when mean/std are lists (one per channel) */
export type InputScale = 'unit' | 'signed' | { mean: number; std: number } | { mean: number[]; std: number[] };

export interface ModelInfo {
  id: string;
  name: string;
  arch: ArchName | 'imported';
  format: 'layers' | 'graph' | 'savedmodel' | 'onnx';
  inputShape: [number, number, number] | [number];
  numClasses: number;
  inputScale: InputScale;
  datasetId: string | null;
  /** training settings and the data it saw (dataset, split, curated set id) */
  config: Record<string, unknown>;
  lineage: Record<string, unknown>;
  hash: string;
  createdAt: string;
  metrics: { testAccuracy?: number; valAccuracy?: number; trainAccuracy?: number; /** accuracy on the import's sanity sample */ sampleAccuracy?: number };
  path: string;
}

export interface EvalResult {
  modelId: string;
  datasetId: string;
  split: SplitName;
  accuracy: number;
  /** confusion[true][pred] */
  confusion: number[][];
  count: number;
  /** which images: `split test`, or `held-out carve of train` (a single-split dataset) */
  images?: string;
  /** set when the model's training lineage is unknown (imported, or trained before lineage was recorded) */
  warning?: string;
}

export type SchemeName =
  | 'paper'
  | 'pixels'
  | 'salt-pepper'
  | 'gaussian'
  | 'blur'
  | 'occlusion'
  | 'brightness-contrast'
  | 'fog';

export interface SchemeSpec {
  name: SchemeName;
  /** scheme parameters, e.g. { k: 28 } for paper/pixels, { sigma: 25 } for gaussian */
  params: Record<string, number>;
}

export interface ScoringRunSummary {
  id: string;
  modelId: string;
  datasetId: string;
  split: SplitName;
  scheme: SchemeSpec;
  maxSteps: number;
  seed: number;
  backend: BackendName;
  /** ONNX Runtime's execution provider when backend is onnxruntime */
  executionProvider?: string;
  workers: number;
  status: 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
  createdAt: string;
  count: number;
  done: number;
  stats: RunStats | null;
  modelHash: string;
  /** `--shard i/n` as [i, n]; null for a whole split */
  shard: [number, number] | null;
  /** the user's name for the run (scoring.rename); null when never named */
  name?: string | null;
  /** 'training-split': the model's own training images, scored to curate them (never a test result) */
  purpose?: 'evaluation' | 'training-split' | 'unknown-lineage';
}

export interface RunStats {
  n: number;
  accuracy: number;
  robustRatio: number;
  robustRatioCI95: [number, number];
  /** curve[t-1]: share of all N images not fooled by any of the first t draws */
  curve: number[];
  curveLo: number[];
  curveHi: number[];
  perClassRobustRatio: number[];
  perClassRobustRatioCI95: [number, number][];
  perClassCount: number[];
  /** histogram of steps, index = steps (0..maxSteps) */
  stepsHistogram: number[];
  predictions: number;
  stepsSum: number;
  elapsedMs: number;
}

/** Per-image scores of a run, columnar, in index order. */
export interface ScoreColumns {
  runId: string;
  index: number[];
  label: number[];
  steps: number[];
  robust: number[];
  cleanPred: number[];
  cleanConf: number[];
  /** -1 when the image was never fooled */
  foolPred: number[];
  foolUpper: number[];
}

export interface FoolingView {
  id: ImageId;
  step: number;
  original: Uint8Array;
  perturbed: Uint8Array | null;
  changedPixels: number;
  cleanPred: number;
  foolPred: number | null;
  foolUpper: number;
  shape: ImageShape;
}

export type BalanceRule = { mode: 'all' } | { mode: 'per-class'; n: number } | { mode: 'equalize' };

export interface CurationRules {
  /** keep robust || steps >= minSteps; null keeps robust images only */
  minSteps: number | null;
  balance: BalanceRule;
  seed: number;
  /** keep misclassified images (steps 0) when minSteps is 0; off unless asked */
  keepMisclassified?: boolean;
}

export type OverrideMode = 'include' | 'exclude';

export interface CurationPreview {
  before: number[];
  after: number[];
  /** classes that cannot reach N: class id and how many they have */
  short: { classId: number; available: number }[];
  /** images per class the rules keep, before balancing (what balancing cuts down from) */
  kept?: number[];
  /** the per-class size balancing aims at: N, the smallest class when equalizing, null when keeping all */
  target?: number | null;
  total: number;
  members: number[];
}

export interface CuratedSetInfo {
  id: string;
  name: string;
  version: number;
  datasetId: string;
  runId: string;
  rules: CurationRules;
  overrides: { index: number; mode: OverrideMode }[];
  classCounts: number[];
  total: number;
  createdAt: string;
}

// ---- browsing at scale (issue 11): typed columns in binary frames, overrides in the workspace

/**
 * datasets.columns over the transports: typed arrays, sent as a binary frame. The rows are the
 * dataset's images split by split (in `splitNames` order), each split's images 0..count−1 in
 * file order, so only the label travels per row; a row's split and index follow from
 * `splitCounts` (1 byte a row instead of 6).
 */
export interface ImageColumnArrays {
  datasetId: string;
  splitNames: SplitName[];
  /** images per split, aligned with splitNames */
  splitCounts: number[];
  label: Uint8Array;
}

/** scoring.scores over the transports: typed arrays, sent as a binary frame. */
export interface ScoreColumnArrays {
  runId: string;
  index: Int32Array;
  label: Uint8Array;
  steps: Int32Array;
  robust: Uint8Array;
  cleanPred: Int32Array;
  cleanConf: Float32Array;
  /** -1 when the image was never fooled */
  foolPred: Int32Array;
  foolUpper: Float32Array;
}

/**
 * Overrides and tags of one dataset split, stored in the workspace. Index sets are
 * run-length encoded and base64'd (src-main/contract/index-set.ts).
 */
export interface OverridesState {
  datasetId: string;
  split: SplitName;
  /** bumped by every edit and undo */
  version: number;
  include: string;
  exclude: string;
  includeCount: number;
  excludeCount: number;
  /** tag name → index set */
  tags: Record<string, string>;
  tagCounts: Record<string, number>;
  undoDepth: number;
  /** curation rules drafts by scoring run id */
  rules: Record<string, CurationRules>;
}

export type ExportFormat = 'idx' | 'imagefolder' | 'csv' | 'jsonl';

export type JobKind = 'import' | 'download' | 'train' | 'eval' | 'score' | 'export' | 'retrain' | 'experiment';

export interface JobInfo {
  id: string;
  kind: JobKind;
  title: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  createdAt: string;
  error?: string;
  result?: unknown;
  /** an interrupted job that can be run again from where its results stopped */
  resumable?: boolean;
}

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  done: number;
  total: number;
  /** units per second (images, predictions, samples, bytes) */
  rate: number;
  unit: string;
  etaMs: number | null;
  message?: string;
  /** training: per-epoch / per-batch metrics */
  metrics?: Record<string, number>;
}

/** A job's end; `result` (status 'done') is typed by the job's kind (contract/job-results.ts). */
export type JobFinished = {
  [K in JobKind]: {
    jobId: string;
    kind: K;
    status: 'done' | 'failed' | 'cancelled';
    error?: string;
    result?: JobResultOf<K>;
  };
}[JobKind];

export interface ComparisonRow {
  label: string; // 'M', 'M_R', 'M_C'
  modelId: string;
  runId: string | null;
  testAccuracy: number | null;
  robustRatio: number | null;
  robustRatioCI95: [number, number] | null;
  perClassRobustRatio: number[];
  curve: number[];
  /**
   * The images the model's weights were fitted on, from its lineage: `count` and `classCounts`
   * exclude the validation carve (`validation` images, which only chose the weights); null and []
   * when the lineage is unknown.
   */
  trainingSet: { source: string; count: number | null; validation: number | null; classCounts: number[] };
}

export interface Comparison {
  /** models whose training lineage is unknown: their figures carry this warning */
  warnings?: string[];
  /** the images compared on: "split test", or "held-out carve of train (12 images)" on a dataset without a test split */
  images?: string;
  rows: ComparisonRow[];
  /** McNemar p-values on paired robust flags, key 'M_vs_M_R' etc. */
  mcnemar: Record<string, number>;
}

/** What can be deleted and renamed from the app (issue 12): delete lists what depends on it. */
export type ItemKind = 'dataset' | 'model' | 'run' | 'curated';

export interface ItemRef {
  kind: ItemKind;
  id: string;
  /** readable name; a run's reads "<model> · <dataset>/<split> · seed <s> · <date>" */
  name: string;
}

/** A dry run of a removal: nothing is changed. */
export interface RemovalPlan {
  target: ItemRef;
  /** removed together with the target (runs of a model, curated sets of a run, …) */
  removes: ItemRef[];
  /** kept, but they refer to what is removed (e.g. models trained on a removed curated set), and why */
  affects: (ItemRef & { why: string })[];
  /** bytes the removal frees: files exactly, the database's share estimated */
  bytes: number;
  /** why it cannot be removed now (a running job uses it), or null */
  blocked: string | null;
}

export interface RemovalResult {
  removed: boolean;
  target: ItemRef;
  /** the target and everything removed with it */
  removedItems: ItemRef[];
  /** bytes freed on disk, measured (files plus the database after compaction) */
  freedBytes: number;
}
