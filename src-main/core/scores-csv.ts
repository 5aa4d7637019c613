/**
 * The per-image scores CSV `rpr score` writes and `rpr curate` reads:
 * `id,split,index,label,steps,robust,cleanPred,foolPred`, id = `<split>/<index>`, robust 0/1,
 * foolPred empty when the image was never fooled.
 */
import { isSplitName, splitNameProblem } from '../contract/names';
import { InputError } from './errors';

export const SCORES_CSV_HEADER = 'id,split,index,label,steps,robust,cleanPred,foolPred';

export interface ScoreRow {
  index: number;
  label: number;
  steps: number;
  robust: boolean;
  cleanPred: number;
  /** -1 when never fooled */
  foolPred: number;
}

export interface ParsedScoreRow extends ScoreRow {
  split: string;
}

export function formatScoresCsv(rows: readonly ScoreRow[], split: string): string {
  return [...scoresCsvPieces(rows, split)].join('');
}

/** Rows by position: an array of rows, or a reader over score columns (a million rows without a million objects). */
export type ScoreRowSource = readonly ScoreRow[] | { readonly length: number; row(i: number): ScoreRow };

/** The same text in pieces of at most `rowsPerPiece` rows, so a million rows are written without one huge string. */
export function* scoresCsvPieces(rows: ScoreRowSource, split: string, rowsPerPiece = 65_536): Generator<string> {
  const problem = splitNameProblem(split);
  if (problem) throw new RangeError(problem);
  yield SCORES_CSV_HEADER + '\n';
  const at = Array.isArray(rows) ? (i: number) => (rows as readonly ScoreRow[])[i] : (i: number) => (rows as { row(i: number): ScoreRow }).row(i);
  for (let from = 0; from < rows.length; from += rowsPerPiece) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(rows.length, from + rowsPerPiece); i++) {
      const r = at(i);
      const fool = r.foolPred >= 0 ? String(r.foolPred) : '';
      lines.push(`${split}/${r.index},${split},${r.index},${r.label},${r.steps},${r.robust ? 1 : 0},${r.cleanPred},${fool}`);
    }
    yield lines.join('\n') + '\n';
  }
}

const INT = /^(0|[1-9][0-9]*)$/;

/** A field quoted for a message, cut to a readable length. */
function cut(v: string | undefined): string {
  const s = String(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

export function parseScoresCsv(text: string, file: string): ParsedScoreRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new InputError(file, 'empty file: expected the header ' + SCORES_CSV_HEADER);
  if (lines[0].trim() !== SCORES_CSV_HEADER) {
    throw new InputError(file, `line 1: header must be exactly "${SCORES_CSV_HEADER}", got "${lines[0].slice(0, 200)}"`);
  }
  const rows: ParsedScoreRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    const bad = (problem: string): never => {
      throw new InputError(file, `line ${line}: ${problem}`);
    };
    const f = lines[i].split(',');
    if (f.length !== 8) bad(`expected 8 fields, found ${f.length}`);
    const [id, split, ...rest] = f;
    if (!isSplitName(split)) bad(`invalid split ${cut(split)}`);
    const names = ['index', 'label', 'steps', 'robust', 'cleanPred'];
    const nums = names.map((name, k) => {
      const v = rest[k];
      if (!INT.test(v)) bad(`${name} must be a non-negative integer, got ${cut(v)}`);
      if (!Number.isSafeInteger(Number(v))) bad(`${name} ${cut(v)} is too large`);
      return Number(v);
    });
    const [index, label, steps, robust, cleanPred] = nums;
    if (id !== `${split}/${index}`) bad(`id ${cut(id)} must be "${split}/${index}"`);
    const first = seen.get(id);
    if (first !== undefined) bad(`image ${id} already appears on line ${first}`);
    seen.set(id, line);
    if (robust > 1) bad(`robust must be 0 or 1, got ${robust}`);
    const foolText = rest[5];
    if (foolText !== '' && !INT.test(foolText)) bad(`foolPred must be empty or a non-negative integer, got ${cut(foolText)}`);
    const foolPred = foolText === '' ? -1 : Number(foolText);
    if (!Number.isSafeInteger(foolPred)) bad(`foolPred ${cut(foolText)} is too large`);
    if (robust === 1 && (steps === 0 || foolPred >= 0)) bad('a robust image needs steps > 0 and an empty foolPred');
    rows.push({ split, index, label, steps, robust: robust === 1, cleanPred, foolPred });
  }
  return rows;
}

/** Rows to the columns curate() takes. */
export function scoreRowsToColumns(rows: readonly ScoreRow[]): { index: number[]; label: number[]; steps: number[]; robust: number[] } {
  return {
    index: rows.map((r) => r.index),
    label: rows.map((r) => r.label),
    steps: rows.map((r) => r.steps),
    robust: rows.map((r) => (r.robust ? 1 : 0)),
  };
}
