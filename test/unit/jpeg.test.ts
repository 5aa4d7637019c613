import { describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { decodeJpeg, frameComponents, isJpeg } from '../../src-main/core/jpeg';
import { jpegOf, pattern } from '../helpers/fixtures';

describe('decodeJpeg', () => {
  it('decodes an RGB JPEG (quality 100) close to its pixels', () => {
    const w = 16, h = 8;
    const rgb = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) rgb.set([200, 40, 90], 3 * p); // flat colour: JPEG keeps it nearly exactly
    const bytes = jpegOf(w, h, rgb);
    expect(isJpeg(bytes)).toBe(true);
    expect(frameComponents(bytes)).toBe(3);
    const img = decodeJpeg(bytes, 'a.jpg');
    expect(img).toMatchObject({ width: w, height: h, channels: 3 });
    for (let i = 0; i < rgb.length; i++) expect(Math.abs(img.data[i] - rgb[i])).toBeLessThanOrEqual(3);
  });

  it('returns 1 channel for a one-component frame header', () => {
    // SOI, APP0 (length 4), SOF0 with Nf = 1
    const bytes = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
    expect(frameComponents(bytes)).toBe(1);
  });

  it.each([
    ['not a JPEG', pattern(20, 1), /^x\.jpg: not a JPEG/],
    ['cut-off JPEG', jpegOf(8, 8, pattern(192, 2)).slice(0, 40), /^x\.jpg: corrupt JPEG: /],
  ])('%s → InputError', (_, bytes, re) => {
    let err: unknown;
    try {
      decodeJpeg(bytes, 'x.jpg');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(re);
  });
});
