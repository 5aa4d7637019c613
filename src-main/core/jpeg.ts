/**
 * JPEG decode: a thin wrapper over jpeg-js (pure JS). A one-component (grayscale) JPEG gives
 * 1 channel, any other gives 3 (RGB). Pure.
 */
import jpeg from 'jpeg-js';
import { InputError } from './errors';
import type { DecodedImage } from './png';

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Limits handed to jpeg-js so a hostile header cannot make it allocate gigabytes. */
const MAX_MEGAPIXELS = 256;
const MAX_MEMORY_MB = 2048;

export function decodeJpeg(bytes: Uint8Array, file: string): DecodedImage {
  if (!isJpeg(bytes)) throw new InputError(file, 'not a JPEG: wrong signature (expected ff d8 ff)');
  const components = frameComponents(bytes);
  const { width: declaredW, height: declaredH } = frameSize(bytes);
  // every 8x8 block costs at least one bit of entropy-coded data: a header declaring far more
  // pixels than the file can hold is damaged or hostile; refuse it before jpeg-js allocates
  // (and spends seconds) on the declared size
  const maxPixels = Math.max(MIN_PIXEL_ALLOWANCE, bytes.length * MAX_PIXELS_PER_BYTE);
  if (declaredW * declaredH > maxPixels) {
    throw new InputError(file, `corrupt JPEG: the frame header declares ${declaredW}x${declaredH} pixels, more than ${bytes.length} bytes can hold; the file is truncated or damaged`);
  }
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    rgba = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: Math.min(MAX_MEGAPIXELS, maxPixels / 1e6), maxMemoryUsageInMB: MAX_MEMORY_MB });
  } catch (e) {
    throw new InputError(file, `corrupt JPEG: ${(e as Error).message}`);
  }
  const { width, height, data } = rgba;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) throw new InputError(file, 'corrupt JPEG: no image data');
  if (components !== 1) return { width, height, channels: 3, data };
  const gray = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < gray.length; i++, j += 3) gray[i] = data[j];
  return { width, height, channels: 1, data: gray };
}

/** 64 pixels per bit (one 8x8 block, one bit), doubled for safety. */
const MAX_PIXELS_PER_BYTE = 1024;
const MIN_PIXEL_ALLOWANCE = 256 * 256;

/** Width and height declared by the frame header (SOFn); 0 x 0 when none is found. */
export function frameSize(bytes: Uint8Array): { width: number; height: number } {
  const at = sofAt(bytes);
  if (at < 0 || at + 9 > bytes.length) return { width: 0, height: 0 };
  return { height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8] };
}

/** Number of colour components in the frame header (SOFn), or 0 when none is found. */
export function frameComponents(bytes: Uint8Array): number {
  const at = sofAt(bytes);
  return at >= 0 && at + 9 < bytes.length ? bytes[at + 9] : 0;
}

/** Offset of the first SOFn marker before the scan data, or -1. */
function sofAt(bytes: Uint8Array): number {
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return -1;
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return pos;
    if (marker === 0xda || marker === 0xd9) return -1;
    pos += 2 + length;
  }
  return -1;
}
