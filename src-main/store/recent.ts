/** The list of recently opened workspaces, a JSON file in the app's data folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecentWorkspace } from '../contract/types';
import { writeJsonAtomic } from './fsutil';

export const RECENT_FILE = 'recent-workspaces.json';
export const MAX_RECENT = 10;

/** Most recent first; a missing or unreadable file gives an empty list. */
export function readRecent(dataDir: string): RecentWorkspace[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(dataDir, RECENT_FILE), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((e): e is RecentWorkspace => !!e && typeof e.path === 'string' && typeof e.openedAt === 'string')
    .map((e) => ({ path: e.path, openedAt: e.openedAt }))
    .slice(0, MAX_RECENT);
}

/** Put `workspacePath` first (once), keep at most MAX_RECENT, write atomically. */
export function addRecent(dataDir: string, workspacePath: string, now: Date = new Date()): RecentWorkspace[] {
  const abs = path.resolve(workspacePath);
  const list = [{ path: abs, openedAt: now.toISOString() }, ...readRecent(dataDir).filter((e) => e.path !== abs)].slice(0, MAX_RECENT);
  fs.mkdirSync(dataDir, { recursive: true });
  writeJsonAtomic(path.join(dataDir, RECENT_FILE), list);
  return list;
}

export function removeRecent(dataDir: string, workspacePath: string): RecentWorkspace[] {
  const abs = path.resolve(workspacePath);
  const list = readRecent(dataDir).filter((e) => e.path !== abs);
  fs.mkdirSync(dataDir, { recursive: true });
  writeJsonAtomic(path.join(dataDir, RECENT_FILE), list);
  return list;
}

/** The default workspace in the app's data folder (`<dataDir>/workspace`). */
export function defaultWorkspacePath(dataDir: string): string {
  return path.join(dataDir, 'workspace');
}
