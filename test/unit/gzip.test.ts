import fc from 'fast-check';
import { gunzipSync as nodeGunzip, gzipSync as nodeGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { crc32, gzip, isGzip, maybeGunzip } from '../../src-main/core/gzip';

const enc = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xe8b7be43],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('known answer for %j', (s, crc) => {
    expect(crc32(enc(s))).toBe(crc);
  });

  it('continues across pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(200), (bytes, cut) => {
        const k = Math.min(cut, bytes.length);
        expect(crc32(bytes, k, bytes.length, crc32(bytes, 0, k))).toBe(crc32(bytes));
      }),
    );
  });
});

describe('maybeGunzip', () => {
  it('round-trips any bytes through gzip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const z = gzip(bytes);
        expect(isGzip(z)).toBe(true);
        expect(maybeGunzip(z, 'x.gz')).toEqual(bytes);
        expect(new Uint8Array(nodeGunzip(z))).toEqual(bytes); // standard decoders read ours
      }),
      { numRuns: 50 },
    );
  });

  it('reads what node:zlib (gzip -9) writes', () => {
    const data = enc('hello hello hello '.repeat(100));
    expect(maybeGunzip(new Uint8Array(nodeGzip(data, { level: 9 })), 'a.gz')).toEqual(data);
  });

  it('passes non-gzip bytes through unchanged when the name does not end in .gz', () => {
    const data = enc('not compressed');
    expect(maybeGunzip(data, 'train-images-idx3-ubyte')).toBe(data);
  });

  it('is deterministic (no time stamp in the header)', () => {
    expect(gzip(enc('abc'))).toEqual(gzip(enc('abc')));
  });

  const good = gzip(enc('some payload '.repeat(50)));
  const flipped = good.slice();
  flipped[20] ^= 0xff;
  const badCrc = good.slice();
  badCrc[badCrc.length - 8] ^= 1;
  const table: [string, Uint8Array, string, RegExp][] = [
    ['named .gz but plain', enc('\x00\x00\x08\x03abcd'), 'f.gz', /^f\.gz: not gzip: .*starts with 00 00 08 03/],
    ['named .gz but empty', new Uint8Array(0), 'e.gz', /^e\.gz: not gzip: .*empty/],
    ['truncated header', good.slice(0, 10), 't.gz', /^t\.gz: corrupt gzip: truncated/],
    ['truncated stream', good.slice(0, good.length - 20), 't.gz', /^t\.gz: corrupt gzip/],
    ['bit flip in the data', flipped, 'b.gz', /^b\.gz: corrupt gzip/],
    ['wrong CRC in the trailer', badCrc, 'c.gz', /^c\.gz: corrupt gzip: CRC mismatch/],
  ];
  it.each(table)('%s → InputError naming the file', (_, bytes, file, re) => {
    let err: unknown;
    try {
      maybeGunzip(bytes, file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(file);
    expect((err as Error).message).toMatch(re);
  });

  it('refuses a declared size above maxBytes before inflating', () => {
    const z = gzip(new Uint8Array(5000));
    expect(() => maybeGunzip(z, 'big.gz', { maxBytes: 4096 })).toThrow(/^big\.gz: gzip payload declares 5000 bytes, over the limit of 4096 bytes/);
    expect(maybeGunzip(z, 'big.gz', { maxBytes: 5000 }).length).toBe(5000);
  });
});
