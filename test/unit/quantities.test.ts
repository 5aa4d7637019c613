/** Progress amounts in their unit: bytes read as a stream show as kB/MB/GB (contract/quantities.ts). */
import { describe, expect, it } from 'vitest';
import { formatByteRate, formatBytes, formatProgressCount } from '../../src-main/contract/quantities';

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
    expect(formatByteRate(5_200_000, 'bytes')).toBe('5.2 MB/s');
    expect(formatByteRate(5_200, 'images')).toBeNull();
  });
});
