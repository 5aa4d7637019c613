/**
 * Curating a scores file (`rpr curate`): the per-image CSV of `rpr score` (or `rpr merge`) and
 * the run.json beside it name the dataset; its images are read from there (no workspace
 * needed), checked against the scores, curated by the rules and exported.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CallArgs } from '../contract/calls';
import type { ScoresCuration } from '../contract/headless';
import { curate } from '../core/curation';
import type { ImportedDataset } from '../core/dataset';
import { InputError, RequestError } from '../core/errors';
import { scoreRowsToColumns } from '../core/scores-csv';
import { checkCurationUsable } from './curation-service';
import { exportImages } from './export';
import { importDataset } from './importers/index';
import { readScores } from './score-files';

/**
 * The dataset a dry run read, kept for the export that follows it (a client previews, says what
 * the rules cost, then exports: one read of the dataset, not two). Used once, dropped after
 * KEEP_MS, and only for the same scores file and dataset.
 */
export interface DatasetMemo {
  take(key: string): ImportedDataset | null;
  keep(key: string, ds: ImportedDataset): void;
}

const KEEP_MS = 30_000;

export function datasetMemo(): DatasetMemo {
  let kept: { key: string; ds: ImportedDataset; timer: ReturnType<typeof setTimeout> } | null = null;
  const drop = () => {
    if (kept) clearTimeout(kept.timer);
    kept = null;
  };
  return {
    take(key) {
      const hit = kept?.key === key ? kept.ds : null;
      drop();
      return hit;
    },
    keep(key, ds) {
      drop();
      const timer = setTimeout(drop, KEEP_MS);
      timer.unref?.();
      kept = { key, ds, timer };
    },
  };
}

export async function curateScoresFile(a: CallArgs<'curation.exportScores'>, memo: DatasetMemo = datasetMemo()): Promise<ScoresCuration> {
  const { run, rows } = readScores(a.scores);
  if (!existsSync(run.datasetPath)) throw new InputError(run.datasetPath, 'the dataset named in run.json is not there any more');
  const key = JSON.stringify([resolve(a.scores), statSync(resolve(a.scores)).mtimeMs, run.datasetPath, statSync(run.datasetPath).mtimeMs]);
  const ds: ImportedDataset = memo.take(key) ?? (await importDataset(run.datasetPath, {}));
  const split = ds.splits.find((s) => s.name === run.split);
  if (!split) throw new InputError(run.datasetPath, `has no split "${run.split}"`);
  for (const r of rows) {
    if (r.index >= split.images.count || split.labels[r.index] !== r.label) throw new InputError(resolve(a.scores), `image ${run.split}/${r.index} does not match the dataset (${run.datasetPath}): was it scored on another dataset?`);
  }
  const { members, ...preview } = curate(scoreRowsToColumns(rows), a.rules, a.overrides, ds.classNames.length);
  const answer = { preview, classNames: ds.classNames, rows: rows.length };
  if (a.dryRun) {
    memo.keep(key, ds);
    return { ...answer, path: null, elapsedMs: 0 };
  }
  checkCurationUsable({ ...preview, members }, a.rules);
  if (!a.path) throw new RequestError('give the folder to export the curated images to');
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  const test = run.split !== 'test' ? ds.splits.find((s) => s.name === 'test') : undefined;
  const started = Date.now();
  const result = await exportImages({
    outDir: a.path,
    format: a.format,
    shape: ds.shape,
    classNames: ds.classNames,
    split: run.split,
    images: split.images,
    items: members.map((index) => {
      const r = byIndex.get(index);
      return { index, label: split.labels[index], steps: r?.steps, robust: r ? (r.robust ? 1 : 0) : undefined };
    }),
    testSplit: a.format === 'idx' && test ? { images: test.images, labels: test.labels } : undefined,
    meta: { scheme: run.scheme, k: run.k ?? undefined, maxSteps: run.maxSteps, seed: run.seed, modelHash: run.modelHash },
  });
  return { ...answer, path: result.path, elapsedMs: Date.now() - started };
}
