/** What every repository of a workspace shares. */
import * as path from 'node:path';
import type { Db } from './db';
import { WorkspaceError } from './errors';

export const MARKER_FILE = 'rpr-workspace.json';
export const DB_FILE = 'workspace.db';
export const PIXELS_DIR = 'pixels';
export const MODELS_DIR = 'models';
export const EXPORTS_DIR = 'exports';

export interface StoreContext {
  /** absolute workspace folder */
  readonly root: string;
  readonly db: Db;
}

export function pixelsDir(root: string, datasetId: string): string {
  return path.join(root, PIXELS_DIR, safeSegment(root, datasetId));
}

export function modelDirOf(root: string, modelId: string): string {
  return path.join(root, MODELS_DIR, safeSegment(root, modelId));
}

/** Ids become folder names: refuse anything that could escape the workspace. */
export function safeSegment(root: string, id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(id) || id === '.' || id === '..') {
    throw new WorkspaceError(root, `invalid id ${JSON.stringify(id)}`, 'not-found');
  }
  return id;
}

export function notFound(ctx: StoreContext, what: string, id: string): WorkspaceError {
  return new WorkspaceError(ctx.root, `no ${what} ${JSON.stringify(id)} in this workspace`, 'not-found');
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text == null) return fallback;
  return JSON.parse(text) as T;
}
