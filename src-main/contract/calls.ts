/**
 * The service contract: every call the UI (or any client) can make, with the schema
 * its input is validated against at the door, and the type of its result.
 *
 * Adding a call costs one schema line here, one result line in CallResults and one
 * handler in the services; the transports are generic.
 */
import { z } from 'zod';
import { experimentCalls, type ExperimentCallResults } from './experiments';
import type {
  Comparison,
  CuratedSetInfo,
  CurationPreview,
  DatasetSummary,
  FoolingView,
  ImageColumnArrays,
  ImageDetail,
  JobInfo,
  ModelInfo,
  RecentWorkspace,
  OverridesState,
  ScoreColumnArrays,
  ScoringRunSummary,
  WorkspaceInfo,
  BackendInfo,
  ItemRef,
  RemovalPlan,
  RemovalResult,
} from './types';
import type { CalibrationOutcome, EnsuredModel, PreparedRun, RunFile, ScoreFiles, ScoresCuration } from './headless';
import { issueText } from './messages';
import { SCHEME_NAMES, schemeParamProblems } from './schemes';
import { ARCH_NAMES, SPLIT_NAME_RE, SPLIT_NAME_RULE } from './names';
import { DEFAULT_MAX_STEPS } from './validate';

const id = z.string().min(1).max(200);
const path = z.string().min(1).max(4096);
const split = z.string().regex(SPLIT_NAME_RE, `split names are ${SPLIT_NAME_RULE}`);
const seed = z.number().int().min(0).max(2 ** 32 - 1);
const index = z.number().int().min(0);
/** a name the user gives a dataset, model, run or curated set */
const itemName = z.string().trim().min(1, 'a name cannot be empty').max(200, 'a name is at most 200 characters');

export const schemeSpec = z.object({
  name: z.enum(SCHEME_NAMES),
  params: z.record(z.string(), z.number().finite()),
}).superRefine(checkSchemeParams);

/** each scheme parameter within its range (limits that hold for every image shape; the services check the rest) */
function checkSchemeParams(s: { name: string; params: Record<string, number> }, ctx: z.RefinementCtx): void {
  for (const [key, message] of Object.entries(schemeParamProblems(s))) ctx.addIssue({ code: 'custom', path: ['params', key], message });
}

export const inputScale = z.union([
  z.literal('unit'),
  z.literal('signed'),
  z.object({ mean: z.number().finite(), std: z.number().finite().positive() }),
  // per channel (ONNX colour models): one mean and one std per channel
  z.object({ mean: z.array(z.number().finite()).min(1).max(4), std: z.array(z.number().finite().positive()).min(1).max(4) }).refine((s) => s.mean.length === s.std.length, 'mean and std need the same number of values'),
]);

/** ONNX import choices: input/output by name, layout, BGR order, class map (output index → dataset class) */
export const onnxChoices = z.object({
  inputName: z.string().min(1).max(200).optional(),
  outputName: z.string().min(1).max(200).optional(),
  layout: z.enum(['nchw', 'nhwc', 'flat']).optional(),
  bgr: z.boolean().optional(),
  classMap: z.array(z.number().int().min(0).max(65535)).min(2).max(65536).optional(),
});

export const balanceRule = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('all') }),
  z.object({ mode: z.literal('per-class'), n: z.number().int().positive() }),
  z.object({ mode: z.literal('equalize') }),
]);

export const curationRules = z.object({
  minSteps: z.number().int().min(0).nullable(),
  balance: balanceRule,
  seed,
  /** keep images the model misclassifies unperturbed (steps 0) when minSteps is 0; off by default */
  keepMisclassified: z.boolean().optional(),
});

/** A model file to import for a dataset (models.import, models.ensureImported). */
const modelImport = z.object({ path, datasetId: id, name: z.string().min(1).max(200).optional(), inputScale: inputScale.optional(), onnx: onnxChoices.optional() });

/** What identifies a scoring run (scoring.start, scoring.prepare). */
const scoreRequest = z.object({
  modelId: id,
  datasetId: id,
  split,
  scheme: schemeSpec.default({ name: 'paper', params: { k: 28 } }),
  maxSteps: z.number().int().min(1).max(100000).default(DEFAULT_MAX_STEPS),
  seed: seed.default(0),
});

/** Most images one datasets.thumbs call returns. */
export const THUMBS_MAX = 4096;
/** An index set: run-length encoded, base64 (contract/index-set.ts); 4 MiB of text at most. */
const indexSet = z.string().max(4 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'an index set is base64 text');

export const calls = {
  // system
  'system.info': z.object({}),
  /** force an engine backend ('auto' = the best available) and the worker count (null = one per core); persisted */
  'system.setEngine': z.object({
    backend: z.enum(['auto', 'onnxruntime', 'tensorflow', 'wasm', 'cpu']),
    workers: z.number().int().min(1).max(256).nullable().default(null),
    /** ONNX Runtime execution provider ('cpu', 'cuda', 'coreml', 'dml'); null = the best available */
    executionProvider: z.string().regex(/^[a-z]{2,16}$/).nullable().optional(),
  }),

  // workspace
  'workspace.open': z.object({ path, create: z.boolean().default(false) }),
  'workspace.current': z.object({}),
  'workspace.recent': z.object({}),
  'workspace.pickFolder': z.object({ title: z.string().max(200).optional() }),

  // datasets
  'datasets.list': z.object({}),
  'datasets.get': z.object({ datasetId: id }),
  'datasets.import': z.object({
    path,
    format: z.enum(['auto', 'idx', 'imagefolder', 'csv', 'cifar']).default('auto'),
    name: z.string().min(1).max(200).optional(),
    /** CSV: the split a single file holds (otherwise a `split` column or `train`) */
    split: split.optional(),
    /** ImageFolder: resize every image to this size (default: the folder's one size, unresized) */
    size: z.object({ width: z.number().int().min(1).max(4096), height: z.number().int().min(1).max(4096) }).optional(),
    /** ImageFolder with `size`: stretch (resize), centre-crop (crop) or letterbox on black (pad) */
    fit: z.enum(['resize', 'crop', 'pad']).default('resize'),
    /** ImageFolder: 1 channel when every file is gray (auto), or force rgb / gray */
    color: z.enum(['auto', 'rgb', 'gray']).default('auto'),
  }),
  'datasets.download': z.object({
    mirror: z.string().url().optional(),
    name: z.string().min(1).max(200).optional(),
  }),
  'datasets.remove': z.object({ datasetId: id }),
  'datasets.columns': z.object({ datasetId: id }),
  'datasets.image': z.object({ datasetId: id, split, index }),
  'datasets.pickPath': z.object({ kind: z.enum(['folder', 'file']) }),

  // models
  'models.list': z.object({}),
  'models.train': z.object({
    datasetId: id,
    arch: z.enum(ARCH_NAMES),
    epochs: z.number().int().min(1).max(1000),
    seed,
    validationShare: z.number().min(0).max(0.5).default(0.1),
    earlyStoppingPatience: z.number().int().min(0).max(100).default(0),
    name: z.string().min(1).max(200).optional(),
    curatedSetId: id.optional(),
    /** training budget: 'epochs' (exactly `epochs`), 'converge' (early stopping, `epochs` = max epochs), 'equal-steps' (the updates `referenceModelId` took) */
    budget: z.enum(['epochs', 'converge', 'equal-steps']).default('epochs'),
    referenceModelId: id.optional(),
  }),
  'models.import': modelImport,
  /** convert a TF.js model to ONNX (checked on a sample of the dataset) and write it to `path` */
  'models.exportOnnx': z.object({ modelId: id, path }),
  'models.export': z.object({ modelId: id, path }),
  'models.evaluate': z.object({ modelId: id, datasetId: id, split }),
  'models.remove': z.object({ modelId: id }),

  // scoring
  'scoring.start': scoreRequest,
  'scoring.resume': z.object({ runId: id, /** images per predict call (default: the calibrated batch, else 1024) */ batchSize: z.number().int().min(1).max(65536).optional() }),
  'scoring.list': z.object({ datasetId: id.optional() }),
  'scoring.get': z.object({ runId: id }),
  'scoring.scores': z.object({ runId: id }),
  'scoring.fooling': z.object({ runId: id, index }),
  'scoring.preview': z.object({
    datasetId: id,
    split,
    index,
    scheme: schemeSpec,
    seed,
    steps: z.array(z.number().int().min(1)).min(1).max(16),
  }),

  // curation
  'curation.preview': z.object({
    runId: id,
    rules: curationRules,
    overrides: z.array(z.object({ index, mode: z.enum(['include', 'exclude']) })).default([]),
    /** use the overrides stored in the workspace for the run's split (instead of `overrides`) */
    workspaceOverrides: z.boolean().default(false),
  }),
  'curation.save': z.object({
    runId: id,
    name: z.string().min(1).max(200),
    rules: curationRules,
    overrides: z.array(z.object({ index, mode: z.enum(['include', 'exclude']) })).default([]),
    workspaceOverrides: z.boolean().default(false),
  }),
  'curation.list': z.object({ datasetId: id.optional() }),
  'curation.get': z.object({ setId: id }),
  'curation.export': z.object({ setId: id, path, format: z.enum(['idx', 'imagefolder', 'csv', 'jsonl']) }),
  'curation.retrain': z.object({
    setId: id,
    sourceModelId: id,
    control: z.boolean().default(true),
    /** 'source': the source model's own budget; 'equal-steps': the updates the source model took */
    budget: z.enum(['source', 'epochs', 'converge', 'equal-steps']).default('source'),
    /** epochs (budget 'epochs') or max epochs (converge); default: the source model's */
    epochs: z.number().int().min(1).max(1000).optional(),
  }),
  'curation.compare': z.object({ modelIds: z.array(id).min(1).max(8), datasetId: id, split: split.default('test') }),

  // delete and rename (issue 12): `workspace.dependents` is the dry run of a removal
  'workspace.dependents': z.object({ kind: z.enum(['dataset', 'model', 'run', 'curated']), id }),
  'datasets.rename': z.object({ datasetId: id, name: itemName }),
  'models.rename': z.object({ modelId: id, name: itemName }),
  'scoring.remove': z.object({ runId: id }),
  'scoring.rename': z.object({ runId: id, name: itemName }),
  'curation.remove': z.object({ setId: id }),
  'curation.rename': z.object({ setId: id, name: itemName }),

  // browsing at scale: thumbnails as binary frames, overrides and tags in the workspace
  /** images of a split as a binary thumbs frame (contract/frame.ts): a range, or explicit indices */
  'datasets.thumbs': z.object({
    datasetId: id,
    split,
    offset: index.default(0),
    count: z.number().int().min(0).max(THUMBS_MAX).default(0),
    indices: z.array(index).max(THUMBS_MAX).optional(),
  }),
  'curation.overrides': z.object({ datasetId: id, split }),
  'curation.editOverrides': z.object({ datasetId: id, split, selection: indexSet, mode: z.enum(['include', 'exclude']).nullable() }),
  'curation.tag': z.object({ datasetId: id, split, selection: indexSet, tag: z.string().min(1).max(64), on: z.boolean().default(true) }),
  'curation.undoOverrides': z.object({ datasetId: id, split }),
  'curation.saveRules': z.object({ runId: id, rules: curationRules }),

  // headless clients (the `rpr` command, issue 13): what it needs beyond the app's calls
  /** calibrate ONNX Runtime now when it is due (otherwise the first scoring job does) */
  'system.calibrate': z.object({}),
  /** models.import, unless the same file (same content, input scale and ONNX choices) was imported for this dataset */
  'models.ensureImported': modelImport,
  /** the run for these parameters (the interrupted one, or a new one), or with `reuseFinished` a finished identical one; starts nothing */
  'scoring.prepare': scoreRequest.extend({
    /** [i, n]: the images with index mod n = i */
    shard: z.tuple([z.number().int().min(0), z.number().int().min(1)]).refine(([i, n]) => i < n, 'a shard i/n needs 0 <= i < n').nullable().default(null),
    reuseFinished: z.boolean().default(false),
  }),
  /** write a finished run's result JSON at `path`, its per-image CSV and run.json beside it */
  'scoring.writeFiles': z.object({ runId: id, path, /** the model file the user named (recorded in run.json) */ modelPath: path.optional() }),
  /** read a scores CSV of `rpr score` and the run.json beside it (checked against each other) */
  'scoring.readScores': z.object({ scores: path }),
  /** merge the result JSONs of shard runs (`files`) into the files of one run at `path` */
  'scoring.merge': z.object({ files: z.array(path).min(1).max(100000), path }),
  /** curate the images of a scores CSV (with its run.json beside it) and export them; `dryRun` previews only */
  'curation.exportScores': z.object({
    scores: path,
    rules: curationRules,
    overrides: z.array(z.object({ index, mode: z.enum(['include', 'exclude']) })).default([]),
    path: path.optional(),
    format: z.enum(['idx', 'imagefolder', 'csv', 'jsonl']).default('idx'),
    dryRun: z.boolean().default(false),
  }),
  /** save a curated set of a training-split run and retrain the source model's recipe on it (+ control): refused before anything is saved */
  'curation.retrainFromRun': z.object({
    runId: id,
    /** default: the zoo-trained model of the run's model hash */
    sourceModelId: id.optional(),
    /** the model file the user named, for the message when no zoo model matches */
    modelPath: path.optional(),
    name: z.string().min(1).max(200).default('curated'),
    rules: curationRules,
    overrides: z.array(z.object({ index, mode: z.enum(['include', 'exclude']) })).default([]),
    control: z.boolean().default(true),
  }),

  // jobs
  'jobs.list': z.object({}),
  'jobs.cancel': z.object({ jobId: id }),
  /** jobs that were running when the app (or a worker) died: offered for resume */
  'jobs.interrupted': z.object({}),
  'jobs.resume': z.object({ jobId: id }),
  'jobs.dismiss': z.object({ jobId: id }),

  // experiments (contract/experiments.ts)
  ...experimentCalls,
} as const;

export type CallName = keyof typeof calls;
/** What a caller passes (defaults may be omitted). */
export type CallInput<N extends CallName> = z.input<(typeof calls)[N]>;
/** What a handler receives (defaults applied). */
export type CallArgs<N extends CallName> = z.output<(typeof calls)[N]>;

export interface CallResults extends ExperimentCallResults {
  'system.info': { version: string; backend: BackendInfo; dataDir: string; transport: 'ipc' | 'loopback' };
  'system.setEngine': BackendInfo;
  'workspace.open': WorkspaceInfo;
  'workspace.current': WorkspaceInfo | null;
  'workspace.recent': RecentWorkspace[];
  'workspace.pickFolder': string | null;
  'datasets.list': DatasetSummary[];
  'datasets.get': DatasetSummary;
  'datasets.import': { jobId: string };
  'datasets.download': { jobId: string };
  'datasets.remove': RemovalResult;
  'datasets.columns': ImageColumnArrays;
  'datasets.image': ImageDetail;
  'datasets.pickPath': string | null;
  'models.list': ModelInfo[];
  'models.train': { jobId: string };
  'models.import': ModelInfo;
  'models.exportOnnx': { path: string; maxAbsDeltaP: number; sample: number; classDiffs: number };
  'models.export': { path: string };
  'models.evaluate': { jobId: string };
  'models.remove': RemovalResult;
  'scoring.start': { jobId: string; runId: string };
  'scoring.resume': { jobId: string; runId: string };
  'scoring.list': ScoringRunSummary[];
  'scoring.get': ScoringRunSummary;
  'scoring.scores': ScoreColumnArrays;
  'scoring.fooling': FoolingView;
  'scoring.preview': { original: Uint8Array; perturbed: Uint8Array[]; shape: ImageDetail['shape'] };
  'curation.preview': CurationPreview;
  'curation.save': CuratedSetInfo;
  'curation.list': CuratedSetInfo[];
  'curation.get': CuratedSetInfo;
  'curation.export': { jobId: string };
  'curation.retrain': { jobId: string };
  'curation.compare': Comparison;
  'workspace.dependents': RemovalPlan;
  'datasets.rename': ItemRef;
  'models.rename': ItemRef;
  'scoring.remove': RemovalResult;
  'scoring.rename': ItemRef;
  'curation.remove': RemovalResult;
  'curation.rename': ItemRef;
  'datasets.thumbs': Uint8Array;
  'curation.overrides': OverridesState;
  'curation.editOverrides': OverridesState;
  'curation.tag': OverridesState;
  'curation.undoOverrides': OverridesState;
  'curation.saveRules': OverridesState;
  // headless clients (issue 13)
  'system.calibrate': CalibrationOutcome;
  'models.ensureImported': EnsuredModel;
  'scoring.prepare': PreparedRun;
  'scoring.writeFiles': ScoreFiles;
  'scoring.readScores': { run: RunFile; rows: number };
  'scoring.merge': ScoreFiles;
  'curation.exportScores': ScoresCuration;
  'curation.retrainFromRun': { set: CuratedSetInfo; jobId: string; sourceModelId: string };
  'jobs.list': JobInfo[];
  'jobs.cancel': { cancelled: boolean };
  'jobs.interrupted': JobInfo[];
  'jobs.resume': { jobId: string };
  'jobs.dismiss': { dismissed: boolean };
}

/** Validate an input at the door. Throws ContractError with a readable message. */
export function parseCall<N extends CallName>(name: string, input: unknown): { name: N; args: CallArgs<N> } {
  if (!Object.prototype.hasOwnProperty.call(calls, name)) {
    throw new ContractError(`unknown call "${name}"`);
  }
  const schema = calls[name as N];
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map(issueText)
      .join('; ');
    throw new ContractError(`invalid input for ${name}: ${detail}`);
  }
  return { name: name as N, args: parsed.data as CallArgs<N> };
}

export class ContractError extends Error {
  override name = 'ContractError';
}
