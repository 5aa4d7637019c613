/** Progress amounts in their unit: bytes read as a stream show as kB/MB/GB (contract/quantities.ts). */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatProgressCount, formatRate } from '../../src-main/contract/quantities';

describe('progress amounts', () => {
  it('formats bytes in powers of 1000, one decimal below 10 (the delete dialog uses the same words)', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(20_971_520)).toBe('21 MB');
    expect(formatBytes(365_264_124)).toBe('365 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
    expect(formatBytes(Number.NaN)).toBe('0 bytes');
  });

  it('a job counting bytes shows sizes; other units keep their count', () => {
    expect(formatProgressCount(20_971_520, 365_264_124, 'bytes')).toBe('21 MB/365 MB');
    expect(formatProgressCount(20_971_520, 365_264_124, 'bytes', false)).toBe('21 MB/365 MB');
    expect(formatProgressCount(3, 10, 'images')).toBe('3/10 images');
    expect(formatProgressCount(3, 10, 'images', false)).toBe('3/10');
    expect(formatRate(5_200_000, 'bytes')).toBe('5.2 MB/s');
    expect(formatRate(5_200, 'images')).toBe('5.2k images/s');
    expect(formatRate(42.4, 'images')).toBe('42 images/s');
    // stages take minutes and a resumed experiment reuses many at once: no rate, the ETA tells
    expect(formatRate(2.3, 'stages')).toBeNull();
  });
});
