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
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    rgba = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: MAX_MEMORY_MB });
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

/** Number of colour components in the frame header (SOFn), or 0 when none is found. */
export function frameComponents(bytes: Uint8Array): number {
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return 0;
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
    if (isSof) return pos + 9 < bytes.length ? bytes[pos + 9] : 0;
    if (marker === 0xda || marker === 0xd9) return 0;
    pos += 2 + length;
  }
  return 0;
}
