import fc from 'fast-check';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { crc32 } from '../../src-main/core/gzip';
import { decodePng, encodePng, isPng } from '../../src-main/core/png';

/** An independent PNG writer for tests: node:zlib, any colour type / depth, chosen filter per row. */
function buildPng(o: { width: number; height: number; colorType: number; depth: number; rows: Uint8Array[]; filter?: number; plte?: number[]; interlace?: number; extra?: [string, Uint8Array][] }): Uint8Array {
  const bpp = Math.max(1, (o.depth * ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[o.colorType]) >> 3);
  const filter = o.filter ?? 0;
  const raw: number[] = [];
  o.rows.forEach((row, r) => {
    const prev = r > 0 ? o.rows[r - 1] : new Uint8Array(row.length);
    raw.push(filter);
    for (let i = 0; i < row.length; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      raw.push((row[i] - pred) & 0xff);
    }
  });
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, o.width);
  v.setUint32(4, o.height);
  ihdr.set([o.depth, o.colorType, 0, 0, o.interlace ?? 0], 8);
  const z = new Uint8Array(deflateSync(Uint8Array.from(raw)));
  const chunks: [string, Uint8Array][] = [['IHDR', ihdr], ...(o.extra ?? [])];
  if (o.plte) chunks.push(['PLTE', Uint8Array.from(o.plte)]);
  // split IDAT in two to exercise concatenation
  const half = z.length >> 1;
  chunks.push(['IDAT', z.subarray(0, half)], ['IDAT', z.subarray(half)], ['IEND', new Uint8Array(0)]);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of chunks) {
    const c = new Uint8Array(12 + data.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) c[4 + i] = type.charCodeAt(i);
    c.set(data, 8);
    cv.setUint32(8 + data.length, crc32(c, 4, 8 + data.length));
    parts.push(c);
  }
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

const rows = (w: number, h: number, spp: number, f: (x: number, y: number, s: number) => number) =>
  Array.from({ length: h }, (_, y) => Uint8Array.from({ length: w * spp }, (_, i) => f(Math.floor(i / spp), y, i % spp)));

describe('decodePng', () => {
  it.each([0, 1, 2, 3, 4])('8-bit gray with filter %i', (filter) => {
    const r = rows(5, 4, 1, (x, y) => (x * 50 + y * 13) & 0xff);
    const img = decodePng(buildPng({ width: 5, height: 4, colorType: 0, depth: 8, rows: r, filter }), 'g.png');
    expect(img).toMatchObject({ width: 5, height: 4, channels: 1 });
    expect(Array.from(img.data)).toEqual(r.flatMap((x) => Array.from(x)));
  });

  it.each([1, 2, 3, 4])('8-bit RGB and RGBA with filter %i', (filter) => {
    const rgb = rows(3, 3, 3, (x, y, s) => (x * 80 + y * 30 + s * 7) & 0xff);
    const a = decodePng(buildPng({ width: 3, height: 3, colorType: 2, depth: 8, rows: rgb, filter }), 'c.png');
    expect(a.channels).toBe(3);
    expect(Array.from(a.data)).toEqual(rgb.flatMap((x) => Array.from(x)));
    const rgba = rows(3, 3, 4, (x, y, s) => (x * 80 + y * 30 + s * 61) & 0xff);
    const b = decodePng(buildPng({ width: 3, height: 3, colorType: 6, depth: 8, rows: rgba, filter }), 'c.png');
    expect(b.channels).toBe(4);
    expect(Array.from(b.data)).toEqual(rgba.flatMap((x) => Array.from(x)));
  });

  it('gray+alpha', () => {
    const ga = rows(2, 2, 2, (x, y, s) => (s ? 128 : x * 100 + y));
    const img = decodePng(buildPng({ width: 2, height: 2, colorType: 4, depth: 8, rows: ga, filter: 4 }), 'ga.png');
    expect(img.channels).toBe(2);
    expect(Array.from(img.data)).toEqual([0, 128, 100, 128, 1, 128, 101, 128]);
  });

  it('16-bit samples keep the high byte', () => {
    const r = [Uint8Array.from([0x12, 0x34, 0xff, 0xff, 0x00, 0x01])];
    const img = decodePng(buildPng({ width: 3, height: 1, colorType: 0, depth: 16, rows: r, filter: 1 }), 'd.png');
    expect(Array.from(img.data)).toEqual([0x12, 0xff, 0x00]);
  });

  it.each([
    [1, [0b10110000], 4, [255, 0, 255, 255]],
    [2, [0b00011011], 4, [0, 85, 170, 255]],
    [4, [0x0f, 0x80], 3, [0, 255, 136]],
  ])('%i-bit gray is scaled to 0..255', (depth, bytes, width, expected) => {
    const img = decodePng(buildPng({ width, height: 1, colorType: 0, depth, rows: [Uint8Array.from(bytes)] }), 'b.png');
    expect(Array.from(img.data)).toEqual(expected);
  });

  it('palette: colour entries → RGB, all-gray entries → 1 channel', () => {
    const idx = [Uint8Array.from([0b00011011])]; // 2-bit indices 0 1 2 3
    const col = decodePng(buildPng({ width: 4, height: 1, colorType: 3, depth: 2, rows: idx, plte: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9] }), 'p.png');
    expect(col.channels).toBe(3);
    expect(Array.from(col.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
    const gray = decodePng(buildPng({ width: 4, height: 1, colorType: 3, depth: 2, rows: idx, plte: [0, 0, 0, 50, 50, 50, 100, 100, 100, 255, 255, 255] }), 'p.png');
    expect(gray.channels).toBe(1);
    expect(Array.from(gray.data)).toEqual([0, 50, 100, 255]);
  });

  it('skips ancillary chunks', () => {
    const r = rows(2, 2, 1, (x, y) => x + y);
    const img = decodePng(buildPng({ width: 2, height: 2, colorType: 0, depth: 8, rows: r, extra: [['tEXt', new TextEncoder().encode('a\0b')]] }), 'a.png');
    expect(Array.from(img.data)).toEqual([0, 1, 1, 2]);
  });

  const good = buildPng({ width: 2, height: 2, colorType: 0, depth: 8, rows: rows(2, 2, 1, () => 7) });
  const badCrc = good.slice();
  badCrc[20] ^= 1; // inside IHDR data
  const badIndex = buildPng({ width: 2, height: 1, colorType: 3, depth: 8, rows: [Uint8Array.from([0, 5])], plte: [1, 2, 3] });
  const table: [string, Uint8Array, RegExp][] = [
    ['not a PNG', new TextEncoder().encode('GIF89a....'), /not a PNG: wrong signature/],
    ['CRC mismatch', badCrc, /corrupt PNG: CRC mismatch in chunk IHDR/],
    ['truncated', good.slice(0, good.length - 20), /truncated PNG/],
    ['interlaced', buildPng({ width: 1, height: 1, colorType: 0, depth: 8, rows: [Uint8Array.from([1])], interlace: 1 }), /interlaced \(Adam7\) images are not supported/],
    ['bad depth', buildPng({ width: 1, height: 1, colorType: 2, depth: 4, rows: [Uint8Array.from([1, 2])] }), /bit depth 4 is not allowed for colour type 2/],
    ['bad filter', buildPng({ width: 1, height: 1, colorType: 0, depth: 8, rows: [Uint8Array.from([1])], filter: 9 }), /unknown filter type 9 on row 0/],
    ['palette index out of range', badIndex, /palette index 5 beyond the 1 palette entries/],
    ['palette without PLTE', buildPng({ width: 1, height: 1, colorType: 3, depth: 8, rows: [Uint8Array.from([0])] }), /palette image without PLTE/],
  ];
  it.each(table)('%s → InputError naming the file', (_, bytes, re) => {
    let err: unknown;
    try {
      decodePng(bytes, 'dir/img.png');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message.startsWith('dir/img.png: ')).toBe(true);
    expect((err as Error).message).toMatch(re);
  });
});

describe('encodePng', () => {
  it('writes a standard PNG: signature, IHDR fields, CRCs, zlib IDAT with filter-0 rows', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const png = encodePng({ width: 3, height: 2, channels: 1, data });
    expect(isPng(png)).toBe(true);
    const v = new DataView(png.buffer, png.byteOffset);
    expect(v.getUint32(8)).toBe(13);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    expect([v.getUint32(16), v.getUint32(20), png[24], png[25], png[26], png[27], png[28]]).toEqual([3, 2, 8, 0, 0, 0, 0]);
    expect(v.getUint32(29)).toBe(crc32(png, 12, 29));
    const idatLen = v.getUint32(33);
    expect(String.fromCharCode(...png.subarray(37, 41))).toBe('IDAT');
    // node's zlib (a standard decoder) reads the image data
    expect(Array.from(inflateSync(png.subarray(41, 41 + idatLen)))).toEqual([0, 1, 2, 3, 0, 4, 5, 6]);
    expect(Array.from(png.subarray(png.length - 12))).toEqual([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  });

  it('round-trips gray and RGB images', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(1 as const, 3 as const),
        fc.infiniteStream(fc.integer({ min: 0, max: 255 })),
        (width, height, channels, stream) => {
          const it = stream[Symbol.iterator]();
          const data = Uint8Array.from({ length: width * height * channels }, () => it.next().value as number);
          const img = decodePng(encodePng({ width, height, channels, data }), 'r.png');
          expect(img).toEqual({ width, height, channels, data });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects data of the wrong length', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/needs 12 bytes, got 11/);
  });
});
