/** Models: metadata rows; the files live in `models/<modelId>/`, written by the engine. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelInfo } from '../contract/types';
import type { StoreContext } from './context';
import { modelDirOf, notFound, parseJson } from './context';

export interface ModelRepository {
  /** Insert or replace the row of `info.id`. A path inside the workspace is stored relative. */
  insert(info: ModelInfo): ModelInfo;
  list(): ModelInfo[];
  get(id: string): ModelInfo;
  /** Row and model folder. False if there was no such model. Scoring runs of it are kept. */
  remove(id: string): boolean;
  /** `<W>/models/<id>` (not created). */
  modelDir(id: string): string;
}

interface ModelRow {
  id: string;
  name: string;
  arch: ModelInfo['arch'];
  format: ModelInfo['format'];
  input_shape: string;
  num_classes: number;
  input_scale: string;
  dataset_id: string | null;
  config: string;
  lineage: string;
  hash: string;
  metrics: string;
  path: string;
  created_at: string;
}

export function createModelRepository(ctx: StoreContext): ModelRepository {
  const { db, root } = ctx;

  function toInfo(r: ModelRow): ModelInfo {
    return {
      id: r.id,
      name: r.name,
      arch: r.arch,
      format: r.format,
      inputShape: parseJson<ModelInfo['inputShape']>(r.input_shape, [0]),
      numClasses: r.num_classes,
      inputScale: parseJson<ModelInfo['inputScale']>(r.input_scale, 'unit'),
      datasetId: r.dataset_id,
      config: parseJson<Record<string, unknown>>(r.config, {}),
      lineage: parseJson<Record<string, unknown>>(r.lineage, {}),
      hash: r.hash,
      createdAt: r.created_at,
      metrics: parseJson<ModelInfo['metrics']>(r.metrics, {}),
      path: path.isAbsolute(r.path) ? r.path : path.join(root, r.path),
    };
  }

  function storedPath(p: string): string {
    const abs = path.resolve(root, p);
    const rel = path.relative(root, abs);
    // inside the workspace: relative with '/', so the workspace can move
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
  }

  return {
    insert(info) {
      modelDirOf(root, info.id); // validates the id
      db.run(
        `INSERT OR REPLACE INTO models (id, name, arch, format, input_shape, num_classes, input_scale, dataset_id, config, lineage, hash, metrics, path, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [info.id, info.name, info.arch, info.format, JSON.stringify(info.inputShape), info.numClasses, JSON.stringify(info.inputScale),
          info.datasetId, JSON.stringify(info.config ?? {}), JSON.stringify(info.lineage ?? {}), info.hash, JSON.stringify(info.metrics ?? {}),
          storedPath(info.path || modelDirOf(root, info.id)), info.createdAt],
      );
      return this.get(info.id);
    },

    list() {
      return db.all<ModelRow>('SELECT * FROM models ORDER BY created_at, id').map(toInfo);
    },

    get(id) {
      const r = db.get<ModelRow>('SELECT * FROM models WHERE id = ?', [id]);
      if (!r) throw notFound(ctx, 'model', id);
      return toInfo(r);
    },

    remove(id) {
      const removed = db.run('DELETE FROM models WHERE id = ?', [id]).changes > 0;
      fs.rmSync(modelDirOf(root, id), { recursive: true, force: true });
      return removed;
    },

    modelDir(id) {
      return modelDirOf(root, id);
    },
  };
}
