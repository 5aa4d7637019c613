/**
 * The files `rpr score` writes beside its --json: the result JSON, the per-image scores CSV
 * and run.json (what `rpr curate` and `rpr merge` read back).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunStats, SchemeSpec } from '../contract/types';
import { InputError } from '../core/errors';
import { parseScoresCsv, formatScoresCsv, type ScoreRow } from '../core/scores-csv';
import { writeFileAtomic } from '../store/fsutil';
import { writeJsonFile } from './shared';

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

export function scoresFileFor(jsonPath: string): string {
  const base = basename(jsonPath).replace(/\.json$/i, '');
  return join(dirname(resolve(jsonPath)), `${base}-scores.csv`);
}

/** run.json; a shard writes run-shard-<i>-of-<n>.json so shards can share a folder. */
export function runFileFor(jsonPath: string, shard: [number, number] | null): string {
  return join(dirname(resolve(jsonPath)), shard ? `run-shard-${shard[0]}-of-${shard[1]}.json` : 'run.json');
}

export function writeScoreOutputs(jsonPath: string, run: RunFile, rows: readonly ScoreRow[], stats: RunStats): ScoreJson {
  const scoresFile = scoresFileFor(jsonPath);
  const runFile = runFileFor(jsonPath, run.shard);
  mkdirSync(dirname(scoresFile), { recursive: true });
  writeFileAtomic(scoresFile, formatScoresCsv(rows, run.split));
  writeJsonFile(runFile, run);
  const out: ScoreJson = {
    ...stats,
    backend: run.backend,
    ...(run.executionProvider ? { executionProvider: run.executionProvider } : {}),
    workers: run.workers,
    split: run.split,
    shard: run.shard,
    scoresFile,
    runFile,
    authorsLoopPredictions: stats.n * (run.maxSteps + 1),
    predictionsOverMinimum: stats.predictions / Math.max(1, stats.stepsSum + stats.n),
  };
  writeJsonFile(jsonPath, out);
  return out;
}

export function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(path, `cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new InputError(path, `not valid JSON: ${(err as Error).message}`);
  }
}

/** A scores CSV and the run.json beside it. */
export function readScores(csvPath: string, runPath?: string): { run: RunFile; rows: ScoreRow[] } {
  const full = resolve(csvPath);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    throw new InputError(full, `cannot read the scores file: ${(err as Error).message}`);
  }
  const rows = parseScoresCsv(text, full);
  const runFile = runPath ?? join(dirname(full), 'run.json');
  const run = readJson<RunFile>(runFile);
  if (run.format !== 'rpr-run') throw new InputError(runFile, 'not a run.json written by rpr score');
  if (rows.some((r) => (r as { split?: string }).split !== run.split)) throw new InputError(full, `rows of another split than run.json's "${run.split}"`);
  return { run, rows };
}
