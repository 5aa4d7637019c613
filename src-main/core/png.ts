/**
 * PNG decode (all non-interlaced colour types and bit depths) and encode (8-bit gray or RGB).
 * Pure; zlib by fflate; every chunk's CRC is checked.
 */
import { unzlibSync, zlibSync } from 'fflate';
import { InputError } from './errors';
import { crc32 } from './gzip';

/** Decoded pixels: 8 bits per sample, row-major, `channels` samples per pixel. */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

export interface PngInput {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Refuse images above this many pixels before allocating (a 16k x 16k image). */
export const MAX_PNG_PIXELS = 2 ** 28;

/** Deflate's largest expansion (258-byte matches coded in ~2 bits), a bound on inflated size. */
const MAX_DEFLATE_RATIO = 1032;

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

// samples per pixel by colour type
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/**
 * Decode a PNG to 8-bit samples. Gray → 1 channel, gray+alpha → 2, RGB → 3, RGBA → 4; palette →
 * 1 channel when every palette entry is gray, else 3 (palette transparency is ignored). 16-bit
 * samples keep their high byte; 1/2/4-bit gray is scaled to 0..255. Interlaced PNGs are refused.
 */
export function decodePng(bytes: Uint8Array, file: string): DecodedImage {
  if (!isPng(bytes)) throw new InputError(file, 'not a PNG: wrong signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let idatLength = 0;
  let sawEnd = false;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new InputError(file, `truncated PNG: chunk header at byte ${pos} is cut off`);
    const length = view.getUint32(pos, false);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) throw new InputError(file, `truncated PNG: chunk ${type} declares ${length} bytes but the file ends first`);
    const stored = view.getUint32(dataEnd, false);
    const actual = crc32(bytes, pos + 4, dataEnd);
    if (stored !== actual) throw new InputError(file, `corrupt PNG: CRC mismatch in chunk ${type} at byte ${pos}`);
    const data = bytes.subarray(dataStart, dataEnd);
    if (pos === 8 && type !== 'IHDR') throw new InputError(file, `corrupt PNG: first chunk is ${type}, not IHDR`);
    if (type === 'IHDR') {
      if (length !== 13) throw new InputError(file, `corrupt PNG: IHDR has ${length} bytes, not 13`);
      width = view.getUint32(dataStart, false);
      height = view.getUint32(dataStart + 4, false);
      depth = data[8];
      colorType = data[9];
      if (data[10] !== 0 || data[11] !== 0) throw new InputError(file, 'corrupt PNG: unknown compression or filter method');
      if (data[12] !== 0) throw new InputError(file, 'unsupported PNG: interlaced (Adam7) images are not supported; re-save it without interlacing');
      if (!(colorType in SAMPLES)) throw new InputError(file, `corrupt PNG: unknown colour type ${colorType}`);
      if (!DEPTHS[colorType].includes(depth)) throw new InputError(file, `corrupt PNG: bit depth ${depth} is not allowed for colour type ${colorType}`);
      if (width === 0 || height === 0) throw new InputError(file, `corrupt PNG: empty image ${width}x${height}`);
      if (width * height > MAX_PNG_PIXELS) throw new InputError(file, `image too large: ${width}x${height} pixels, over the limit of ${MAX_PNG_PIXELS}`);
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) throw new InputError(file, `corrupt PNG: palette of ${length} bytes`);
      palette = data;
    } else if (type === 'IDAT') {
      idat.push(data);
      idatLength += length;
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    } else if ((bytes[pos + 4] & 0x20) === 0) {
      throw new InputError(file, `unsupported PNG: unknown critical chunk ${type}`);
    }
    pos = dataEnd + 4;
  }
  if (!sawEnd) throw new InputError(file, 'truncated PNG: no IEND chunk');
  if (idat.length === 0) throw new InputError(file, 'corrupt PNG: no IDAT chunk');
  if (colorType === 3 && !palette) throw new InputError(file, 'corrupt PNG: palette image without PLTE chunk');

  const zdata = idat.length === 1 ? idat[0] : concat(idat, idatLength);
  const samples = SAMPLES[colorType];
  const bitsPerPixel = samples * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3); // filter byte distance
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const expected = (stride + 1) * height;
  // deflate expands at most ~1032:1: check the declared size against the data before allocating
  if (expected > idatLength * MAX_DEFLATE_RATIO + 1024) {
    throw new InputError(file, `truncated PNG: ${width}x${height} needs ${expected} bytes of image data but the IDAT chunks hold only ${idatLength} compressed bytes`);
  }
  let raw: Uint8Array;
  try {
    raw = unzlibSync(zdata, { out: new Uint8Array(expected) });
  } catch (e) {
    throw new InputError(file, `corrupt PNG: image data does not inflate (${(e as Error).message})`);
  }
  if (raw.length < expected) throw new InputError(file, `truncated PNG: image data inflates to ${raw.length} bytes, ${width}x${height} needs ${expected}`);
  unfilter(raw, stride, height, bpp, file);
  return expand(raw, width, height, stride, depth, colorType, palette, file);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Undo the per-row filters in place; row r's bytes are raw[r*(stride+1)+1 ...]. */
function unfilter(raw: Uint8Array, stride: number, height: number, bpp: number, file: string): void {
  for (let r = 0; r < height; r++) {
    const start = r * (stride + 1) + 1;
    const prev = start - (stride + 1); // previous row's first byte (invalid for r = 0)
    const filter = raw[start - 1];
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) raw[start + i] = (raw[start + i] + raw[start + i - bpp]) & 0xff;
        break;
      case 2:
        if (r > 0) for (let i = 0; i < stride; i++) raw[start + i] = (raw[start + i] + raw[prev + i]) & 0xff;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const left = i >= bpp ? raw[start + i - bpp] : 0;
          const up = r > 0 ? raw[prev + i] : 0;
          raw[start + i] = (raw[start + i] + ((left + up) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[start + i - bpp] : 0;
          const b = r > 0 ? raw[prev + i] : 0;
          const c = i >= bpp && r > 0 ? raw[prev + i - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          raw[start + i] = (raw[start + i] + pred) & 0xff;
        }
        break;
      default:
        throw new InputError(file, `corrupt PNG: unknown filter type ${filter} on row ${r}`);
    }
  }
}

function expand(
  raw: Uint8Array,
  width: number,
  height: number,
  stride: number,
  depth: number,
  colorType: number,
  palette: Uint8Array | null,
  file: string,
): DecodedImage {
  const samples = SAMPLES[colorType];
  if (colorType === 3) {
    const pal = palette as Uint8Array;
    const entries = pal.length / 3;
    let gray = true;
    for (let i = 0; i < entries; i++) if (pal[3 * i] !== pal[3 * i + 1] || pal[3 * i] !== pal[3 * i + 2]) gray = false;
    const channels = gray ? 1 : 3;
    const out = new Uint8Array(width * height * channels);
    for (let r = 0; r < height; r++) {
      const start = r * (stride + 1) + 1;
      for (let x = 0; x < width; x++) {
        const idx = depth === 8 ? raw[start + x] : subByte(raw, start, x, depth);
        if (idx >= entries) throw new InputError(file, `corrupt PNG: palette index ${idx} beyond the ${entries} palette entries`);
        const o = (r * width + x) * channels;
        if (gray) out[o] = pal[3 * idx];
        else {
          out[o] = pal[3 * idx];
          out[o + 1] = pal[3 * idx + 1];
          out[o + 2] = pal[3 * idx + 2];
        }
      }
    }
    return { width, height, channels, data: out };
  }
  const channels = samples as 1 | 2 | 3 | 4;
  const rowSamples = width * samples;
  const out = new Uint8Array(height * rowSamples);
  if (depth === 8) {
    for (let r = 0; r < height; r++) {
      const start = r * (stride + 1) + 1;
      out.set(raw.subarray(start, start + rowSamples), r * rowSamples);
    }
  } else if (depth === 16) {
    for (let r = 0; r < height; r++) {
      const start = r * (stride + 1) + 1;
      const o = r * rowSamples;
      for (let i = 0; i < rowSamples; i++) out[o + i] = raw[start + 2 * i];
    }
  } else {
    // 1, 2 or 4-bit gray: scale 0..2^d-1 to 0..255
    const scale = 255 / ((1 << depth) - 1);
    for (let r = 0; r < height; r++) {
      const start = r * (stride + 1) + 1;
      for (let x = 0; x < width; x++) out[r * width + x] = Math.round(subByte(raw, start, x, depth) * scale);
    }
  }
  return { width, height, channels, data: out };
}

function subByte(raw: Uint8Array, start: number, x: number, depth: number): number {
  const bit = x * depth;
  const byte = raw[start + (bit >> 3)];
  return (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/** A zlib (RFC 1950) compressor; the default is fflate's, callers may pass node:zlib's deflateSync. */
export type ZlibDeflate = (raw: Uint8Array) => Uint8Array;

const fflateDeflate: ZlibDeflate = (raw) => zlibSync(raw, { level: 6 });

/**
 * A PNG encoder for one image shape (8-bit gray or RGB, non-interlaced, filter 0): the
 * signature, IHDR and IEND are built once, so encoding many images of one shape is cheap.
 */
export function pngEncoder(shape: { width: number; height: number; channels: 1 | 3 }, deflate: ZlibDeflate = fflateDeflate): (pixels: Uint8Array) => Uint8Array {
  const { width, height, channels } = shape;
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) throw new RangeError(`encodePng: bad size ${width}x${height}`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`encodePng: channels must be 1 or 3, not ${channels}`);
  const stride = width * channels;
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width, false);
  hv.setUint32(4, height, false);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  const ihdrChunk = pngChunk('IHDR', ihdr);
  const iend = pngChunk('IEND', new Uint8Array(0));
  const raw = new Uint8Array((stride + 1) * height); // filter bytes stay 0
  return (data) => {
    if (data.length !== stride * height) throw new RangeError(`encodePng: ${width}x${height}x${channels} needs ${stride * height} bytes, got ${data.length}`);
    for (let r = 0; r < height; r++) raw.set(data.subarray(r * stride, (r + 1) * stride), r * (stride + 1) + 1);
    const idat = pngChunk('IDAT', deflate(raw));
    return concat([PNG_SIGNATURE, ihdrChunk, idat, iend], PNG_SIGNATURE.length + ihdrChunk.length + idat.length + iend.length);
  };
}

/** Encode 8-bit gray (channels 1) or RGB (channels 3) as a non-interlaced PNG, filter 0 (None). */
export function encodePng(image: PngInput, deflate?: ZlibDeflate): Uint8Array {
  return pngEncoder(image, deflate)(image.data);
}

/** One PNG chunk: length, type, data, CRC over type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out, 4, 8 + data.length), false);
  return out;
}
