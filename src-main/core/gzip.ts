/**
 * gzip detection, checked decompression and compression (fflate: pure JS), plus the CRC-32
 * that gzip and PNG share. Pure: bytes in, bytes out.
 */
import { gunzipSync, gzipSync } from 'fflate';
import { InputError } from './errors';

/** Default ceiling of a decompressed payload: 2 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 31;

const CRC_TABLE = /* @__PURE__ */ (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as gzip and PNG use it) of `bytes[start, end)`, continuing from `crc`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface GunzipOptions {
  /** refuse payloads whose declared size exceeds this (default 2 GiB) */
  maxBytes?: number;
}

/**
 * Gunzip `bytes` when they are gzip (magic 1f 8b), else return them unchanged. A `file` named
 * `*.gz` that is not gzip, a truncated or corrupt stream (bad CRC or length), or a declared
 * size above `maxBytes` is an InputError naming `file`. Single-member gzip only.
 */
export function maybeGunzip(bytes: Uint8Array, file: string, opts: GunzipOptions = {}): Uint8Array {
  if (!isGzip(bytes)) {
    if (/\.gz$/i.test(file)) throw new InputError(file, `not gzip: the name ends in .gz but the file does not start with the gzip magic 1f 8b${describeStart(bytes)}`);
    return bytes;
  }
  if (bytes.length < 18) throw new InputError(file, `corrupt gzip: truncated (${bytes.length} bytes, a gzip member needs at least 18)`);
  if (bytes[2] !== 8) throw new InputError(file, `corrupt gzip: unknown compression method ${bytes[2]} (only 8, deflate, exists)`);
  const n = bytes.length;
  const declared = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  const expectedCrc = (bytes[n - 8] | (bytes[n - 7] << 8) | (bytes[n - 6] << 16) | (bytes[n - 5] << 24)) >>> 0;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  // deflate expands at most ~1032:1, so a larger claim means a cut-off or damaged trailer
  if (declared > n * 1032 + 1024) throw new InputError(file, `corrupt gzip: truncated or damaged (the trailer declares ${declared} bytes, more than ${n} compressed bytes can hold)`);
  if (declared > maxBytes) throw new InputError(file, `gzip payload declares ${declared} bytes, over the limit of ${maxBytes} bytes`);
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes);
  } catch (e) {
    throw new InputError(file, `corrupt gzip: ${(e as Error).message}`);
  }
  // fflate sizes its output from the trailer and does not check the CRC: do both here.
  const crc = crc32(out);
  if (crc !== expectedCrc) {
    throw new InputError(file, `corrupt gzip: CRC mismatch (trailer says ${hex32(expectedCrc)}, data gives ${hex32(crc)}); the file is damaged, truncated or has several gzip members`);
  }
  return out;
}

/** gzip `bytes` (deflate level 6 by default, no file name or time stamp in the header). */
export function gzip(bytes: Uint8Array, level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): Uint8Array {
  return gzipSync(bytes, { level, mtime: 0 });
}

function hex32(x: number): string {
  return x.toString(16).padStart(8, '0');
}

function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return ' (the file is empty)';
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return ` (it starts with ${head})`;
}
