/**
 * PNG encoding for exports: sharp (libvips) when it loads, else the pure encoder (core/png.ts
 * with node:zlib). Gray images stay 1-channel PNGs, RGB 3-channel; both decode back to exactly
 * the stored pixels.
 */
import { deflateSync } from 'node:zlib';
import type { ImageShape } from '../contract/types';
import { pngEncoder } from '../core/png';
import { loadSharp } from './native/sharp-loader';

export interface PngEncode {
  encode(pixels: Uint8Array): Promise<Uint8Array>;
  /** which library encodes, for logs and tests */
  readonly by: 'sharp' | 'pure';
}

export function pngEncode(shape: ImageShape): PngEncode {
  const { sharp } = loadSharp();
  if (!sharp) {
    const enc = pngEncoder(shape, (raw) => deflateSync(raw, { level: 6 }));
    return { by: 'pure', encode: async (px) => enc(px) };
  }
  const raw = { width: shape.width, height: shape.height, channels: shape.channels };
  return {
    by: 'sharp',
    async encode(px) {
      let img = sharp(Buffer.from(px.buffer, px.byteOffset, px.byteLength), { raw });
      if (shape.channels === 1) img = img.toColourspace('b-w');
      const out = await img.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}
