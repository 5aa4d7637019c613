/**
 * The service contract: every call the UI (or any client) can make, with the schema
 * its input is validated against at the door, and the type of its result.
 *
 * Adding a call costs one schema line here, one result line in CallResults and one
 * handler in the services; the transports are generic.
 */
import { z } from 'zod';
import type {
  Comparison,
  CuratedSetInfo,
  CurationPreview,
  DatasetSummary,
  EvalResult,
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
} from './types';

const id = z.string().min(1).max(200);
const path = z.string().min(1).max(4096);
const split = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'split names are letters, digits, _ and -');
const seed = z.number().int().min(0).max(2 ** 32 - 1);
const index = z.number().int().min(0);

export const schemeSpec = z.object({
  name: z.enum(['paper', 'pixels', 'salt-pepper', 'gaussian', 'blur', 'occlusion', 'brightness-contrast', 'fog']),
  params: z.record(z.string(), z.number().finite()),
});

export const inputScale = z.union([
  z.literal('unit'),
  z.literal('signed'),
  z.object({ mean: z.number().finite(), std: z.number().finite().positive() }),
]);

export const balanceRule = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('all') }),
  z.object({ mode: z.literal('per-class'), n: z.number().int().positive() }),
  z.object({ mode: z.literal('equalize') }),
]);

export const curationRules = z.object({
  minSteps: z.number().int().min(0).nullable(),
  balance: balanceRule,
  seed,
});

/** Most images one datasets.thumbs call returns. */
export const THUMBS_MAX = 4096;
/** An index set: run-length encoded, base64 (core/index-set.ts); 4 MiB of text at most. */
const indexSet = z.string().max(4 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'an index set is base64 text');

export const calls = {
  // system
  'system.info': z.object({}),
  /** force an engine backend ('auto' = the best available) and the worker count (null = one per core); persisted */
  'system.setEngine': z.object({
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']),
    workers: z.number().int().min(1).max(256).nullable().default(null),
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
    format: z.enum(['auto', 'idx', 'imagefolder', 'csv']).default('auto'),
    name: z.string().min(1).max(200).optional(),
    /** CSV: the split a single file holds (otherwise a `split` column or `train`) */
    split: split.optional(),
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
    arch: z.enum(['paper-cnn', 'classic-cnn', 'mlp']),
    epochs: z.number().int().min(1).max(1000),
    seed,
    validationShare: z.number().min(0).max(0.5).default(0.1),
    earlyStoppingPatience: z.number().int().min(0).max(100).default(0),
    name: z.string().min(1).max(200).optional(),
    curatedSetId: id.optional(),
  }),
  'models.import': z.object({ path, datasetId: id, name: z.string().min(1).max(200).optional(), inputScale: inputScale.optional() }),
  'models.export': z.object({ modelId: id, path }),
  'models.evaluate': z.object({ modelId: id, datasetId: id, split }),
  'models.remove': z.object({ modelId: id }),

  // scoring
  'scoring.start': z.object({
    modelId: id,
    datasetId: id,
    split,
    scheme: schemeSpec.default({ name: 'paper', params: { k: 28 } }),
    maxSteps: z.number().int().min(1).max(100000).default(250),
    seed: seed.default(0),
  }),
  'scoring.resume': z.object({ runId: id }),
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
  'curation.retrain': z.object({ setId: id, sourceModelId: id, control: z.boolean().default(true) }),
  'curation.compare': z.object({ modelIds: z.array(id).min(1).max(8), datasetId: id, split: split.default('test') }),

  // browsing at scale: thumbnails as binary frames, overrides and tags in the workspace
  /** images of a split as a binary thumbs frame (core/frame.ts): a range, or explicit indices */
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

  // jobs
  'jobs.list': z.object({}),
  'jobs.cancel': z.object({ jobId: id }),
  /** jobs that were running when the app (or a worker) died: offered for resume */
  'jobs.interrupted': z.object({}),
  'jobs.resume': z.object({ jobId: id }),
  'jobs.dismiss': z.object({ jobId: id }),
} as const;

export type CallName = keyof typeof calls;
/** What a caller passes (defaults may be omitted). */
export type CallInput<N extends CallName> = z.input<(typeof calls)[N]>;
/** What a handler receives (defaults applied). */
export type CallArgs<N extends CallName> = z.output<(typeof calls)[N]>;

export interface CallResults {
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
  'datasets.remove': { removed: boolean };
  'datasets.columns': ImageColumnArrays;
  'datasets.image': ImageDetail;
  'datasets.pickPath': string | null;
  'models.list': ModelInfo[];
  'models.train': { jobId: string };
  'models.import': ModelInfo;
  'models.export': { path: string };
  'models.evaluate': { jobId: string };
  'models.remove': { removed: boolean };
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
  'datasets.thumbs': Uint8Array;
  'curation.overrides': OverridesState;
  'curation.editOverrides': OverridesState;
  'curation.tag': OverridesState;
  'curation.undoOverrides': OverridesState;
  'curation.saveRules': OverridesState;
  'jobs.list': JobInfo[];
  'jobs.cancel': { cancelled: boolean };
  'jobs.interrupted': JobInfo[];
  'jobs.resume': { jobId: string };
  'jobs.dismiss': { dismissed: boolean };
}

export type EvalJobResult = EvalResult;

/** Validate an input at the door. Throws ContractError with a readable message. */
export function parseCall<N extends CallName>(name: string, input: unknown): { name: N; args: CallArgs<N> } {
  if (!Object.prototype.hasOwnProperty.call(calls, name)) {
    throw new ContractError(`unknown call "${name}"`);
  }
  const schema = calls[name as N];
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`)
      .join('; ');
    throw new ContractError(`invalid input for ${name}: ${detail}`);
  }
  return { name: name as N, args: parsed.data as CallArgs<N> };
}

export class ContractError extends Error {
  override name = 'ContractError';
}
