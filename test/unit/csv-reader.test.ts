/**
 * The CSV reader in steps (core/csv.ts CsvReader, csv-layout.ts, csv-scale.ts): text fed in
 * chunks cut anywhere reads exactly as the whole text; the value range settles as rows go by.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CsvTable } from '../../src-main/core/csv';
import { CsvReader, MAX_LINE_CHARS, parseCsv } from '../../src-main/core/csv';
import type { CsvLayout } from '../../src-main/core/csv-layout';
import { ColumnKind, readLayout } from '../../src-main/core/csv-layout';
import { CsvValueRange, unitToByte } from '../../src-main/core/csv-scale';
import { InputError } from '../../src-main/core/errors';

/** The reader fed `pieces`, collected the way the importer does (bytes per row, converted when the range settles). */
function readPieces(pieces: string[], file = 'c.csv'): CsvTable {
  let layout: CsvLayout | null = null;
  let range: CsvValueRange | null = null;
  const rows: Uint8Array[] = [];
  const labels: number[] = [];
  let splitOf: string[] | null = null;
  const reader = new CsvReader(file, {
    layout(l) {
      layout = l;
      range = new CsvValueRange(file, l);
      splitOf = l.splitCol !== null ? [] : null;
    },
    row(r) {
      const out = new Uint8Array(r.values.length);
      if ((range as CsvValueRange).encodeRow(r, out, 0)) rows.forEach(unitToByte);
      rows.push(out);
      labels.push(r.label);
      splitOf?.push(r.split as string);
    },
  });
  for (const p of pieces) reader.push(p);
  reader.end();
  const l = layout as unknown as CsvLayout;
  const { warning } = (range as unknown as CsvValueRange).finish();
  const pixels = new Uint8Array(rows.length * l.pixelCols.length);
  rows.forEach((r, k) => pixels.set(r, k * r.length));
  return { shape: l.shape, count: rows.length, pixels, labels: Uint8Array.from(labels), splitOf, header: l.header, warnings: warning ? [...l.warnings, warning] : l.warnings };
}

function outcome(f: () => CsvTable): unknown {
  try {
    const t = f();
    return { ...t, pixels: Array.from(t.pixels), labels: Array.from(t.labels) };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return `InputError: ${e.message}`;
  }
}

const TEXTS = [
  '\uFEFFp0,p1,"label",p2,p3,split\r\n1,2,5,3,4,train\r\n\r\n9,8,6,7,200,"test"\r\n',
  '3,0,10,20,255\n7,1,2,3,4',
  'label,a,b,c,d\n1,0,0.5,1,0.25\n0,1,1,0,0\n',
  '1,0,0,0,0\n\n  \n2,0,1,0,0\n3,0,0,200,1\n',
  'label,a,b,c,d\n1,2,3,4,5\n1,2,x7,4,5\n',
  '0,é,2,3,4\n',
];

describe('CsvReader: chunks cut anywhere read as the whole text', () => {
  it.each(TEXTS.map((t) => [JSON.stringify(t).slice(0, 40), t]))('%s: every two-piece cut, and one character at a time', (_, text) => {
    const whole = outcome(() => parseCsv(text, 'c.csv'));
    for (let cut = 0; cut <= text.length; cut++) expect(outcome(() => readPieces([text.slice(0, cut), text.slice(cut)]))).toEqual(whole);
    expect(outcome(() => readPieces(Array.from(text)))).toEqual(whole);
  });

  it('random cut points over generated files (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.array(fc.constantFrom('0', '1', '0.5', '17', '255', ' 3 ', '"4"'), { minLength: 4, maxLength: 4 })), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 30 }),
        (rows, eol, cuts) => {
          const text = rows.map(([label, px]) => [label, ...px].join(',')).join(eol) + eol;
          const pieces: string[] = [];
          let at = 0;
          for (let k = 0; at < text.length; k++) {
            const n = cuts[k % cuts.length];
            pieces.push(text.slice(at, at + n));
            at += n;
          }
          expect(outcome(() => readPieces(pieces))).toEqual(outcome(() => parseCsv(text, 'c.csv')));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a line longer than MAX_LINE_CHARS is refused with its line number, before it grows further', () => {
    const reader = new CsvReader('long.csv', { layout: () => undefined, row: () => undefined });
    reader.push('1,2,3,4,5\n');
    expect(() => reader.push('7'.repeat(MAX_LINE_CHARS + 1))).toThrow(/^long\.csv: line 2: longer than \d+ characters/);
  });
});

describe('readLayout: named steps, named column kinds', () => {
  it('a header names the label and split columns; every other column is a pixel', () => {
    const l = readLayout('p0,split,Label,p1,p2,p3', 1, 'h.csv');
    expect(l.header).toEqual(['p0', 'split', 'label', 'p1', 'p2', 'p3']);
    expect(l.kinds).toEqual([ColumnKind.Pixel, ColumnKind.Split, ColumnKind.Label, ColumnKind.Pixel, ColumnKind.Pixel, ColumnKind.Pixel]);
    expect([l.labelCol, l.splitCol, l.pixelCols]).toEqual([2, 1, [0, 3, 4, 5]]);
    expect(l.shape).toEqual({ height: 2, width: 2, channels: 1 });
  });

  it('without a header: label first, pixels after, no split column', () => {
    const l = readLayout('3,0,10,20,255', 1, 'n.csv');
    expect([l.header, l.labelCol, l.splitCol, l.pixelCols]).toEqual([null, 0, null, [1, 2, 3, 4]]);
  });

  it('refuses a header whose only label candidate is `split`, and a row without pixels', () => {
    expect(() => readLayout('split,a,b,c,d', 1, 'h.csv')).toThrow(/^h\.csv: the header names no label column besides `split`/);
    expect(() => readLayout('7', 3, 'h.csv')).toThrow(/^h\.csv: line 3: no pixel columns \(1 column\)/);
  });
});

describe('CsvValueRange: 0..255 or [0,1], settled as rows go by', () => {
  const table: [string, string, number[] | RegExp, boolean][] = [
    ['blank images first, then a value above 1: 0..255 (early 1s stay 1)', '1,0,0,0,0\n2,0,1,0,0\n3,0,0,200,1\n', [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 200, 1], false],
    ['never above 1: [0,1] scaled by 255, with a warning', '1,0,0.5,1,0.25\n2,1,1,0,0\n', [0, 128, 255, 64, 255, 255, 0, 0], true],
    ['a fraction before the first value above 1 is reported at its own line', '1,0,0.5,0,0\n2,0,0,200,0\n', /^InputError: r\.csv: line 1, column 3: pixel value 0\.5 is not an integer 0\.\.255/, false],
    ['a negative in a [0,1] file', '1,0,-1,0,0\n2,0,1,0.5,0\n', /^InputError: r\.csv: line 1, column 3: pixel value -1 is negative/, false],
    ['a negative in a 0..255 file', '1,0,-1,0,0\n2,0,1,7,0\n', /^InputError: r\.csv: line 1, column 3: pixel value -1 is not an integer 0\.\.255/, false],
    ['errors come in file order: a value error before a ragged row', '1,300,0,0,0\n1,2,3\n', /^InputError: r\.csv: line 1, column 2: pixel value 300 is not an integer 0\.\.255/, false],
    ['a value error whose wording waits for the range yields to a later ragged row', '1,-1,0,0,0\n1,2,3\n', /^InputError: r\.csv: line 2: ragged row: 3 columns, expected 5/, false],
  ];
  it.each(table)('%s', (_, text, want, warns) => {
    const got = outcome(() => parseCsv(text, 'r.csv'));
    if (want instanceof RegExp) expect(got).toMatch(want);
    else {
      expect((got as { pixels: number[] }).pixels).toEqual(want);
      expect((got as { warnings: string[] }).warnings.some((w) => /every pixel value is at most 1\.0/.test(w))).toBe(warns);
    }
  });

  it('a range settled from the start (a second reading) encodes 0..255 at once', () => {
    const l = readLayout('1,0,0,0,0', 1, 'r.csv');
    const r = new CsvValueRange('r.csv', l, 'byte');
    const out = new Uint8Array(4);
    expect(r.encodeRow({ lineNo: 1, values: Float32Array.from([0, 1, 0, 1]) }, out, 0)).toBe(false);
    expect(Array.from(out)).toEqual([0, 1, 0, 1]);
    expect(r.finish()).toEqual({ range: 'byte', warning: null });
  });
});
