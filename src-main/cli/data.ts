/** CLI conveniences: reuse an already imported dataset, import a model file, run a job to its end. */
import { resolve } from 'node:path';
import type { DatasetSummary, InputScale, ModelInfo } from '../contract/types';
import type { Services } from '../services/index';
import { inspectModel, registerModel } from '../services/models-service';
import { followJob, UsageError, type CliIo } from './shared';

/** The workspace's dataset imported from `dir`, importing it first when needed. */
export async function ensureDataset(services: Services, dir: string, io: CliIo): Promise<DatasetSummary> {
  const path = resolve(dir);
  const existing = (await services.call('datasets.list', {})).find((d) => d.sourcePath === path);
  if (existing) return existing;
  const { jobId } = await services.call('datasets.import', { path });
  const ds = await followJob<DatasetSummary>(services, jobId, io);
  io.err(`imported ${path}: ${ds.splits.map((s) => `${s.name} ${s.count}`).join(', ')}`);
  return ds;
}

/** Import a model file into the workspace (the same model.json reuses its earlier import). */
export async function ensureModel(services: Services, modelPath: string, datasetId: string, inputScale?: InputScale): Promise<ModelInfo> {
  const path = resolve(modelPath);
  // inspect first (a worker computes the hash and checks the fit); copy files only for a new model
  const checked = await inspectModel(services.app, { path, datasetId, inputScale });
  const models = await services.call('models.list', {});
  const again = models.find((m) => (m.config as { importedFrom?: string }).importedFrom === path && m.datasetId === datasetId && m.hash === checked.hash && (inputScale === undefined || JSON.stringify(m.inputScale) === JSON.stringify(inputScale)));
  return again ?? registerModel(services.app, { datasetId, inputScale }, checked);
}

export function parseInputScale(v: string | undefined): InputScale | undefined {
  if (v === undefined) return undefined;
  if (v === 'unit' || v === 'signed') return v;
  const m = /^([-+0-9.e]+),([-+0-9.e]+)$/.exec(v);
  if (m) return { mean: Number(m[1]), std: Number(m[2]) };
  throw new UsageError(`--input-scale must be unit, signed or <mean>,<std>, got "${v}"`);
}
