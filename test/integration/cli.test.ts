/**
 * The built `rpr` command end to end on mnist-small: train, eval, score (JSON, CSV, run.json),
 * shards + merge, workers 1 vs 2, kill -9 then resume, curate to IDX and retrain on it, and
 * the exit codes of bad input. One model is trained once and reused.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src-main/store/workspace';
import { MNIST_SMALL } from '../helpers/paths';
import { startRpr, type Ran } from '../helpers/cli';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;
let env: NodeJS.ProcessEnv;

const start = (args: string[]) => startRpr(args, { cwd: tmp, env });

const rpr = (...args: string[]): Promise<Ran> => start(args).done;

async function ok(...args: string[]): Promise<Ran> {
  const r = await rpr(...args);
  if (r.code !== 0) throw new Error(`rpr ${args.join(' ')} exited with ${r.code}:\n${r.stderr}`);
  return r;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));
const at = (...p: string[]) => join(tmp, ...p);

let modelPath: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let trained: any;

beforeAll(async () => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-cli-'));
  env = { ...process.env, RPR_DATA_DIR: join(tmp, 'data') };
  delete env.RPR_DEBUG;
  await ok('train', '--data', MNIST_SMALL, '--arch', 'paper-cnn', '--epochs', '2', '--seed', '1', '--out', at('model'), '--json', at('t.json'));
  trained = json(at('t.json'));
  modelPath = at('model', 'model.json');
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('rpr train / eval', () => {
  it('train writes a TF.js layers model and the JSON result', () => {
    expect(trained.testAccuracy).toBeGreaterThan(0.3);
    expect(trained.testAccuracy).toBeLessThanOrEqual(1);
    expect(trained.valAccuracy).toBeGreaterThan(0.2);
    expect(trained.epochs).toBe(2);
    expect(['wasm', 'cpu', 'tensorflow']).toContain(trained.backend);
    expect(trained.elapsedMs).toBeGreaterThan(0);
    expect(trained.modelPath).toBe(modelPath);
    const m = json(modelPath);
    expect(m.format).toBe('layers-model');
    expect(existsSync(at('model', 'rpr.json'))).toBe(true);
  });

  it('eval gives the accuracy measured after training and a confusion matrix over 500 images', async () => {
    const r = await ok('eval', '--data', MNIST_SMALL, '--model', modelPath, '--json', at('e.json'));
    const e = json(at('e.json'));
    expect(Math.abs(e.accuracy - trained.testAccuracy)).toBeLessThan(1e-9);
    expect(e.confusion).toHaveLength(10);
    for (const row of e.confusion) expect(row).toHaveLength(10);
    expect(e.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(500);
    expect(r.stdout).toMatch(/accuracy \d+\.\d\d% on test/);
  });
});

describe('rpr score / merge', () => {
  const base = () => ['score', '--data', MNIST_SMALL, '--split', 'test', '--model', modelPath, '--max-steps', '20', '--seed', '3'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let single: any;

  beforeAll(async () => {
    await ok(...base(), '--workers', '2', '--json', at('single', 's.json'));
    single = json(at('single', 's.json'));
  }, 120_000);

  it('writes the result JSON, the per-image CSV and run.json', () => {
    const s = single;
    expect(s.robustRatio).toBeGreaterThan(0);
    expect(s.robustRatio).toBeLessThan(1);
    expect(s.robustRatioCI95).toHaveLength(2);
    expect(s.robustRatioCI95[0]).toBeLessThanOrEqual(s.robustRatio);
    expect(s.robustRatioCI95[1]).toBeGreaterThanOrEqual(s.robustRatio);
    expect(Math.abs(s.accuracy - trained.testAccuracy)).toBeLessThan(1e-9);
    expect(s.perClassRobustRatio).toHaveLength(10);
    expect(s.curve).toHaveLength(20);
    expect(s.curve.every((x: unknown) => typeof x === 'number')).toBe(true);
    expect(s.curve[19]).toBe(s.robustRatio);
    expect(s.predictions).toBeGreaterThanOrEqual(s.stepsSum + 500);
    expect(s.predictions).toBeLessThanOrEqual(1.05 * (s.stepsSum + 500));
    // training runs on TF.js; scoring on ONNX Runtime when it loads (the converted graph), else the same TF.js backend
    expect([trained.backend, 'onnxruntime']).toContain(s.backend);
    expect(s.workers).toBe(2);
    expect(s.elapsedMs).toBeGreaterThan(0);
    const csv = readFileSync(s.scoresFile, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,split,index,label,steps,robust,cleanPred,foolPred');
    expect(csv).toHaveLength(501);
    const rows = csv.slice(1).map((l) => l.split(','));
    expect(rows[0][0]).toBe('test/0');
    expect(rows.reduce((a, r) => a + Number(r[4]), 0)).toBe(s.stepsSum);
    expect(rows.filter((r) => r[5] === '1').length / 500).toBe(s.robustRatio);
    const run = json(at('single', 'run.json'));
    expect(run).toMatchObject({ split: 'test', maxSteps: 20, seed: 3, k: 28, scheme: { name: 'paper', params: { k: 28 } }, datasetPath: MNIST_SMALL });
    expect(run.modelHash).toMatch(/^[0-9a-f]{16,}$/);
  });

  it('three shards merged give the single run exactly', async () => {
    for (let i = 0; i < 3; i++) await ok(...base(), '--shard', `${i}/3`, '--json', at('shards', `s${i}.json`));
    const shard1 = json(at('shards', 's1.json'));
    expect(shard1.n).toBe(167);
    expect(shard1.shard).toEqual([1, 3]);
    await ok('merge', '--json', at('merged', 'm.json'), at('shards', 's0.json'), at('shards', 's1.json'), at('shards', 's2.json'));
    const m = json(at('merged', 'm.json'));
    expect(readFileSync(m.scoresFile, 'utf8')).toBe(readFileSync(single.scoresFile, 'utf8'));
    const volatile = ['predictions', 'elapsedMs', 'workers', 'predictionsOverMinimum', 'scoresFile', 'runFile'];
    const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !volatile.includes(k)));
    expect(strip(m)).toEqual(strip(single));
    expect(json(at('merged', 'run.json')).shard).toBeNull();
  }, 120_000);

  it('1 and 2 workers give identical per-image scores', async () => {
    await ok(...base(), '--workers', '1', '--workspace', at('ws-w1'), '--json', at('w1', 's.json'));
    const w1 = json(at('w1', 's.json'));
    expect(w1.workers).toBe(1);
    expect(readFileSync(w1.scoresFile, 'utf8')).toBe(readFileSync(single.scoresFile, 'utf8'));
  }, 120_000);
});

const trainArgs = (ws: string, out: string, batch: string) => ['score', '--data', MNIST_SMALL, '--split', 'train', '--model', modelPath, '--max-steps', '100', '--seed', '5', '--batch', batch, '--workers', '1', '--workspace', ws, '--json', out];
// the uninterrupted reference run (its own workspace, batch 1024): made once, by whichever test needs it first
let referenceRun: Promise<string> | null = null;
const reference = (): Promise<string> => (referenceRun ??= ok(...trainArgs(at('ws-ref'), at('ref', 'r.json'), '1024')).then(() => at('ref', 'r.json')));

describe('rpr score resumes after kill -9; rpr curate', () => {

  it('a killed run resumes and ends with the scores of an uninterrupted run', async () => {
    const ws = at('ws-kill');
    const first = start(trainArgs(ws, at('kill', 'k.json'), '64'));
    const t0 = Date.now();
    let done = 0;
    while (done === 0) {
      if (Date.now() - t0 > 90_000) throw new Error('no score committed in 90 s');
      if (first.proc.exitCode !== null) throw new Error(`rpr score ended before it could be killed: ${(await first.done).stderr}`);
      await new Promise((r) => setTimeout(r, 50));
      if (!existsSync(join(ws, 'rpr-workspace.json'))) continue;
      const w = openWorkspace(ws);
      try {
        done = w.runs.list().reduce((s, r) => s + r.done, 0);
      } finally {
        w.close();
      }
    }
    first.proc.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(at('kill', 'k.json'))).toBe(false);
    {
      const w = openWorkspace(ws);
      const run = w.runs.list()[0];
      w.close();
      expect(run.status).toBe('running');
      expect(run.done).toBeGreaterThan(0);
      expect(run.done).toBeLessThan(1000);
    }
    const again = await ok(...trainArgs(ws, at('kill', 'k.json'), '64'));
    expect(again.stderr).toMatch(/resuming run run_[0-9a-f]+: \d+\/1000 images already scored/);
    // the uninterrupted reference, another workspace and batch size
    const k = json(at('kill', 'k.json'));
    const r = json(await reference());
    expect(readFileSync(k.scoresFile, 'utf8')).toBe(readFileSync(r.scoresFile, 'utf8'));
    expect(k.robustRatio).toBe(r.robustRatio);
    expect(k.curve).toEqual(r.curve);
    expect(k.n).toBe(1000);
  }, 240_000);

  it('curate writes a complete MNIST folder that rpr train retrains on; refuses a non-empty folder', async () => {
    const scores = json(await reference()).scoresFile as string;
    const c = await ok('curate', '--scores', scores, '--per-class', '20', '--seed', '1', '--out', at('curated'), '--format', 'idx', '--json', at('c.json'));
    const cur = json(at('c.json'));
    expect(cur.total).toBe(cur.after.reduce((a: number, b: number) => a + b, 0));
    expect(cur.after.every((n: number) => n <= 20)).toBe(true);
    expect(cur.total).toBeGreaterThan(20);
    expect(c.stdout).toMatch(/curated \d+ of 1000 images/);
    expect(readdirSync(at('curated')).sort()).toEqual(['manifest.csv', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    // the test split is the original, byte for byte after gunzip
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(readFileSync(at('curated', 't10k-labels-idx1-ubyte.gz'))).equals(gunzipSync(readFileSync(join(MNIST_SMALL, readdirSync(MNIST_SMALL).find((f) => f.startsWith('t10k-labels')) as string))))).toBe(true);

    await ok('train', '--data', at('curated'), '--epochs', '1', '--seed', '2', '--out', at('model-curated'), '--json', at('t2.json'), '--workspace', at('ws-curated'));
    const t2 = json(at('t2.json'));
    // evaluated on the exported test split (the original 500 images): a share of 500
    expect(t2.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(t2.testAccuracy).toBeLessThanOrEqual(1);
    expect(t2.testAccuracy * 500).toBeCloseTo(Math.round(t2.testAccuracy * 500), 6);
    expect(existsSync(at('model-curated', 'model.json'))).toBe(true);
    const w = openWorkspace(at('ws-curated'));
    const ds = w.datasets.list()[0];
    w.close();
    expect(ds.splits.find((s) => s.name === 'train')?.count).toBe(cur.total);
    expect(ds.splits.find((s) => s.name === 'test')?.count).toBe(500);

    mkdirSync(at('full'));
    writeFileSync(at('full', 'keep.txt'), 'mine');
    const refused = await rpr('curate', '--scores', scores, '--per-class', '20', '--out', at('full'), '--format', 'idx');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/full: folder is not empty .*refusing to overwrite it/);
    expect(readdirSync(at('full'))).toEqual(['keep.txt']);
  }, 180_000);
});

describe('rpr retrain', () => {
  it('curates a scored train split, retrains M_R and M_C with the recipe of M, and compares', async () => {
    // scored in the workspace where rpr train made the model (the default one): its recipe is known
    await ok('score', '--data', MNIST_SMALL, '--split', 'train', '--model', modelPath, '--max-steps', '20', '--seed', '3', '--json', at('tr', 's.json'));
    const r = await ok('retrain', '--scores', at('tr', 's-scores.csv'), '--per-class', '15', '--seed', '2', '--json', at('rt.json'));
    const cmp = json(at('rt.json'));
    expect(cmp.rows.map((row: { label: string }) => row.label)).toEqual(['M', 'M_R', 'M_C']);
    for (const row of cmp.rows) {
      expect(row.robustRatio).not.toBeNull();
      expect(row.curve).toHaveLength(20);
    }
    expect(cmp.rows[0].testAccuracy).toBeCloseTo(trained.testAccuracy, 9);
    // trained on: the curated set (and its control) less the validation carve
    for (const row of cmp.rows.slice(1)) {
      expect(row.trainingSet.count + row.trainingSet.validation).toBe(cmp.set.total);
      expect(row.trainingSet.validation).toBeGreaterThan(0);
      expect(row.trainingSet.classCounts.reduce((a: number, b: number) => a + b, 0)).toBe(row.trainingSet.count);
    }
    expect(r.stdout).toMatch(new RegExp(`^M_R .* trained on ${cmp.rows[1].trainingSet.count} images \\(\\+ ${cmp.rows[1].trainingSet.validation} validation\\)$`, 'm'));
    expect(Object.keys(cmp.mcnemar).sort()).toEqual(['M_R_vs_M_C', 'M_vs_M_C', 'M_vs_M_R']);
    expect(r.stdout).toMatch(/McNemar M_vs_M_R: p = /);
    // a workspace that only imported the model does not know its recipe
    const refused = await rpr('retrain', '--scores', json(await reference()).scoresFile, '--per-class', '15');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/no zoo-trained model with hash [0-9a-f]+ in .*ws-ref.*retrain needs the recipe of a model trained by rpr train/);
  }, 180_000);
});

describe('bad input', () => {
  it('exits 2 with the usage for missing or malformed options', async () => {
    const noData = await rpr('score', '--split', 'test', '--model', 'x/model.json');
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/--data is required/);
    expect(noData.stderr).toMatch(/usage: rpr score --data <dir>/);
    const scheme = await rpr('score', '--data', MNIST_SMALL, '--model', 'x/model.json', '--scheme', 'sparkle');
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/--scheme sparkle/);
    expect(scheme.stderr).toMatch(/usage: rpr score/);
    const shard = await rpr('score', '--data', MNIST_SMALL, '--model', 'x/model.json', '--shard', '3/3');
    expect(shard.code).toBe(2);
    expect(shard.stderr).toMatch(/--shard 3\/3: need 0 <= i < n/);
    expect(shard.stderr).toMatch(/usage: rpr score/);
    const unknown = await rpr('train', '--data', MNIST_SMALL, '--out', at('x'), '--frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/usage: rpr train/);
  });

  it('exits 1 naming the file when the model is missing', async () => {
    const r = await rpr('eval', '--data', MNIST_SMALL, '--model', at('nope', 'model.json'), '--workspace', at('ws-bad'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(at('nope', 'model.json'));
  }, 60_000);
});
