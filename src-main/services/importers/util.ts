/** Small helpers shared by the importers: cancellation, reading with clear errors. */
import { readFile } from 'node:fs/promises';
import { CancelledError, InputError, type MistakeKind } from '../../core/errors';

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('import cancelled');
}

/** Read a whole file; a missing or unreadable file is an InputError naming it. */
export async function readInput(path: string, shownAs = path): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new InputError(shownAs, describeFsError(e), fsErrorKind(e));
  }
}

/** A file or folder that is not there is not-found (404); any other failure to read it, unreadable. */
export function fsErrorKind(e: unknown): MistakeKind {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'unreadable';
}

export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'ENOTDIR') return 'is a file, not a folder';
  return (e as Error).message;
}

/** Class names for numeric labels 0..maxLabel. */
export function numericClassNames(maxLabel: number): string[] {
  return Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
}

/** Order split names: train, then test, then the rest alphabetically. */
export function compareSplits(a: string, b: string): number {
  const rank = (s: string) => (s === 'train' ? 0 : s === 'test' ? 1 : 2);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
