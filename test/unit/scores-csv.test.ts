import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../src-main/core/errors';
import { formatScoresCsv, parseScoresCsv, SCORES_CSV_HEADER, scoreRowsToColumns, scoresCsvPieces } from '../../src-main/core/scores-csv';
import type { ScoreRow } from '../../src-main/core/scores-csv';

const rows: ScoreRow[] = [
  { index: 0, label: 7, steps: 250, robust: true, cleanPred: 7, foolPred: -1 },
  { index: 1, label: 2, steps: 13, robust: false, cleanPred: 2, foolPred: 3 },
  { index: 2, label: 1, steps: 0, robust: false, cleanPred: 8, foolPred: -1 },
];

describe('scores CSV', () => {
  it('formats the exact header and rows', () => {
    expect(formatScoresCsv(rows, 'test')).toBe(
      'id,split,index,label,steps,robust,cleanPred,foolPred\n' + 'test/0,test,0,7,250,1,7,\n' + 'test/1,test,1,2,13,0,2,3\n' + 'test/2,test,2,1,0,0,8,\n',
    );
    expect(SCORES_CSV_HEADER).toBe('id,split,index,label,steps,robust,cleanPred,foolPred');
    expect(() => formatScoresCsv(rows, 'a b')).toThrow(/split name/);
  });

  it('round-trips any rows (CRLF and a BOM are accepted)', () => {
    const row = fc.record({ index: fc.nat(70000), label: fc.nat(99), steps: fc.nat(250), robust: fc.boolean(), cleanPred: fc.nat(99), foolPred: fc.integer({ min: -1, max: 99 }) });
    fc.assert(
      fc.property(fc.uniqueArray(row, { selector: (r) => r.index, maxLength: 30 }), (rs) => {
        const valid = rs.map((r) => (r.robust ? { ...r, steps: Math.max(1, r.steps), foolPred: -1 } : r));
        const text = formatScoresCsv(valid, 'train');
        expect(parseScoresCsv(text, 'scores.csv')).toEqual(valid.map((r) => ({ ...r, split: 'train' })));
        expect(parseScoresCsv('\uFEFF' + text.replace(/\n/g, '\r\n'), 'scores.csv')).toEqual(valid.map((r) => ({ ...r, split: 'train' })));
      }),
      { numRuns: 100 },
    );
  });

  it('gives columns for curate', () => {
    expect(scoreRowsToColumns(rows)).toEqual({ index: [0, 1, 2], label: [7, 2, 1], steps: [250, 13, 0], robust: [1, 0, 0] });
  });

  it('rejects bad files with the file name and line number', () => {
    const h = SCORES_CSV_HEADER + '\n';
    const bad: [string, string][] = [
      ['', 'scores.csv: empty file'],
      ['id,split,index\n', 'scores.csv: line 1: header must be exactly'],
      [h + 'test/0,test,0,7,250,1,7\n', 'scores.csv: line 2: expected 8 fields, found 7'],
      [h + 'test/0,test,0,7,250,1,7,\ntest/1,test,1,x,3,0,1,2\n', 'scores.csv: line 3: label must be a non-negative integer, got "x"'],
      [h + 'test/5,test,0,7,250,1,7,\n', 'line 2: id "test/5" must be "test/0"'],
      [h + 'test/0,test,0,7,250,2,7,\n', 'line 2: robust must be 0 or 1, got 2'],
      [h + 'test/0,test,0,7,250,1,7,3\n', 'line 2: a robust image needs steps > 0 and an empty foolPred'],
      [h + 'test/0,test,0,7,5,0,7,-1\n', 'line 2: foolPred must be empty or a non-negative integer, got "-1"'],
      [h + 'test/0,test,0,7,5,0,7,\ntest/0,test,0,7,5,0,7,\n', 'line 3: image test/0 already appears on line 2'],
      [h + 'a/0,a b,0,7,5,0,7,\n', 'line 2: invalid split "a b"'],
    ];
    for (const [text, msg] of bad) {
      expect(() => parseScoresCsv(text, 'scores.csv')).toThrow(InputError);
      expect(() => parseScoresCsv(text, 'scores.csv')).toThrow(msg);
    }
    expect(parseScoresCsv(h, 'x.csv')).toEqual([]);
  });
});

describe('scores CSV in pieces', () => {
  it('the pieces join to exactly the whole text, for any piece size', () => {
    const rows = Array.from({ length: 23 }, (_, i) => ({ index: i * 3, label: i % 10, steps: i % 4 === 0 ? 0 : i, robust: i % 5 === 0, cleanPred: i % 4 === 0 ? (i + 1) % 10 : i % 10, foolPred: i % 5 === 0 ? -1 : 7 }));
    const whole = formatScoresCsv(rows, 'train');
    for (const per of [1, 4, 23, 100]) {
      const pieces = [...scoresCsvPieces(rows, 'train', per)];
      expect(pieces.length).toBe(1 + Math.ceil(23 / per));
      expect(pieces.join('')).toBe(whole);
    }
    expect(() => [...scoresCsvPieces(rows, 'bad split')]).toThrow(RangeError);
    // a row reader (score columns made into rows one at a time) writes the same text
    const reader = { length: rows.length, row: (i: number) => ({ ...rows[i] }) };
    expect([...scoresCsvPieces(reader, 'train', 4)].join('')).toBe(whole);
  });
});
