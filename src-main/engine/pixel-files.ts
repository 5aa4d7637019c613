/**
 * Reads the raw pixel files (N·H·W·C uint8) by position, never whole, and the label files
 * (N uint8) jobs point at.
 */
import { closeSync, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';
import type { ImageShape } from '../contract/types';
import { InputError } from '../core/errors';
import type { ImageSource } from '../core/image';
import { imageSize } from '../core/image';

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await fsp.readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, code === 'ENOENT' ? `${what} file not found` : `cannot read ${what} file: ${(e as Error).message}`);
  }
}

export async function readLabelFile(path: string, count: number, numClasses: number): Promise<Uint8Array> {
  const labels = await readBytes(path, 'label');
  if (labels.length !== count) throw new InputError(path, `label file holds ${labels.length} labels but the pixel file holds ${count} images`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new InputError(path, `label ${labels[i]} of image ${i} is not below the class count ${numClasses}`);
  }
  return labels;
}

/** Bytes a scoring or evaluation window reads at once (whole images). */
export const WINDOW_BYTES = 32 * 1024 * 1024;

/**
 * A split's pixel file opened for reading by position: ranges, gathered indices, or an
 * ImageSource that reads a window of images ahead (tasks come in ascending index order), so
 * no job holds a whole split. Synchronous reads: the file is local and reads are large.
 */
export interface PixelFile extends ImageSource {
  path: string;
  /** images [start, start + n) as a new buffer */
  range(start: number, n: number): Uint8Array;
  /** the images at `indices` (any order), packed into `out` (or a new buffer) */
  gather(indices: ArrayLike<number>, out?: Uint8Array): Uint8Array;
  close(): void;
}

export function openPixelFile(path: string, shape: ImageShape, windowBytes = WINDOW_BYTES): PixelFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, code === 'ENOENT' ? 'pixel file not found' : `cannot read pixel file: ${(e as Error).message}`);
  }
  const size = imageSize(shape);
  const bytes = fstatSync(fd).size;
  if (bytes % size !== 0) {
    closeSync(fd);
    throw new InputError(path, `pixel file of ${bytes} bytes is not a whole number of ${shape.height}×${shape.width}×${shape.channels} images (${size} bytes each)`);
  }
  const count = bytes / size;
  const per = Math.max(1, Math.floor(windowBytes / size));
  let win = new Uint8Array(0);
  let lo = 0;
  let hi = 0;
  const readInto = (buf: Uint8Array, off: number, len: number, pos: number) => {
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, off + got, len - got, pos + got);
      if (n === 0) throw new InputError(path, `pixel file is truncated: expected ${len} bytes at ${pos}`);
      got += n;
    }
  };
  const check = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new InputError(path, `image index ${i} is outside 0..${count - 1}`);
  };
  return {
    path,
    shape,
    count,
    image(i) {
      if (i < lo || i >= hi) {
        check(i);
        const n = Math.min(per, count - i);
        if (win.length < n * size) win = new Uint8Array(n * size);
        readInto(win, 0, n * size, i * size);
        lo = i;
        hi = i + n;
      }
      return win.subarray((i - lo) * size, (i - lo + 1) * size);
    },
    range(start, n) {
      if (n === 0) return new Uint8Array(0);
      check(start);
      check(start + n - 1);
      const out = new Uint8Array(n * size);
      readInto(out, 0, n * size, start * size);
      return out;
    },
    gather(indices, out = new Uint8Array(indices.length * size)) {
      for (let k = 0; k < indices.length; k++) {
        const i = indices[k];
        // runs of consecutive indices are read at once
        let run = 1;
        while (k + run < indices.length && indices[k + run] === i + run) run++;
        check(i);
        check(i + run - 1);
        readInto(out, k * size, run * size, i * size);
        k += run - 1;
      }
      return out;
    },
    close() {
      closeSync(fd);
    },
  };
}
