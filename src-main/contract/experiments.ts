/**
 * Experiments in the contract: the calls' input schemas and the shapes they return. An
 * experiment = dataset + architecture + scheme + max steps + budget + seeds + curation
 * policies, each compared with its matched control; one resumable job.
 */
import { z } from 'zod';
import { DEFAULT_MAX_STEPS } from './validate';
import { SCHEME_NAMES } from './schemes';
import { ARCH_NAMES } from './names';

const id = z.string().min(1).max(200);
const path = z.string().min(1).max(4096);

export const POLICY_NAMES = ['paper', 'robust-all', 'drop-fragile', 'hard-only'] as const;

export const policySpec = z.object({
  name: z.enum(POLICY_NAMES),
  /** drop-fragile: the share of least robust images dropped */
  fraction: z.number().gt(0).lt(1).optional(),
  /** paper: images per class */
  perClass: z.number().int().positive().max(10_000_000).optional(),
});

export const experimentInput = z.object({
  datasetId: id,
  arch: z.enum(ARCH_NAMES).default('paper-cnn'),
  /** perturbation scheme (k defaults to √(H·W) for paper/pixels) */
  scheme: z
    .object({ name: z.enum(SCHEME_NAMES), params: z.record(z.string(), z.number().finite()) })
    .default({ name: 'paper', params: {} }),
  maxSteps: z.number().int().min(1).max(100000).default(DEFAULT_MAX_STEPS),
  /** 'converge', 'equal-steps' or 'epochs:N' */
  budget: z.string().regex(/^(converge|equal-steps|epochs:[1-9][0-9]{0,3})$/, "budget is 'converge', 'equal-steps' or 'epochs:N'").default('converge'),
  patience: z.number().int().min(1).max(100).default(3),
  maxEpochs: z.number().int().min(1).max(1000).default(30),
  validationShare: z.number().gt(0).max(0.5).default(0.1),
  seeds: z.number().int().min(1).max(20).default(2),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  policies: z.array(policySpec).min(1).max(4).default([{ name: 'paper' }]),
  name: z.string().min(1).max(200).optional(),
});

export const experimentCalls = {
  /** start an experiment (the same parameters again resume it, or return it when it is done) */
  'experiments.start': experimentInput,
  'experiments.resume': z.object({ experimentId: id }),
  'experiments.list': z.object({}),
  'experiments.get': z.object({ experimentId: id }),
  /** the charts of a finished experiment, SVG text by file name */
  'experiments.charts': z.object({ experimentId: id }),
  /** copy the bundle (results.json, report.md, charts as SVG and PNG) into a folder */
  'experiments.export': z.object({ experimentId: id, path, /** write into a folder that holds other files (only the bundle's files are replaced) */ merge: z.boolean().default(false) }),
  'experiments.remove': z.object({ experimentId: id }),
} as const;

export type ExperimentConfig = z.output<typeof experimentInput>;

export interface ExperimentStage {
  key: string;
  title: string;
  status: 'pending' | 'done';
  ms?: number;
}

export interface ExperimentInfo {
  id: string;
  name: string;
  config: ExperimentConfig;
  status: 'running' | 'interrupted' | 'done' | 'failed' | 'cancelled';
  error?: string;
  createdAt: string;
  updatedAt: string;
  stages: ExperimentStage[];
  /** one line per policy: does it beat its control? (done experiments) */
  verdicts: string[];
  /** results.json (done experiments), schema in docs/EXPERIMENTS.md */
  results: Record<string, unknown> | null;
  report: string | null;
  /** the job running it now, if any */
  jobId: string | null;
}

export interface ExperimentCallResults {
  'experiments.start': { jobId: string; experimentId: string };
  'experiments.resume': { jobId: string; experimentId: string };
  'experiments.list': ExperimentInfo[];
  'experiments.get': ExperimentInfo;
  'experiments.charts': Record<string, string>;
  'experiments.export': { path: string; files: string[] };
  'experiments.remove': { removed: boolean };
}
