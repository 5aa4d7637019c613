/**
 * One classification of errors for every door: the loopback's HTTP status, the `status` and
 * `kind` of an IPC error, and the CLI's exit code. The caller's mistakes are 4xx with the
 * error's own sentence; anything unclassified is a fault of the app (500).
 *
 * By class (or, for errors rebuilt from an engine worker's message, by name):
 * ContractError, RequestError, UsageError → 400; NotFoundError → 404; ConflictError,
 * RefusedError (a request refused on principle, e.g. a leak), CancelledError → 409; InputError → its kind (default 422); WorkspaceError → by its code.
 */
import type { MistakeKind } from '../core/errors';
import type { WorkspaceProblem } from '../store/errors';

export type ErrorKind = MistakeKind | 'cancelled' | 'internal';

export interface ErrorClass {
  status: number;
  kind: ErrorKind;
}

const STATUS: Record<ErrorKind, number> = { invalid: 400, 'not-found': 404, conflict: 409, cancelled: 409, unreadable: 422, internal: 500 };

const WORKSPACE: Record<WorkspaceProblem, ErrorKind> = {
  missing: 'not-found',
  'not-found': 'not-found',
  'not-a-workspace': 'unreadable',
  'newer-version': 'unreadable',
  corrupt: 'unreadable',
  'read-only': 'conflict',
  closed: 'conflict',
  io: 'internal',
};

const MISTAKES = new Set<string>(['invalid', 'not-found', 'conflict', 'unreadable']);

export function errorKind(err: unknown): ErrorKind {
  if (!(err instanceof Error)) return 'internal';
  const kind = (err as { kind?: unknown }).kind;
  switch (err.name) {
    case 'ContractError':
    case 'UsageError':
    case 'RequestError':
      return 'invalid';
    case 'NotFoundError':
      return 'not-found';
    case 'ConflictError':
    case 'RefusedError':
      return 'conflict';
    case 'CancelledError':
      return 'cancelled';
    case 'InputError':
      return typeof kind === 'string' && MISTAKES.has(kind) ? (kind as MistakeKind) : 'unreadable';
    case 'WorkspaceError': {
      const code = (err as { code?: unknown }).code;
      return typeof code === 'string' && code in WORKSPACE ? WORKSPACE[code as WorkspaceProblem] : 'internal';
    }
    default:
      return 'internal';
  }
}

export function classifyError(err: unknown): ErrorClass {
  const kind = errorKind(err);
  return { status: STATUS[kind], kind };
}

/** The sentence a caller sees: the error's message, never a stack trace. */
export function errorSentence(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  // a message that carries a stack (some libraries put one in) keeps only its first lines
  return text.split('\n').filter((l) => !/^\s+at /.test(l)).join('\n').trim() || 'unknown error';
}

/** The CLI's exit code: 2 for an invalid request (bad options), 1 for the caller's other mistakes, 70 for a fault of the app. */
export function exitCodeFor(err: unknown): number {
  const kind = errorKind(err);
  if (kind === 'invalid') return 2;
  if (kind === 'internal') return 70;
  return 1;
}
