import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src-main/core/csv';
import { InputError } from '../../src-main/core/errors';
import { csvText } from '../helpers/fixtures';

describe('parseCsv', () => {
  it('reads rows without a header: label first, 2x2 gray', () => {
    const t = parseCsv('3,0,10,20,255\n7,1,2,3,4\n', 'a.csv');
    expect(t.header).toBeNull();
    expect(t.shape).toEqual({ height: 2, width: 2, channels: 1 });
    expect(t.count).toBe(2);
    expect(Array.from(t.labels)).toEqual([3, 7]);
    expect(Array.from(t.pixels)).toEqual([0, 10, 20, 255, 1, 2, 3, 4]);
    expect(t.splitOf).toBeNull();
    expect(t.warnings).toEqual([]);
  });

  it('detects a header, finds label and split columns by name, handles CRLF, quotes and blank lines', () => {
    const text = 'p0,p1,"label",p2,p3,split\r\n1,2,5,3,4,train\r\n\r\n9,8,6,7,200,"test"\r\n';
    const t = parseCsv(text, 'b.csv');
    expect(t.header).toEqual(['p0', 'p1', 'label', 'p2', 'p3', 'split']);
    expect(Array.from(t.labels)).toEqual([5, 6]);
    expect(Array.from(t.pixels)).toEqual([1, 2, 3, 4, 9, 8, 7, 200]);
    expect(t.splitOf).toEqual(['train', 'test']);
  });

  it('reads a file whose values never exceed 1.0 as [0,1], scaled by 255 with a warning', () => {
    const t = parseCsv('label,a,b,c,d\n1,0,0.5,1,0.25\n', 'unit.csv');
    expect(Array.from(t.pixels)).toEqual([0, 128, 255, 64]);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatch(/unit\.csv: every pixel value is at most 1\.0.*scaled by 255/);
  });

  it('reads 12 pixel columns as 2x2 RGB with a warning', () => {
    const t = parseCsv(`0,${Array.from({ length: 12 }, (_, i) => i * 10).join(',')}\n`, 'rgb.csv');
    expect(t.shape).toEqual({ height: 2, width: 2, channels: 3 });
    expect(t.warnings[0]).toMatch(/12 pixel columns read as 2x2 RGB/);
  });

  it('round-trips generated rows, with and without header', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.infiniteStream(fc.integer({ min: 0, max: 255 }))), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (side, rowSpecs, header) => {
          const rows = rowSpecs.map(([label, s], k) => {
            const pixels = Array.from(s.take(side * side));
            pixels[0] = 255 - (k % 2); // keep the max above 1 so the file is read as 0..255
            return { label, pixels };
          });
          const t = parseCsv(csvText(rows, { header }), 'p.csv');
          expect(t.count).toBe(rows.length);
          expect(Array.from(t.labels)).toEqual(rows.map((r) => r.label));
          expect(Array.from(t.pixels)).toEqual(rows.flatMap((r) => r.pixels));
        },
      ),
      { numRuns: 60 },
    );
  });

  const table: [string, string, RegExp][] = [
    ['ragged row (short)', 'label,a,b,c,d\n1,2,3,4,5\n1,2,3\n', /^d\.csv: line 3: ragged row: 3 columns, expected 5/],
    ['ragged row (long)', '1,2,3,4,5\n1,2,3,4,5,6\n', /^d\.csv: line 2: ragged row: 6 columns, expected 5/],
    ['non-numeric pixel', 'label,a,b,c,d\n1,2,3,4,5\n1,2,x7,4,5\n', /^d\.csv: line 3, column 3 \(b\): non-numeric pixel value "x7"/],
    ['empty pixel', '1,2,3,4,5\n1,2,,4,5\n', /^d\.csv: line 2, column 3: non-numeric pixel value ""/],
    ['pixel above 255', '1,2,3,4,300\n', /^d\.csv: line 1, column 5: pixel value 300 is not an integer 0\.\.255/],
    ['fractional pixel above 1', '1,2,3,4,2.5\n', /^d\.csv: line 1, column 5: pixel value 2\.5 is not an integer 0\.\.255/],
    ['negative pixel', '1,2,3,-4,5\n', /^d\.csv: line 1, column 4: pixel value -4 is not an integer/],
    ['bad label', 'label,a,b,c,d\n1.5,2,3,4,5\n', /^d\.csv: line 2, column 1 \(label\): label "1\.5" is not an integer 0\.\.255/],
    ['not square', '1,2,3,4,5,6\n', /^d\.csv: 5 pixel columns do not make a square image/],
    ['empty', '\n\n', /^d\.csv: empty CSV/],
    ['header only', 'label,a\n', /^d\.csv: no data rows after the header/],
    ['bad split name', 'label,a,split\n1,2,Train Set\n', /^d\.csv: line 2, column 3 \(split\): split name "Train Set"/],
  ];
  it.each(table)('%s → InputError naming file and line', (_, text, re) => {
    let err: unknown;
    try {
      parseCsv(text, 'd.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(re);
  });
});
