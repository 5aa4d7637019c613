/** A fake workspace behind the memory client: a small labelled dataset, models, runs, curation. */
import type { DatasetSummary, ImageColumnArrays, ImageColumns, ScoreColumns, ScoringRunSummary, ModelInfo, RunStats } from '../../src-main/contract';
import { scoreArrays } from '../../src-main/contract/columns';
import { encodeThumbs } from '../../src-main/contract/frame';
import { createMemoryClient } from '../../src-renderer/src/api/memory';
import { fakeOverrides } from './fake-overrides';
import type { MemoryClient } from '../../src-renderer/src/api/memory';

export const H = 4;
export const W = 4;

/** label of image i in a split: a fixed pattern so tests know the truth */
export const labelOf = (split: string, i: number): number => (split === 'train' ? (i * 7 + 3) % 10 : (i * 3) % 10);

export function makeDataset(train = 60, test = 20): DatasetSummary {
  const counts = (split: string, n: number): number[] => {
    const c = new Array(10).fill(0);
    for (let i = 0; i < n; i++) c[labelOf(split, i)]++;
    return c;
  };
  return {
    id: 'ds1',
    name: 'tiny-mnist',
    sourceKind: 'idx',
    sourcePath: '/data/tiny',
    shape: { height: H, width: W, channels: 1 },
    classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
    splits: [
      { name: 'train', count: train, classCounts: counts('train', train), origin: 'train-images-idx3-ubyte' },
      { name: 'test', count: test, classCounts: counts('test', test), origin: 't10k-images-idx3-ubyte' },
    ],
    createdAt: '2024-01-01T00:00:00Z',
    warnings: [],
  };
}

export function columnsOf(ds: DatasetSummary): ImageColumns {
  const cols: ImageColumns = { datasetId: ds.id, splitNames: ds.splits.map((s) => s.name), split: [], index: [], label: [] };
  ds.splits.forEach((s, si) => {
    for (let i = 0; i < s.count; i++) {
      cols.split.push(si);
      cols.index.push(i);
      cols.label.push(labelOf(s.name, i));
    }
  });
  return cols;
}

/** The columns as datasets.columns sends them (typed arrays). */
export function columnArraysOf(ds: DatasetSummary): ImageColumnArrays {
  const c = columnsOf(ds);
  return { datasetId: c.datasetId, splitNames: c.splitNames, splitCounts: ds.splits.map((s) => s.count), label: Uint8Array.from(c.label) };
}

/** A datasets.thumbs frame of images whose pixels all equal (index mod 256), as pixelsOf. */
export function thumbsOf(ds: DatasetSummary, i: { datasetId: string; split: string; offset?: number; count?: number; indices?: number[] }): Uint8Array {
  const idx = i.indices ?? Array.from({ length: i.count ?? 0 }, (_, k) => (i.offset ?? 0) + k);
  const px = new Uint8Array(idx.length * H * W);
  idx.forEach((v, k) => px.fill(v % 256, k * H * W, (k + 1) * H * W));
  const header = { shape: ds.shape, datasetId: ds.id, split: i.split, offset: i.indices ? 0 : (i.offset ?? 0), count: idx.length };
  return encodeThumbs(i.indices ? { ...header, indices: i.indices } : header, px);
}

/** pixel value of image i: every pixel = i mod 256 (so a drawn canvas reveals which image it shows) */
export function pixelsOf(n: number): Uint8Array {
  const b = new Uint8Array(n * H * W);
  for (let i = 0; i < n; i++) b.fill(i % 256, i * H * W, (i + 1) * H * W);
  return b;
}

export function makeScores(runId: string, n: number): ScoreColumns {
  const sc: ScoreColumns = { runId, index: [], label: [], steps: [], robust: [], cleanPred: [], cleanConf: [], foolPred: [], foolUpper: [] };
  for (let i = 0; i < n; i++) {
    const label = labelOf('test', i);
    const mis = i % 5 === 4;
    const robust = !mis && i % 3 === 0;
    const steps = mis ? 0 : robust ? 250 : 1 + ((i * 37) % 200);
    sc.index.push(i);
    sc.label.push(label);
    sc.steps.push(steps);
    sc.robust.push(robust ? 1 : 0);
    sc.cleanPred.push(mis ? (label + 1) % 10 : label);
    sc.cleanConf.push(0.9);
    sc.foolPred.push(robust || mis ? -1 : (label + 2) % 10);
    sc.foolUpper.push(robust ? 0.0119 : 0.5);
  }
  return sc;
}

export function makeStats(n: number): RunStats {
  return {
    n,
    accuracy: 0.8,
    robustRatio: 0.3,
    robustRatioCI95: [0.2, 0.4],
    curve: Array.from({ length: 250 }, (_, t) => 0.8 - (0.5 * t) / 249),
    curveLo: Array.from({ length: 250 }, (_, t) => 0.75 - (0.5 * t) / 249),
    curveHi: Array.from({ length: 250 }, (_, t) => 0.85 - (0.5 * t) / 249),
    perClassRobustRatio: Array.from({ length: 10 }, (_, c) => c / 10),
    perClassRobustRatioCI95: Array.from({ length: 10 }, (_, c) => [Math.max(0, c / 10 - 0.1), Math.min(1, c / 10 + 0.1)] as [number, number]),
    perClassCount: new Array(10).fill(n / 10),
    stepsHistogram: new Array(251).fill(0),
    predictions: 1234,
    stepsSum: 1200,
    elapsedMs: 1000,
  };
}

export function makeRun(id = 'run1', n = 20): ScoringRunSummary {
  return {
    id,
    modelId: 'm1',
    datasetId: 'ds1',
    split: 'test',
    scheme: { name: 'paper', params: { k: 28 } },
    maxSteps: 250,
    seed: 0,
    backend: 'wasm',
    workers: 1,
    status: 'done',
    createdAt: '2024-01-01T00:00:00Z',
    count: n,
    done: n,
    stats: makeStats(n),
    modelHash: 'abc123',
    shard: null,
  };
}

export function makeModel(id = 'm1', name = 'paper-cnn #1'): ModelInfo {
  return {
    id,
    name,
    arch: 'paper-cnn',
    format: 'layers',
    inputShape: [H, W, 1],
    numClasses: 10,
    inputScale: 'unit',
    datasetId: 'ds1',
    config: { epochs: 3 },
    lineage: {},
    hash: 'abc123',
    createdAt: '2024-01-01T00:00:00Z',
    metrics: { testAccuracy: 0.98 },
    path: '/ws/models/m1',
  };
}

/** A memory client wired to a fake workspace with one dataset (already open). */
export function fakeWorkspaceClient(opts: { train?: number; test?: number; open?: boolean } = {}): MemoryClient & { dataset: DatasetSummary; overrides: ReturnType<typeof fakeOverrides> } {
  const ds = makeDataset(opts.train ?? 60, opts.test ?? 20);
  const cols = columnArraysOf(ds);
  const ov = fakeOverrides();
  let job = 0;
  const client = createMemoryClient({
    'system.info': () => ({
      version: '0.1.0',
      backend: { name: 'wasm', unavailable: { tensorflow: 'tfjs-node not installed' }, forced: false, workers: 2 },
      dataDir: '/data',
      transport: 'ipc',
    }),
    'workspace.current': () => (opts.open === false ? null : { path: '/ws', schemaVersion: 1, createdAt: 'x' }),
    'workspace.recent': () => [{ path: '/ws', openedAt: '2024-01-01T00:00:00Z' }],
    'workspace.open': (i) => ({ path: i.path, schemaVersion: 1, createdAt: 'x' }),
    'workspace.pickFolder': () => null,
    'jobs.list': () => [],
    'jobs.cancel': () => ({ cancelled: true }),
    'datasets.list': () => [ds],
    'datasets.columns': () => cols,
    'datasets.thumbs': (i) => thumbsOf(ds, i),
    'datasets.image': (i) => ({
      id: `${i.split}/${i.index}`,
      datasetId: i.datasetId,
      split: i.split,
      index: i.index,
      label: labelOf(i.split, i.index),
      className: ds.classNames[labelOf(i.split, i.index)],
      origin: `${i.split === 'train' ? 'train' : 't10k'}-images-idx3-ubyte#${i.index}`,
      shape: ds.shape,
      pixels: pixelsOf(1),
    }),
    'datasets.import': () => ({ jobId: `job${++job}` }),
    'datasets.download': () => ({ jobId: `job${++job}` }),
    'datasets.pickPath': () => null,
    'models.list': () => [makeModel('m1', 'M'), makeModel('m2', 'M_R')],
    'scoring.list': () => [makeRun()],
    'scoring.get': (i) => makeRun(i.runId),
    'scoring.scores': (i) => scoreArrays(makeScores(i.runId, ds.splits[1].count)),
    'curation.list': () => [],
    ...ov.handlers,
  });
  return Object.assign(client, { dataset: ds, overrides: ov });
}

export const flush = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};
