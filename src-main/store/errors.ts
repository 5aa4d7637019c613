/** Why a workspace (or something in it) cannot be used. */
export type WorkspaceProblem =
  | 'missing' // folder does not exist
  | 'not-a-workspace' // non-empty folder without rpr-workspace.json, or a bad marker
  | 'read-only' // folder (or its file system) cannot be written
  | 'newer-version' // marker or database written by a newer RPR Curator
  | 'corrupt' // database (or a pixel file) is damaged
  | 'not-found' // no such dataset / model / run / set / job
  | 'closed' // the workspace was closed
  | 'io'; // any other file system failure

/**
 * A workspace problem: names the path and the problem, e.g.
 * `/data/ws: is read-only (EROFS: read-only file system)`.
 */
export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly code: WorkspaceProblem,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${problem}`, options);
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
