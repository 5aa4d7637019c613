/**
 * Decoding one image file for ImageFolder import: sharp (libvips: PNG, JPEG, WebP, TIFF, GIF,
 * AVIF, any size, resizing) when it loads, else the pure PNG/JPEG decoders (no resizing).
 * Output is always uint8 HWC with the dataset's channel count: gray replicated to RGB when the
 * set is colour, colour converted to luminance when it is gray, alpha composited on black
 * (v·a/255), exactly as the pure path does.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../core/errors';
import { crc32 } from '../../core/gzip';
import { decodeJpeg, isJpeg } from '../../core/jpeg';
import type { DecodedImage } from '../../core/png';
import { decodePng, isPng } from '../../core/png';
import type { Sharp } from '../native/sharp-loader';
import { describeFsError, fsErrorKind } from './util';

export type ImageFit = 'resize' | 'crop' | 'pad';
export type ColorMode = 'auto' | 'rgb' | 'gray';

export interface ProbedImage {
  width: number;
  height: number;
  /** true when the file holds gray (with or without alpha) */
  gray: boolean;
}

export interface DecodeTarget {
  width: number;
  height: number;
  channels: 1 | 3;
  /** resize when the file's size differs from the target */
  fit: ImageFit;
}

/** sharp refuses images above this many pixels (8k × 8k): bounded memory per file */
export const MAX_INPUT_PIXELS = 8192 * 8192;

/** Recognised image containers by magic bytes: anything else is "not an image". */
export function imageKind(b: Uint8Array): string | null {
  if (isPng(b)) return 'PNG';
  if (isJpeg(b)) return 'JPEG';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'GIF';
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'WebP';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) return 'TIFF';
  if (b.length >= 12 && b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) return 'AVIF';
  return null;
}

export async function readBytes(path: string, shownAs: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new InputError(shownAs, describeFsError(e), fsErrorKind(e));
  }
}

/** True when the PNG's first chunk (IHDR) carries a matching CRC-32. */
function pngHeaderCrcOk(b: Uint8Array): boolean {
  if (b.length < 33) return false;
  const len = ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]) >>> 0;
  if (len !== 13) return false;
  const want = ((b[29] << 24) | (b[30] << 16) | (b[31] << 8) | b[32]) >>> 0;
  return crc32(b, 12, 29) === want;
}

/** The pure decoders' precise complaint about a file sharp refused, or sharp's own words. */
function refusal(bytes: Uint8Array, rel: string, kind: string, err: unknown): InputError {
  try {
    if (kind === 'PNG') decodePng(bytes, rel);
    else if (kind === 'JPEG') decodeJpeg(bytes, rel);
  } catch (e) {
    if (e instanceof InputError) return e;
  }
  const full = (err as Error).message.split('\n')[0];
  const msg = full.length > 200 ? `${full.slice(0, 200)}…` : full;
  return new InputError(rel, /pixel limit/i.test(msg) ? `image too large: over the limit of ${MAX_INPUT_PIXELS} pixels (${msg})` : `corrupt ${kind}: ${msg}`);
}

export interface Decoder {
  /** null when the bytes are no image format this decoder reads */
  probe(bytes: Uint8Array, rel: string): Promise<ProbedImage | null>;
  decode(bytes: Uint8Array, rel: string, target: DecodeTarget): Promise<Uint8Array>;
  /** what it reads, for messages */
  readonly formats: string;
}

export function sharpDecoder(sharp: Sharp): Decoder {
  // sharp takes a Buffer (a plain Uint8Array reads as an array of numbers)
  const open = (bytes: Uint8Array) => sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', sequentialRead: true });
  return {
    formats: 'PNG, JPEG, WebP, TIFF, GIF or AVIF',
    async probe(bytes, rel) {
      const kind = imageKind(bytes);
      if (!kind) return null;
      // libvips reads the header without checking PNG CRCs: a damaged IHDR could claim any size
      // and it maps palette indices past the palette to black, where the PNG spec says corrupt:
      // palette files (rare, small) are checked by the pure decoder too
      if (kind === 'PNG' && (!pngHeaderCrcOk(bytes) || bytes[25] === 3)) decodePng(bytes, rel);
      try {
        const m = await open(bytes).metadata();
        if (!m.width || !m.height) throw new Error('no image size in the header');
        if (m.width * m.height > MAX_INPUT_PIXELS) throw new Error(`Input image exceeds pixel limit (${m.width}x${m.height})`);
        return { width: m.width, height: m.height, gray: m.space === 'b-w' || m.space === 'grey16' || (m.channels ?? 3) <= 2 };
      } catch (e) {
        throw refusal(bytes, rel, kind, e);
      }
    },
    async decode(bytes, rel, t) {
      const kind = imageKind(bytes) ?? 'image';
      try {
        let img = open(bytes);
        const m = await img.metadata();
        if (m.width !== t.width || m.height !== t.height) {
          const fit = t.fit === 'crop' ? 'cover' : t.fit === 'pad' ? 'contain' : 'fill';
          img = img.resize(t.width, t.height, { fit, position: 'centre', background: { r: 0, g: 0, b: 0, alpha: 1 }, kernel: 'lanczos3' });
        }
        if (t.channels === 1) img = img.grayscale();
        const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
        if (info.width !== t.width || info.height !== t.height) throw new Error(`decoded to ${info.width}x${info.height}, expected ${t.width}x${t.height}`);
        const src: DecodedImage = { width: info.width, height: info.height, channels: info.channels as DecodedImage['channels'], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
        return toChannels(src, t.channels);
      } catch (e) {
        throw refusal(bytes, rel, kind, e);
      }
    },
  };
}

/** The fallback when sharp cannot load: PNG and JPEG only, no resizing. */
export function pureDecoder(): Decoder {
  const decodeAny = (bytes: Uint8Array, rel: string): DecodedImage | null => (isPng(bytes) ? decodePng(bytes, rel) : isJpeg(bytes) ? decodeJpeg(bytes, rel) : null);
  return {
    formats: 'PNG or JPEG (sharp is unavailable)',
    async probe(bytes, rel) {
      const d = decodeAny(bytes, rel);
      return d ? { width: d.width, height: d.height, gray: d.channels <= 2 } : null;
    },
    async decode(bytes, rel, t) {
      const d = decodeAny(bytes, rel);
      if (!d) throw new InputError(rel, 'not a PNG or JPEG image');
      if (d.width !== t.width || d.height !== t.height) throw new InputError(rel, `is ${d.width}x${d.height}; resizing to ${t.width}x${t.height} needs sharp, which could not be loaded`);
      return toChannels(d, t.channels);
    },
  };
}

/** Image `d` as `channels` channels: gray→RGB replicate, RGB→luminance, alpha composited on black. */
export function toChannels(d: DecodedImage, channels: 1 | 3): Uint8Array {
  const src = d.data;
  const n = d.width * d.height;
  if (d.channels === channels) return src.length === n * channels ? src : src.slice(0, n * channels);
  const out = new Uint8Array(n * channels);
  const put = (p: number, r: number, g: number, b: number) => {
    if (channels === 1) out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    }
  };
  if (d.channels === 1) {
    for (let p = 0; p < n; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = src[p];
  } else if (d.channels === 2) {
    for (let p = 0; p < n; p++) {
      const v = Math.round((src[2 * p] * src[2 * p + 1]) / 255);
      put(p, v, v, v);
    }
  } else if (d.channels === 3) {
    for (let p = 0; p < n; p++) put(p, src[3 * p], src[3 * p + 1], src[3 * p + 2]);
  } else {
    for (let p = 0; p < n; p++) {
      const a = src[4 * p + 3];
      put(p, Math.round((src[4 * p] * a) / 255), Math.round((src[4 * p + 1] * a) / 255), Math.round((src[4 * p + 2] * a) / 255));
    }
  }
  return out;
}
