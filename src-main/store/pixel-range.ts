/**
 * Pixel files read by range: positioned reads (fs.readSync at an offset) of whole images, never
 * a readFileSync of a split, so any split size works (no 2 GiB cap) and memory follows what
 * is asked for. One image is `size` bytes; image i starts at byte i·size.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { WorkspaceError } from './errors';

/** Largest single request (images × bytes) served in one read: 256 MiB. */
export const MAX_RANGE_BYTES = 256 * 1024 * 1024;

function openPixels(file: string, what: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (err) {
    throw new WorkspaceError(file, `pixel file of ${what} is missing (${(err as Error).message})`, 'corrupt', { cause: err });
  }
}

function readFully(fd: number, file: string, into: Uint8Array, at: number, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, into, at + got, len - got, pos + got);
    if (n === 0) throw new WorkspaceError(file, `pixel file is truncated: ${len} bytes at offset ${pos} end past the end of the file`, 'corrupt');
    got += n;
  }
}

/** Check a range against the split; the error names both. */
export function checkRange(file: string, what: string, total: number, offset: number, count: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0 || offset + count > total) {
    throw new WorkspaceError(file, `images ${offset}..${offset + count - 1} are out of range for ${what} (0..${total - 1})`, 'not-found');
  }
}

/** Images offset..offset+count-1 of a pixel file, N·H·W·C bytes. */
export function readRange(file: string, what: string, size: number, total: number, offset: number, count: number): Uint8Array {
  checkRange(file, what, total, offset, count);
  if (count * size > MAX_RANGE_BYTES) throw new WorkspaceError(file, `${count} images of ${size} bytes is more than one read serves (${MAX_RANGE_BYTES} bytes): read in chunks`, 'not-found');
  const out = new Uint8Array(count * size);
  if (count === 0) return out;
  const fd = openPixels(file, what);
  try {
    readFully(fd, file, out, 0, out.length, offset * size);
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/**
 * Images at arbitrary indices, in the order given (a sorted grid view): runs of consecutive
 * indices are read with one positioned read each.
 */
export function readIndices(file: string, what: string, size: number, total: number, indices: ArrayLike<number>): Uint8Array {
  const n = indices.length;
  if (n * size > MAX_RANGE_BYTES) throw new WorkspaceError(file, `${n} images of ${size} bytes is more than one read serves (${MAX_RANGE_BYTES} bytes): read in chunks`, 'not-found');
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= total) throw new WorkspaceError(file, `image index ${i} is out of range for ${what} (0..${total - 1})`, 'not-found');
  }
  const out = new Uint8Array(n * size);
  if (n === 0) return out;
  const fd = openPixels(file, what);
  try {
    let k = 0;
    while (k < n) {
      let e = k + 1;
      while (e < n && indices[e] === indices[e - 1] + 1) e++;
      readFully(fd, file, out, k * size, (e - k) * size, indices[k] * size);
      k = e;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** sha256 of a file read in 4 MiB chunks (verify never loads a split). */
export function hashFile(file: string, what: string): string {
  const h = createHash('sha256');
  const buf = new Uint8Array(4 * 1024 * 1024);
  const fd = openPixels(file, what);
  try {
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}
