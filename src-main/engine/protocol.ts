/**
 * The typed message protocol between the engine pool (parent) and engine workers.
 * Messages and jobs are maps from type to payload, never bare strings. Big data never
 * travels in messages: jobs name pixel files (raw uint8 N·H·W·C) that workers read.
 */
import type { ArchName, BackendInfo, BackendName, ImageShape, InputScale, SchemeSpec } from '../contract/types';
import type { ImageResult } from '../core/scheduler';
import type { MistakeKind } from '../core/errors';
import type { OnnxLayout } from '../core/onnx-layout';
import type { OnnxSettings } from './onnx/model';
import type { TrainResult } from './train';

export type { ImageResult };

/** Raw pixel file (N·H·W·C uint8) and its label file (N uint8), both written by the store. */
export interface PixelSource {
  pixelsPath: string;
  labelsPath: string;
}

export interface TrainJob extends PixelSource {
  shape: ImageShape;
  numClasses: number;
  /** train on these image indices only (a curated set); default all */
  indices?: number[];
  arch: ArchName;
  epochs: number;
  seed: number;
  validationShare: number;
  earlyStoppingPatience?: number;
  /** budget details (see engine/train.ts TrainOptions) */
  validationMethod?: 'random' | 'stratified';
  maxUpdates?: number;
  restoreBest?: boolean;
  batchSize?: number;
  everyNBatches?: number;
  /** evaluate the trained model on this split (e.g. test) */
  test?: PixelSource;
  /** folder the model is saved into (model.json + weights.bin + rpr.json) */
  outDir: string;
  lineage?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** Training's outcome (engine/train.ts TrainResult, less the model and its positions) and where the model went. */
export interface TrainJobResult extends Omit<TrainResult, 'model' | 'valPositions'> {
  modelDir: string;
  modelJsonPath: string;
  hash: string;
  testAccuracy: number | null;
  testConfusion: number[][] | null;
  /** the validation carve as indices of the split (through `indices` when training on a subset) */
  valIndices: number[];
  backend: BackendName;
}

export interface EvalJob extends PixelSource {
  modelPath: string;
  /** default: the model's rpr.json, else 'unit' */
  inputScale?: InputScale;
  shape: ImageShape;
  numClasses: number;
  batchSize?: number;
  /** evaluate these indices of the split only (a held-out carve); default all */
  indices?: number[];
}

export interface EvalJobResult {
  accuracy: number;
  confusion: number[][];
  count: number;
  modelHash: string;
  backend: BackendName;
  /** ONNX Runtime's execution provider when backend is onnxruntime */
  executionProvider?: string;
  /** why ONNX Runtime was not used for this TF.js model */
  fallback?: string;
}

export interface ScoreJob {
  modelPath: string;
  inputScale?: InputScale;
  pixelsPath: string;
  shape: ImageShape;
  split: string;
  tasks: { index: number; label: number }[];
  scheme: SchemeSpec;
  seed: number;
  maxSteps: number;
  batchSize: number;
  /** run a TF.js model on TF.js even when the engine runs onnxruntime (cross-backend checks) */
  tfjsOnly?: boolean;
  /** results arrive only as 'partial' messages and `results` comes back empty: a caller that
   * commits partials (a scoring run) never holds, nor receives at the end, a split's worth of them */
  streamOnly?: boolean;
}

export interface ScoreJobResult {
  /** every result of the job, sorted by index (also streamed as 'partial' messages); empty for a streamOnly job */
  results: ImageResult[];
  predictions: number;
  elapsedMs: number;
  backend: BackendName;
  executionProvider?: string;
  fallback?: string;
}

export interface PredictBenchJob {
  /** a saved model, or a fresh zoo model of `arch` */
  modelPath?: string;
  arch?: ArchName;
  shape: ImageShape;
  numClasses: number;
  inputScale?: InputScale;
  /** images to classify (random pixels unless pixelsPath is given) */
  count: number;
  batchSize: number;
  pixelsPath?: string;
  seed?: number;
  /** run on ONNX Runtime: the model (or the fresh zoo model) converted to ONNX first */
  onnx?: boolean;
}

export interface PredictBenchResult {
  images: number;
  elapsedMs: number;
  imagesPerSec: number;
  backend: BackendName;
  executionProvider?: string;
}

/** Load a model and check it against a dataset (model import), without keeping it. */
export interface InspectJob {
  modelPath: string;
  inputScale?: InputScale;
  expect?: { shape: ImageShape; numClasses: number };
  /** ONNX choices (input/output name, layout, BGR, class map) */
  onnx?: OnnxSettings;
  /** sanity check: evaluate on up to `count` images of this split */
  sample?: PixelSource & { count: number; split: string };
}

export interface InspectJobResult {
  format: 'layers' | 'graph' | 'savedmodel' | 'onnx';
  inputShape: (number | null)[];
  numClasses: number;
  hash: string;
  inputScale: InputScale;
  /** ONNX models: what was found and decided */
  onnx?: { inputName: string; outputName: string; layout: OnnxLayout; inputDims: (number | null)[]; outputKind: 'probabilities' | 'logits'; externalFiles: string[]; opTypes: string[]; summary: string };
  /** accuracy on the sample, and how many images it holds */
  sanity?: { split: string; count: number; accuracy: number; chance: number; nearChance: boolean };
}

/** Convert a TF.js layers model to model.onnx beside it, checked on the first images of a split. */
export interface ConvertJob extends PixelSource {
  modelPath: string;
  inputScale?: InputScale;
  shape: ImageShape;
  numClasses: number;
}

export interface ConvertJobResult {
  ok: boolean;
  onnxPath: string | null;
  reason?: string;
  sample?: number;
  classDiffs?: number;
  maxAbsDeltaP?: number;
}

/** Job kind → job payload and result. */
export interface JobMap {
  inspect: { job: InspectJob; result: InspectJobResult };
  train: { job: TrainJob; result: TrainJobResult };
  eval: { job: EvalJob; result: EvalJobResult };
  score: { job: ScoreJob; result: ScoreJobResult };
  'predict-bench': { job: PredictBenchJob; result: PredictBenchResult };
  convert: { job: ConvertJob; result: ConvertJobResult };
}

export type EngineJobKind = keyof JobMap;
export type JobOf<K extends EngineJobKind> = { kind: K } & JobMap[K]['job'];
export type EngineJob = { [K in EngineJobKind]: JobOf<K> }[EngineJobKind];
export type ResultOf<J extends EngineJob> = JobMap[J['kind']]['result'];

export interface ProgressPayload {
  jobId: string;
  done: number;
  total: number;
  /** units per second */
  rate: number;
  /** 'samples' (train), 'images' (eval, bench), 'predictions' (score) */
  unit: string;
  etaMs: number | null;
  metrics?: Record<string, number>;
}

/** Parent → worker. */
export interface ParentMessages {
  /** first message: pick the backend (forced or the best available) */
  init: { backend?: BackendName; workers?: number; executionProvider?: string; intraOpThreads?: number };
  start: { jobId: string; job: EngineJob };
  cancel: { jobId: string };
}

/** Worker → parent. */
export interface WorkerMessages {
  ready: { backend: BackendInfo };
  progress: ProgressPayload;
  partial: { jobId: string; results: ImageResult[] };
  result: { jobId: string; result: unknown };
  /** jobId null: the worker itself failed (e.g. backend init) */
  error: { jobId: string | null; message: string; name: string; file?: string; problem?: string; kind?: MistakeKind };
}

type Tagged<M> = { [K in keyof M]: { type: K } & M[K] }[keyof M];
export type ParentMessage = Tagged<ParentMessages>;
export type WorkerMessage = Tagged<WorkerMessages>;

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return !!m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string' && ['ready', 'progress', 'partial', 'result', 'error'].includes((m as { type: string }).type);
}

export function isParentMessage(m: unknown): m is ParentMessage {
  return !!m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string' && ['init', 'start', 'cancel'].includes((m as { type: string }).type);
}

/** Short human description of a job, for error messages. */
export function describeJob(job: EngineJob): string {
  switch (job.kind) {
    case 'train':
      return `train ${job.arch} (${job.epochs} epochs)`;
    case 'eval':
      return `eval of ${job.modelPath}`;
    case 'score':
      return `score of ${job.tasks.length} images of ${job.split}`;
    case 'predict-bench':
      return `predict-bench (${job.count} images)`;
    case 'inspect':
      return `inspection of ${job.modelPath}`;
    case 'convert':
      return `ONNX conversion of ${job.modelPath}`;
  }
}
