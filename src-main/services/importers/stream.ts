/**
 * Reading input files as a stream of chunks (gunzipped on the fly when they start with the
 * gzip magic), so an importer never holds a whole file. Errors name the file.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../core/errors';
import { describeFsError, fsErrorKind } from './util';

export const STREAM_CHUNK = 1 << 22;

/** What the first bytes and the gzip trailer of a file say, read without inflating anything. */
export interface FileProbe {
  gzip: boolean;
  size: number;
  head: Uint8Array;
  /** a gzip member's trailer ISIZE (the inflated size mod 2^32), or null when not gzip or under 18 bytes */
  declared: number | null;
}

/** Deflate expands at most ~1032:1: a trailer claiming more means a cut-off or damaged file. */
export const gzipClaimPossible = (declared: number, size: number): boolean => declared <= size * 1032 + 1024;

export async function probeFile(path: string, shownAs: string): Promise<FileProbe> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    throw new InputError(shownAs, describeFsError(e), fsErrorKind(e));
  }
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    const size = (await fh.stat()).size;
    const gzip = bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    let declared: number | null = null;
    if (gzip && size >= 18) {
      const tail = new Uint8Array(4);
      await fh.read(tail, 0, 4, size - 4);
      declared = (tail[0] | (tail[1] << 8) | (tail[2] << 16) | (tail[3] << 24)) >>> 0;
    }
    return { gzip, size, head: head.subarray(0, bytesRead), declared };
  } finally {
    await fh.close();
  }
}

async function startsWithGzip(path: string, shownAs: string): Promise<FileProbe> {
  const p = await probeFile(path, shownAs);
  // refused before inflating anything
  if (p.declared !== null && !gzipClaimPossible(p.declared, p.size)) {
    throw new InputError(shownAs, `corrupt gzip: truncated or damaged (the trailer declares ${p.declared} bytes, more than ${p.size} compressed bytes can hold)`);
  }
  if (p.gzip && p.declared === null) throw new InputError(shownAs, `corrupt gzip: truncated (${p.size} bytes, a gzip member needs at least 18)`);
  return p;
}

/**
 * The bytes of `path`, in chunks, gunzipped when gzip. A `.gz` name without the gzip magic, a
 * corrupt or truncated gzip stream are InputErrors naming `shownAs`. `onRead`, when given, hears
 * how many bytes of the file (compressed, for gzip) have been read so far, after each chunk.
 */
export async function* fileChunks(path: string, shownAs = path, onRead?: (fileBytes: number) => void): AsyncGenerator<Uint8Array> {
  const { gzip, head } = await startsWithGzip(path, shownAs);
  if (!gzip && /\.gz$/i.test(path)) {
    const start = head.length === 0 ? ' (the file is empty)' : ` (it starts with ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')})`;
    throw new InputError(shownAs, `not gzip: the name ends in .gz but the file does not start with the gzip magic 1f 8b${start}`);
  }
  const raw = createReadStream(path, { highWaterMark: STREAM_CHUNK });
  const src = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  if (gzip) raw.on('error', (e) => src.destroy(e));
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      onRead?.(raw.bytesRead);
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const msg = (e as Error).message;
    if (gzip && /incorrect data check/i.test(msg)) throw new InputError(shownAs, `corrupt gzip: CRC mismatch (${msg}); the file is damaged or truncated`);
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) throw new InputError(shownAs, `corrupt gzip: ${msg}`);
    if (gzip && /unexpected end of file/i.test((e as Error).message)) throw new InputError(shownAs, `corrupt gzip: truncated (${(e as Error).message})`);
    throw new InputError(shownAs, describeFsError(e), fsErrorKind(e));
  } finally {
    raw.destroy();
    src.destroy();
  }
}

/**
 * Reads exactly the bytes a consumer asks for from a chunk stream: `take(n)` returns the next n
 * bytes (a view valid until the next call) or fewer at the end of the stream.
 */
export class ChunkReader {
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  /** Bytes buffered and not yet taken. */
  get buffered(): number {
    return this.buf.length - this.off;
  }

  /** Up to `n` bytes (fewer only at the end of the stream). */
  async take(n: number): Promise<Uint8Array> {
    if (this.buffered >= n) {
      const out = this.buf.subarray(this.off, this.off + n);
      this.off += n;
      return out;
    }
    const parts: Uint8Array[] = [this.buf.subarray(this.off)];
    let have = this.buffered;
    while (have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
    }
    const joined = new Uint8Array(have);
    let p = 0;
    for (const part of parts) {
      joined.set(part, p);
      p += part.length;
    }
    this.buf = joined;
    this.off = Math.min(n, have);
    return joined.subarray(0, this.off);
  }

  /** Bytes left in the stream (consumes them; for "trailing garbage" counts). */
  async drain(limit = Infinity): Promise<number> {
    let n = this.buffered;
    this.buf = new Uint8Array(0);
    this.off = 0;
    while (!this.done && n < limit) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else n += r.value.length;
    }
    return n;
  }
}
