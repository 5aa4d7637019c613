/**
 * The files `rpr score` writes beside its --json: the result JSON, the per-image scores CSV
 * and run.json (what `rpr curate` and `rpr merge` read back).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunStats } from '../contract/types';
import type { RunFile, ScoreJson } from '../contract/headless';
import { InputError, RequestError } from '../core/errors';
import { foolingUpperBound, type ImageResult } from '../core/scheduler';
import { runStats } from '../core/stats/index';
import { parseScoresCsv, scoresCsvPieces, type ScoreRow, type ScoreRowSource } from '../core/scores-csv';
import { writeFileAtomic } from '../store/fsutil';

export function scoresFileFor(jsonPath: string): string {
  const base = basename(jsonPath).replace(/\.json$/i, '');
  return join(dirname(resolve(jsonPath)), `${base}-scores.csv`);
}

/** run.json; a shard writes run-shard-<i>-of-<n>.json so shards can share a folder. */
export function runFileFor(jsonPath: string, shard: [number, number] | null): string {
  return join(dirname(resolve(jsonPath)), shard ? `run-shard-${shard[0]}-of-${shard[1]}.json` : 'run.json');
}

export function writeScoreOutputs(jsonPath: string, run: RunFile, rows: ScoreRowSource, stats: RunStats): ScoreJson {
  const scoresFile = scoresFileFor(jsonPath);
  const runFile = runFileFor(jsonPath, run.shard);
  mkdirSync(dirname(scoresFile), { recursive: true });
  writeFileAtomic(scoresFile, scoresCsvPieces(rows, run.split));
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

/** Write JSON atomically (a synced temp file, then rename). */
export function writeJsonFile(path: string, value: unknown): void {
  const full = resolve(path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileAtomic(full, JSON.stringify(value, null, 2) + '\n');
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

/** The shard results of `rpr score --shard i/n` (their result JSONs) as the result of one run. */
export function mergeShards(files: string[]): { run: RunFile; rows: ScoreRow[]; stats: RunStats; workers: number } {
  if (files.length === 0) throw new RequestError('give the shard result JSON files to merge');
  const parts = files.map((f) => {
    const j = readJson<ScoreJson>(resolve(f));
    if (!j.scoresFile) throw new InputError(resolve(f), 'not a result JSON of rpr score (no scoresFile)');
    return { file: resolve(f), json: j, ...readScores(j.scoresFile, j.runFile) };
  });
  const ref = parts[0].run;
  const key = (r: RunFile) => JSON.stringify([r.datasetPath, r.split, r.scheme, r.maxSteps, r.seed, r.modelHash]);
  for (const p of parts) {
    if (key(p.run) !== key(ref)) throw new InputError(p.file, 'was scored with other parameters (dataset, split, scheme, steps, seed or model) than the first shard');
  }
  const shards = parts.map((p) => p.run.shard);
  const n = shards[0]?.[1] ?? 1;
  const seen = new Set(shards.map((s) => s?.[0] ?? 0));
  if (shards.some((s) => (s?.[1] ?? 1) !== n) || seen.size !== n) throw new RequestError(`the shards do not cover 0..${n - 1} of ${n} exactly once (got ${shards.map((s) => (s ? `${s[0]}/${s[1]}` : 'whole')).join(', ')})`);
  const rows = parts.flatMap((p) => p.rows).sort((a, b) => a.index - b.index);
  for (let i = 1; i < rows.length; i++) if (rows[i].index === rows[i - 1].index) throw new RequestError(`image ${ref.split}/${rows[i].index} appears in two shards`);
  const results: ImageResult[] = rows.map((r) => ({ ...r, cleanConf: 0, foolUpper: foolingUpperBound(r.steps, r.robust) }));
  const predictions = parts.reduce((s, p) => s + p.json.predictions, 0);
  const elapsedMs = Math.max(...parts.map((p) => p.json.elapsedMs));
  const stats = runStats(results, ref.numClasses, ref.maxSteps, { predictions, elapsedMs });
  const workers = parts.reduce((s, p) => s + p.json.workers, 0);
  return { run: { ...ref, shard: null, workers, runId: null }, rows, stats, workers };
}

export type { RunFile, ScoreJson };
