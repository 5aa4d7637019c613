/**
 * Issue 13, item 2: the split-name rule is written once (contract/names.ts) and every reader
 * agrees with it: the contract's door, the scores CSV and the CSV parser (lowercase on purpose).
 */
import { describe, expect, it } from 'vitest';
import { calls } from '../../src-main/contract/calls';
import { CSV_SPLIT_NAME_RULE, isCsvSplitName, isSplitName, splitNameProblem } from '../../src-main/contract/names';
import { parseCsv } from '../../src-main/core/csv';
import { formatScoresCsv } from '../../src-main/core/scores-csv';

const GOOD = ['train', 'test', 'Train', 'val_2', 'a-b', 'x'.repeat(64)];
const BAD = ['', 'a b', '../x', 'train.csv', 'Train!', 'é', 'x'.repeat(65)];

describe('split names', () => {
  it('one rule: 1 to 64 letters, digits, _ and -', () => {
    for (const n of GOOD) expect(isSplitName(n), n).toBe(true);
    for (const n of BAD) expect(isSplitName(n), n).toBe(false);
    expect(splitNameProblem('train')).toBeNull();
    expect(splitNameProblem('a b')).toBe('split name "a b" must be letters, digits, _ and -');
  });

  it('CSV imports add lowercase and nothing else', () => {
    for (const n of [...GOOD, ...BAD]) expect(isCsvSplitName(n), n).toBe(isSplitName(n) && n === n.toLowerCase());
    expect(isCsvSplitName('Train')).toBe(false);
    expect(CSV_SPLIT_NAME_RULE).toBe('[a-z0-9_-]{1,64}');
  });

  it('the contract door, the scores CSV and the CSV parser read the same rule', () => {
    const door = (split: string) => calls['datasets.image'].safeParse({ datasetId: 'd', split, index: 0 }).success;
    const scores = (split: string) => {
      try {
        formatScoresCsv([], split);
        return true;
      } catch {
        return false;
      }
    };
    const csv = (split: string) => {
      try {
        parseCsv(`label,a,split\n1,2,${split}\n`, 'd.csv');
        return true;
      } catch {
        return false;
      }
    };
    for (const n of [...GOOD, ...BAD]) {
      expect(door(n), n).toBe(isSplitName(n));
      expect(scores(n), n).toBe(isSplitName(n));
      if (n !== '') expect(csv(n), n).toBe(isCsvSplitName(n));
    }
  });
});
