/** Small synchronous file helpers: atomic writes, write probes. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Temp files of atomic writes carry this infix, so a sweep can find leftovers. */
export const TMP_INFIX = '.tmp-rpr-';

export function tempPathFor(file: string): string {
  return `${file}${TMP_INFIX}${randomBytes(6).toString('hex')}`;
}

/** Write `data` (bytes, text, or text in pieces, written as they come) to a temp file beside `file`, fsync, then rename over `file`. */
export function writeFileAtomic(file: string, data: Uint8Array | string | Iterable<string>): void {
  const tmp = tempPathFor(file);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      if (typeof data === 'string') fs.writeSync(fd, data);
      else if (data instanceof Uint8Array) {
        let off = 0;
        while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
      } else for (const piece of data) fs.writeSync(fd, piece);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Can `dir` be written? Returns null if so, else the reason. Tries to create (and then
 * removes) a probe file, so it catches read-only mounts as well as permissions.
 */
export function probeWritable(dir: string): string | null {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    return reason(err);
  }
  const probe = path.join(dir, `.rpr-write-probe${TMP_INFIX}${randomBytes(6).toString('hex')}`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
  } catch (err) {
    return reason(err);
  }
  fs.rmSync(probe, { force: true });
  return null;
}

function reason(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}
