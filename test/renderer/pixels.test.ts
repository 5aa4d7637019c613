import { describe, expect, it } from 'vitest';
import { toRgba } from '../../src-renderer/src/lib/pixels';
import { defaultParams } from '../../src-renderer/src/lib/schemes';

describe('toRgba', () => {
  it('expands grayscale image i of a split blob to opaque RGBA', () => {
    const blob = new Uint8Array([1, 2, 3, 4, 10, 20, 30, 40]); // two 2x2 gray images
    expect([...toRgba(blob, 1, { height: 2, width: 2, channels: 1 })]).toEqual([10, 10, 10, 255, 20, 20, 20, 255, 30, 30, 30, 255, 40, 40, 40, 255]);
  });
  it('copies RGB channels', () => {
    const blob = new Uint8Array([9, 9, 9, 1, 2, 3]); // two 1x1 RGB images
    expect([...toRgba(blob, 1, { height: 1, width: 1, channels: 3 })]).toEqual([1, 2, 3, 255]);
  });
});

describe('scheme defaults', () => {
  it('k = round(sqrt(H*W)) for paper and pixels', () => {
    expect(defaultParams('paper', { height: 28, width: 28 })).toEqual({ k: 28 });
    expect(defaultParams('pixels', { height: 32, width: 32 })).toEqual({ k: 32 });
    expect(defaultParams('gaussian', { height: 28, width: 28 })).toEqual({ sigma: 25 });
  });
});
