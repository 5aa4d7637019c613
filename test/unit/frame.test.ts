/** The binary frame codec (thumbnails, typed columns), one codec in the contract shared by main and the renderer. */
import { describe, expect, it } from 'vitest';
import * as main from '../../src-main/contract/frame';

const shape = { height: 2, width: 3, channels: 3 };

describe('binary frames', () => {
  it('thumbs: a known-answer frame (magic, version, kind, header length, 8-aligned payload)', () => {
    const px = Uint8Array.from({ length: 2 * 18 }, (_, i) => i);
    const f = main.encodeThumbs({ shape, datasetId: 'd', split: 'train', offset: 10, count: 2 }, px);
    expect(String.fromCharCode(...f.subarray(0, 4))).toBe('RPRF');
    expect(f[4]).toBe(1);
    expect(f[5]).toBe(main.KIND_THUMBS);
    const len = new DataView(f.buffer).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(f.subarray(12, 12 + len)));
    expect(header).toEqual({ shape, datasetId: 'd', split: 'train', offset: 10, count: 2 });
    const at = (12 + len + 7) & ~7;
    expect(f.length).toBe(at + 36);
    expect(Array.from(f.subarray(at))).toEqual(Array.from(px));
    for (const codec of [main]) {
      const d = codec.decodeThumbs(f);
      expect(d.offset).toBe(10);
      expect(d.shape).toEqual(shape);
      expect(Array.from(d.pixels)).toEqual(Array.from(px));
    }
  });

  it('thumbs: explicit indices round-trip both ways; a wrong byte count is refused', () => {
    const px = new Uint8Array(3 * 18).fill(7);
    const h = { shape, datasetId: 'd', split: 'test', offset: 0, count: 3, indices: [9, 2, 5] };
    expect(main.decodeThumbs(main.encodeThumbs(h, px)).indices).toEqual([9, 2, 5]);
    expect(main.decodeThumbs(main.encodeThumbs(h, px)).indices).toEqual([9, 2, 5]);
    expect(() => main.encodeThumbs(h, px.subarray(1))).toThrow(/53 bytes for 3 images of 18/);
    const f = main.encodeThumbs(h, px);
    expect(() => main.decodeThumbs(f.subarray(0, f.length - 1))).toThrow(/holds 53 pixel bytes, expected 3 x 18/);
  });

  it('typed: every typed array type round-trips as views, with the JSON around it', () => {
    const value = {
      runId: 'r',
      names: ['a', 'b'],
      index: Int32Array.from([0, -1, 2 ** 31 - 1]),
      label: Uint8Array.from([1, 2, 255]),
      conf: Float32Array.from([0.5, 0.25, 1]),
      big: Float64Array.from([Math.PI]),
      u16: Uint16Array.from([65535]),
      i8: Int8Array.from([-128]),
      nested: { steps: Uint32Array.from([4e9]), i16: Int16Array.from([-3]) },
    };
    for (const [enc, dec] of [[main.encodeTyped, main.decodeTyped], [main.encodeTyped, main.decodeTyped]] as const) {
      const bytes = enc(value);
      const back = dec(bytes) as typeof value;
      expect(back.runId).toBe('r');
      expect(back.names).toEqual(['a', 'b']);
      expect(back.index).toBeInstanceOf(Int32Array);
      expect(Array.from(back.index)).toEqual([0, -1, 2 ** 31 - 1]);
      expect(Array.from(back.label)).toEqual([1, 2, 255]);
      expect(Array.from(back.conf)).toEqual([0.5, 0.25, 1]);
      expect(back.big[0]).toBe(Math.PI);
      expect(back.u16[0]).toBe(65535);
      expect(back.i8[0]).toBe(-128);
      expect(back.nested.steps[0]).toBe(4e9);
      expect(back.nested.i16[0]).toBe(-3);
      // a frame at an odd offset inside a bigger buffer still decodes (copied once)
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      expect(Array.from((dec(shifted.subarray(1)) as typeof value).index)).toEqual([0, -1, 2 ** 31 - 1]);
    }
    // a million rows: 4 bytes per Int32, not ~8 characters of JSON
    const n = 1_000_000;
    const f = main.encodeTyped({ steps: new Int32Array(n).fill(250) });
    expect(f.length).toBeLessThan(4 * n + 200);
  });

  it('refuses what is not a frame, with a reason', () => {
    expect(() => main.decodeTyped(new Uint8Array(5))).toThrow(/too short/);
    expect(() => main.decodeTyped(new TextEncoder().encode('{"ok":true,"value":1}'))).toThrow(/bad magic/);
    const f = main.encodeTyped({ a: new Uint8Array(3) });
    f[4] = 9;
    expect(() => main.decodeTyped(f)).toThrow(/version 9/);
    expect(main.hasTypedArrays({ a: [new Int32Array(1)] })).toBe(true);
    expect(main.hasTypedArrays(new Uint8Array(2))).toBe(false);
    expect(main.hasTypedArrays({ pixels: [1, 2] })).toBe(false);
  });
});
