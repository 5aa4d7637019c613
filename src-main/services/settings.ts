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
}

const FILE = 'settings.json';

export function readSettings(dataDir: string): Settings {
  const p = join(dataDir, FILE);
  if (!existsSync(p)) return {};
  try {
    const s = JSON.parse(readFileSync(p, 'utf8')) as Settings;
    const out: Settings = {};
    if (s.backend === 'tensorflow' || s.backend === 'wasm' || s.backend === 'cpu') out.backend = s.backend;
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
