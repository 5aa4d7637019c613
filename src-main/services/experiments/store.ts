/**
 * Experiment state on disk: `<W>/experiments/<id>/experiment.json` (config and the stages
 * done, each with the model or run it made), rewritten atomically after every stage, so a
 * kill -9 loses at most the stage in flight; results.json, report.md and the charts land in
 * the same folder when the experiment ends (the bundle `experiments.export` copies).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../../contract/experiments';
import type { SeedRecord } from '../../core/experiment/results';
import { writeJsonAtomic } from '../../store/fsutil';
import { NotFoundError } from '../../core/errors';
import { nowIso } from '../../store/ids';

export interface StageRecord {
  ms: number;
  modelId?: string;
  runId?: string;
}

export interface ExperimentState {
  format: 'rpr-experiment-state';
  version: 1;
  id: string;
  name: string;
  config: ExperimentConfig;
  createdAt: string;
  updatedAt: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  error?: string;
  stages: Record<string, StageRecord>;
  seeds: SeedRecord[] | null;
}

export function experimentsRoot(workspacePath: string): string {
  return join(workspacePath, 'experiments');
}

/**
 * Same parameters, same id: starting them again resumes (or returns) that experiment. An
 * `epochs:N` experiment's id also names its validation carve (random since it gives the
 * original numbers again): one finished under the earlier stratified carve is not taken for it.
 */
export function experimentId(config: ExperimentConfig): string {
  const { name: _n, ...rest } = config;
  const key = rest.budget.startsWith('epochs:') ? { ...rest, validationCarve: 'random' } : rest;
  return `exp_${createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16)}`;
}

export function experimentDir(workspacePath: string, id: string): string {
  if (!/^exp_[0-9a-f]{16}$/.test(id)) throw new NotFoundError(`no experiment ${JSON.stringify(id)}`);
  return join(experimentsRoot(workspacePath), id);
}

export function loadState(workspacePath: string, id: string): ExperimentState | null {
  const file = join(experimentDir(workspacePath, id), 'experiment.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as ExperimentState;
}

export function saveState(workspacePath: string, state: ExperimentState): void {
  const dir = experimentDir(workspacePath, state.id);
  mkdirSync(dir, { recursive: true });
  state.updatedAt = nowIso();
  writeJsonAtomic(join(dir, 'experiment.json'), state);
}

export function listStates(workspacePath: string): ExperimentState[] {
  const root = experimentsRoot(workspacePath);
  if (!existsSync(root)) return [];
  const out: ExperimentState[] = [];
  for (const d of readdirSync(root)) {
    try {
      const s = loadState(workspacePath, d);
      if (s) out.push(s);
    } catch {
      // a folder that is not an experiment (or a damaged one) is skipped
    }
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export function removeExperiment(workspacePath: string, id: string): boolean {
  const dir = experimentDir(workspacePath, id);
  if (!existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
