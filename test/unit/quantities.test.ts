/** Progress amounts in their unit: bytes read as a stream show as kB/MB/GB (contract/quantities.ts). */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatP, formatProgressCount, formatRate, pClause } from '../../src-main/contract/quantities';
import { formatP as statsFormatP } from '../../src-main/core/stats/index';

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

describe('p-values', () => {
  it('one formatter for the CLI, the reports and the renderer: underflow reads "< 1e-300", never 0.00 or 0.0e+0', () => {
    expect(statsFormatP).toBe(formatP);
    expect(formatP(0)).toBe('< 1e-300');
    expect(formatP(5e-324)).toBe('< 1e-300');
    expect(formatP(1e-300)).toBe('1.00e-300');
    expect(formatP(1e-5)).toBe('1.00e-5');
    expect(formatP(0.0123)).toBe('0.012');
    expect(formatP(1)).toBe('1.000');
    expect(pClause(0)).toBe('p < 1e-300');
    expect(pClause(0.0123)).toBe('p = 0.012');
  });
});
