/** App settings kept in the data folder (settings.json), shared by the desktop app and the CLI. */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName } from '../contract/types';
import { writeJsonAtomic } from '../store/fsutil';

export interface Settings {
  /** forced engine backend; absent = the best available */
  backend?: BackendName;
  /** engine workers; absent = one per core */
  workers?: number;
  /** ONNX Runtime execution provider; absent = the best the build has */
  executionProvider?: string;
  /** the ONNX Runtime calibration chosen at first use (workers × intra-op threads, batch) */
  calibration?: EngineCalibration;
}

export interface EngineCalibration {
  workers: number;
  threads: number;
  batch: number;
  /** predictions/s measured for the chosen setting, and when */
  rate: number;
  at: string;
}

const FILE = 'settings.json';

export function readSettings(dataDir: string): Settings {
  const p = join(dataDir, FILE);
  if (!existsSync(p)) return {};
  try {
    const s = JSON.parse(readFileSync(p, 'utf8')) as Settings;
    const out: Settings = {};
    if (s.backend === 'onnxruntime' || s.backend === 'tensorflow' || s.backend === 'wasm' || s.backend === 'cpu') out.backend = s.backend;
    if (typeof s.executionProvider === 'string' && /^[a-z]{2,16}$/.test(s.executionProvider)) out.executionProvider = s.executionProvider;
    const c = s.calibration;
    if (c && [c.workers, c.threads, c.batch].every((v) => Number.isInteger(v) && v >= 1)) out.calibration = c;
    if (Number.isInteger(s.workers) && (s.workers as number) >= 1) out.workers = s.workers;
    return out;
  } catch {
    return {}; // a damaged settings file falls back to defaults; the next save rewrites it
  }
}

export function writeSettings(dataDir: string, s: Settings): void {
  mkdirSync(dataDir, { recursive: true });
  writeJsonAtomic(join(dataDir, FILE), s);
}
