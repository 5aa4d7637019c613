import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { decodeIdx, encodeIdx } from '../../src-main/core/idx';
import { idxHeader } from '../helpers/fixtures';

function withData(header: Uint8Array, data: number[]): Uint8Array {
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

describe('IDX known answers', () => {
  it('decodes an idx1 label file', () => {
    const bytes = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]);
    const r = decodeIdx(bytes, 'labels');
    expect(r.type).toBe('u8');
    expect(r.dims).toEqual([3]);
    expect(Array.from(r.data)).toEqual([7, 2, 1]);
  });

  it('encodes exactly the MNIST header', () => {
    const out = encodeIdx([2, 28, 28], new Uint8Array(2 * 784));
    expect(Array.from(out.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
    expect(out.length).toBe(16 + 2 * 784);
  });

  it.each([
    [0x09, [0xff, 0x80, 0x7f], 'i8', [-1, -128, 127]],
    [0x0b, [0xff, 0xfe, 0x01, 0x00], 'i16', [-2, 256]],
    [0x0c, [0x80, 0, 0, 0, 0, 0, 1, 0], 'i32', [-2147483648, 256]],
    [0x0d, [0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0], 'f32', [1.5, -2.5]],
    [0x0e, [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], 'f64', [Math.PI]],
  ])('decodes big-endian type 0x%s', (type, payload, name, values) => {
    const n = values.length;
    const r = decodeIdx(withData(idxHeader([n], type), payload), 'f');
    expect(r.type).toBe(name);
    expect(Array.from(r.data)).toEqual(values);
  });
});

describe('IDX round trip', () => {
  it('decode(encode(dims, data)) gives dims and data back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }).chain((dims) =>
          fc.tuple(fc.constant(dims), fc.uint8Array({ minLength: dims.reduce((a, b) => a * b, 1), maxLength: dims.reduce((a, b) => a * b, 1) })),
        ),
        ([dims, data]) => {
          const r = decodeIdx(encodeIdx(dims, data), 'x');
          expect(r.dims).toEqual(dims);
          expect(r.data).toEqual(data);
        },
      ),
    );
  });

  it('encodeIdx rejects data that does not fit the dims', () => {
    expect(() => encodeIdx([2, 2], new Uint8Array(3))).toThrow(/dims 2x2 hold 4 bytes but data has 3/);
  });
});

describe('IDX bad input', () => {
  const mnistHeader = idxHeader([60000, 28, 28]);
  const table: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /truncated: 0 bytes/],
    ['wrong magic (PNG)', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), /wrong magic: .* 89 50 4e 47/],
    ['unknown type', withData(idxHeader([1], 0x07), [0]), /wrong magic: unknown IDX data type 0x07/],
    ['zero dimensions', Uint8Array.from([0, 0, 8, 0]), /wrong magic: 0 dimensions/],
    ['header cut in the dims', mnistHeader.slice(0, 10), /truncated: the header of 3 dimensions needs 16 bytes, the file has 10/],
    ['data cut short', withData(mnistHeader, new Array(1000).fill(0)), /truncated: header declares 60000x28x28 u8 \(47040000 bytes\) but only 1000 bytes follow/],
    ['trailing garbage', withData(idxHeader([2]), [1, 2, 3]), /trailing garbage: .* 3 bytes follow \(1 extra\)/],
    ['dims over 2 GiB', idxHeader([100000, 1000, 1000]), /declared dimensions 100000x1000x1000 of u8 need 100000000000 bytes, over the limit of 2147483648 bytes/],
    ['dims overflowing 2^53', idxHeader([0xffffffff, 0xffffffff, 0xffffffff]), /declared dimensions 4294967295x4294967295x4294967295 .* over the limit/],
  ];
  it.each(table)('%s → InputError naming the file', (_, bytes, re) => {
    let err: unknown;
    try {
      decodeIdx(bytes, 'train-images-idx3-ubyte');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message.startsWith('train-images-idx3-ubyte: ')).toBe(true);
    expect((err as Error).message).toMatch(re);
  });

  it('honours a smaller maxBytes', () => {
    const bytes = encodeIdx([10, 10], new Uint8Array(100));
    expect(() => decodeIdx(bytes, 'f', { maxBytes: 99 })).toThrow(/f: declared dimensions 10x10 of u8 need 100 bytes, over the limit of 99 bytes/);
    expect(decodeIdx(bytes, 'f', { maxBytes: 100 }).dims).toEqual([10, 10]);
  });

  it('counts the element size of wider types against the limit', () => {
    expect(() => decodeIdx(idxHeader([30], 0x0e), 'f', { maxBytes: 200 })).toThrow(/need 240 bytes, over the limit of 200/);
  });
});
