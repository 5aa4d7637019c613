/**
 * ONNX Runtime calibration at first use: a short predict benchmark (paper-cnn, converted to
 * ONNX in memory, random pixels) over engine workers × intra-op threads (workers · threads ≤
 * cores), then batch sizes on the best pair. The winner is stored in settings.json and used
 * by every later engine start; it is skipped when the workers are set explicitly.
 */
import { availableParallelism } from 'node:os';
import { createPool } from '../engine/pool';
import type { AppState } from './app-state';
import { type EngineCalibration, readSettings, writeSettings } from './settings';

/** how much faster than the default a worker × thread pair must probe to be chosen instead */
const CLEAR_WIN = 1.05;

export interface CalibrationCandidate {
  workers: number;
  threads: number;
  batch: number;
}

/** Worker × thread pairs that fit `cores` (batch 1024), most workers first. */
export function calibrationGrid(cores: number): CalibrationCandidate[] {
  const out: CalibrationCandidate[] = [];
  for (let w = Math.max(1, cores); w >= 1; w--) for (let t = 1; t * w <= Math.max(1, cores); t++) out.push({ workers: w, threads: t, batch: 1024 });
  return out;
}

export function describeCalibration(c: Pick<EngineCalibration, 'workers' | 'threads' | 'batch'>): string {
  return `${c.workers} worker${c.workers === 1 ? '' : 's'} × ${c.threads} thread${c.threads === 1 ? '' : 's'}, batch ${c.batch}`;
}

/** Predictions/s of one candidate: every worker runs the same short predict benchmark at once. */
async function measure(app: AppState, c: CalibrationCandidate, images: number): Promise<number> {
  const make = app.host.createPool ?? createPool;
  const pool = make({ size: c.workers, backend: 'onnxruntime', intraOpThreads: c.threads });
  try {
    const shape = { height: 28, width: 28, channels: 1 as const };
    const outs = await Promise.all(Array.from({ length: c.workers }, () => pool.run({ kind: 'predict-bench', arch: 'paper-cnn', shape, numClasses: 10, count: images, batchSize: c.batch, seed: 1, onnx: true })));
    return outs.reduce((a, o) => a + o.imagesPerSec, 0);
  } finally {
    await pool.close();
  }
}

/**
 * Calibrates once (when the engine runs onnxruntime, no calibration is stored and the worker
 * count was not chosen); returns the stored calibration, or null when none applies.
 */
export async function ensureCalibrated(app: AppState, say: (msg: string) => void = () => undefined): Promise<EngineCalibration | null> {
  const saved = readSettings(app.host.dataDir);
  if (app.host.workers !== undefined || saved.workers !== undefined) return null;
  if (!saved.calibration && process.env.RPR_CALIBRATE === '0') return null;
  const info = await app.backendInfo();
  if (info.name !== 'onnxruntime') return null;
  if (saved.calibration) return saved.calibration;
  say('calibrating ONNX Runtime (workers × threads × batch)…');
  const cores = availableParallelism();
  // two interleaved rounds, the better of each candidate's two: a busy moment on a shared machine
  // hurts one probe, not a candidate; the default (one worker per core, one thread each) is kept
  // unless another pair beats it clearly
  const grid = calibrationGrid(cores);
  const rates = new Array<number>(grid.length).fill(0);
  for (let round = 0; round < 2; round++) for (let i = 0; i < grid.length; i++) rates[i] = Math.max(rates[i], await measure(app, grid[i], 8192));
  let best: (CalibrationCandidate & { rate: number }) | null = grid.length ? { ...grid[0], rate: rates[0] } : null;
  for (let i = 1; i < grid.length; i++) if (best && rates[i] > best.rate * CLEAR_WIN) best = { ...grid[i], rate: rates[i] };
  if (!best) return null;
  for (const batch of [256, 4096]) {
    const rate = await measure(app, { ...best, batch }, 8192);
    if (rate > best.rate * 1.03) best = { ...best, batch, rate };
  }
  const cal: EngineCalibration = { workers: best.workers, threads: best.threads, batch: best.batch, rate: Math.round(best.rate), at: new Date().toISOString() };
  writeSettings(app.host.dataDir, { ...readSettings(app.host.dataDir), calibration: cal });
  say(`ONNX Runtime calibration: chose ${describeCalibration(cal)} (${Math.round(cal.rate)} predictions/s in the probe); saved in settings.json`);
  await app.restartEngine();
  return cal;
}
