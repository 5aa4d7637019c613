/**
 * Migration 4: models trained before training lineage was recorded are marked "lineage
 * unknown"; models with a lineage keep it. The run identity includes a non-default input scale.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src-main/contract/types';
import { MIGRATIONS, openWorkspace } from '../../src-main/store';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rpr-lineage-mig-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const model = (id: string, lineage: Record<string, unknown>, inputScale: ModelInfo['inputScale'] = 'unit'): ModelInfo => ({
  id, name: id, arch: 'paper-cnn', format: 'layers', inputShape: [28, 28, 1], numClasses: 10, inputScale, datasetId: null,
  config: {}, lineage, hash: 'h', createdAt: '2020-01-01T00:00:00Z', metrics: {}, path: `models/${id}/model.json`,
});

describe('migration 4: lineage unknown', () => {
  it('marks older models, keeps recorded lineages', () => {
    const v3 = openWorkspace(tmp, { create: true, migrations: MIGRATIONS.slice(0, 3) });
    v3.models.insert(model('mdl_old', { datasetId: 'd', split: 'train', count: 1000 }));
    v3.models.insert(model('mdl_new', { version: 1, datasetId: 'd', split: 'train' }));
    v3.close();
    const ws = openWorkspace(tmp);
    try {
      expect(ws.models.get('mdl_old').lineage).toEqual({ datasetId: 'd', split: 'train', count: 1000, lineageUnknown: true });
      expect(ws.models.get('mdl_new').lineage).toEqual({ version: 1, datasetId: 'd', split: 'train' });
    } finally {
      ws.close();
    }
  });

  it("a run's identity includes the model's input scale (unit keeps the older key)", () => {
    const ws = openWorkspace(tmp, { create: true });
    try {
      ws.models.insert(model('mdl_u', {}));
      ws.models.insert(model('mdl_s', {}, 'signed'));
      const p = { datasetId: 'd', split: 'test', scheme: { name: 'paper' as const, params: { k: 28 } }, maxSteps: 10, seed: 0, modelHash: 'h' };
      const unit = ws.runs.paramsHash({ ...p, modelId: 'mdl_u' });
      expect(ws.runs.paramsHash({ ...p, modelId: 'mdl_s' })).not.toBe(unit);
      expect(ws.runs.paramsHash({ ...p, modelId: 'mdl_u', inputScale: { mean: 0.1, std: 0.3 } })).not.toBe(unit);
    } finally {
      ws.close();
    }
  });
});
