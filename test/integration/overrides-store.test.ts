/**
 * Overrides and tags in the workspace (per dataset split, run-length encoded, with undo):
 * through the services as the UI calls them, persisted across reopening, and refused with a
 * sentence when a selection does not fit the split.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportedDataset } from '../../src-main/core/dataset';
import { decodeIndexSet, encodeIndexSet, runsOf } from '../../src-main/contract/index-set';
import { decodeThumbs } from '../../src-main/contract/frame';
import { createServices } from '../../src-main/services/index';
import { openWorkspace, type Workspace } from '../../src-main/store/workspace';

const SHAPE = { height: 2, width: 2, channels: 3 as const };

function dataset(n: number): ImportedDataset {
  const data = new Uint8Array(n * 12).map((_, i) => i % 251);
  const labels = new Uint8Array(n).map((_, i) => i % 2);
  return { kind: 'idx', sourcePath: '/data/x', shape: SHAPE, classNames: ['a', 'b'], splits: [{ name: 'train', images: { shape: SHAPE, count: n, data }, labels, origin: 'x', origins: null }], warnings: [] };
}

describe('workspace overrides', () => {
  let tmp: string;
  let ws: Workspace;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rpr-ovr-'));
    ws = openWorkspace(tmp, { create: true });
  });
  afterEach(() => {
    ws.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('edits, tags and undoes; a million-image range costs a few bytes; survives reopening', () => {
    const ds = ws.datasets.insert(dataset(1000), 'x');
    const o = ws.overrides;
    expect(o.get(ds.id, 'train')).toMatchObject({ version: 0, includeCount: 0, excludeCount: 0, undoDepth: 0 });
    let st = o.edit(ds.id, 'train', [100, 500], 'exclude');
    expect(st).toMatchObject({ version: 1, excludeCount: 500, includeCount: 0, undoDepth: 1 });
    st = o.edit(ds.id, 'train', runsOf([150, 151, 700]), 'include'); // include wins over exclude on those
    expect(st).toMatchObject({ excludeCount: 498, includeCount: 3 });
    expect(decodeIndexSet(st.exclude)).toEqual([100, 50, 152, 448]);
    st = o.tag(ds.id, 'train', [0, 10], 'blurry', true);
    expect(st.tagCounts).toEqual({ blurry: 10 });
    st = o.tag(ds.id, 'train', [5, 10], 'blurry', false);
    expect(decodeIndexSet(st.tags.blurry)).toEqual([0, 5]);
    expect(o.list(ds.id, 'train').filter((x) => x.mode === 'include').map((x) => x.index)).toEqual([150, 151, 700]);
    // no change, no version, no undo step
    expect(o.edit(ds.id, 'train', [100, 2], 'exclude').version).toBe(st.version);
    st = o.undo(ds.id, 'train');
    expect(st.tagCounts).toEqual({ blurry: 10 });
    st = o.undo(ds.id, 'train');
    st = o.undo(ds.id, 'train');
    expect(st).toMatchObject({ includeCount: 0, excludeCount: 500, tagCounts: {} });
    ws.close();
    ws = openWorkspace(tmp);
    expect(ws.overrides.get(ds.id, 'train')).toMatchObject({ excludeCount: 500, undoDepth: 1 });
    const file = path.join(tmp, 'pixels', ds.id, 'train.overrides.json');
    expect(fs.statSync(file).size).toBeLessThan(400);
    expect(encodeIndexSet([0, 1_000_000]).length).toBeLessThan(10);
  });

  it('refuses selections past the split, unknown splits and bad tags; the file goes with the dataset', () => {
    const ds = ws.datasets.insert(dataset(10), 'x');
    expect(() => ws.overrides.edit(ds.id, 'train', [8, 3], 'exclude')).toThrow(/selection reaches image train\/10, but the split has 10 images/);
    expect(() => ws.overrides.get(ds.id, 'valid')).toThrow(/no split "valid"/);
    expect(() => ws.overrides.tag(ds.id, 'train', [0, 1], 'a\nb', true)).toThrow(/tag/);
    ws.overrides.edit(ds.id, 'train', [0, 1], 'exclude');
    const file = path.join(tmp, 'pixels', ds.id, 'train.overrides.json');
    expect(fs.existsSync(file)).toBe(true);
    fs.writeFileSync(file, '{"format":"rpr-overrides","include":"!!"');
    expect(() => ws.overrides.get(ds.id, 'train')).toThrow(/curation overrides are unreadable/);
    ws.datasets.remove(ds.id);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('through the services: thumbs frames by range and by indices, edits by RLE selection, previews and saves with the workspace overrides', async () => {
    ws.close();
    const services = createServices({ version: 't', dataDir: path.join(tmp, 'data'), transport: 'loopback' });
    await services.call('workspace.open', { path: tmp });
    const w = services.app.requireWorkspace();
    const ds = w.datasets.insert(dataset(40), 'x');
    const px = (i: number) => Array.from({ length: 12 }, (_, k) => (i * 12 + k) % 251);
    const range = decodeThumbs(await services.call('datasets.thumbs', { datasetId: ds.id, split: 'train', offset: 30, count: 10 }));
    expect(range).toMatchObject({ offset: 30, count: 10, shape: SHAPE, split: 'train' });
    expect(Array.from(range.pixels.subarray(12, 24))).toEqual(px(31));
    const picked = decodeThumbs(await services.call('datasets.thumbs', { datasetId: ds.id, split: 'train', indices: [39, 0, 7] }));
    expect(Array.from(picked.pixels)).toEqual([...px(39), ...px(0), ...px(7)]);
    await expect(services.call('datasets.thumbs', { datasetId: ds.id, split: 'train', offset: 35, count: 10 })).rejects.toThrow(/out of range/);
    await expect(services.call('datasets.thumbs', { datasetId: ds.id, split: 'train', count: 5000 })).rejects.toThrow(/count/);
    await expect(services.call('curation.editOverrides', { datasetId: ds.id, split: 'train', selection: 'not base64!', mode: 'exclude' })).rejects.toThrow(/base64/);
    // a done run over the split (scores synthesized through the store)
    const run = w.runs.create({ modelId: 'm', modelHash: 'h', datasetId: ds.id, split: 'train', scheme: { name: 'paper', params: { k: 2 } }, maxSteps: 10, seed: 0, backend: 'wasm', workers: 1, count: 40 });
    const rows = Array.from({ length: 40 }, (_, i) => ({ index: i, label: i % 2, steps: 10, robust: 1 as const, cleanPred: i % 2, cleanConf: 0.9, foolPred: -1, foolUpper: 0.1 }));
    w.runs.commitScores(run.id, rows, 40);
    w.runs.finish(run.id, { ...runStatsStub(40) });
    await services.call('curation.editOverrides', { datasetId: ds.id, split: 'train', selection: encodeIndexSet([0, 10]), mode: 'exclude' });
    const rules = { minSteps: null, balance: { mode: 'all' as const }, seed: 0 };
    const p = await services.call('curation.preview', { runId: run.id, rules, workspaceOverrides: true });
    expect(p.total).toBe(30);
    expect(p.members[0]).toBe(10);
    const set = await services.call('curation.save', { runId: run.id, name: 'kept', rules, workspaceOverrides: true });
    expect(set.total).toBe(30);
    expect(set.overrides).toHaveLength(10);
    // the scores cross as typed arrays
    const sc = await services.call('scoring.scores', { runId: run.id });
    expect(sc.steps).toBeInstanceOf(Int32Array);
    expect(sc.steps.length).toBe(40);
    services.app.workspace?.close();
    ws = openWorkspace(tmp);
  });
});

function runStatsStub(n: number) {
  return {
    n, accuracy: 1, robustRatio: 1, robustRatioCI95: [0.9, 1] as [number, number], curve: [1], curveLo: [1], curveHi: [1], perClassRobustRatio: [1, 1],
    perClassRobustRatioCI95: [[0.9, 1], [0.9, 1]] as [number, number][], perClassCount: [n / 2, n / 2], stepsHistogram: [0], predictions: n, stepsSum: 10 * n, elapsedMs: 1,
  };
}
