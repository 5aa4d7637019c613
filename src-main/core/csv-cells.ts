/**
 * Cells of a CSV line: splitting, unquoting, reading numbers, and the wording of messages that
 * quote a cell or name a column. Pure.
 */
import { InputError } from './errors';

/** A cell quoted for a message, cut to a readable length. */
export function quoteCell(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

export function unquote(s: string): string {
  return s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34 ? s.slice(1, -1).replace(/""/g, '"') : s;
}

/** The cells of a whole line, trimmed and unquoted (the first row: header or not). */
export function splitCells(line: string): string[] {
  return line.replace(/\r$/, '').split(',').map((c) => unquote(c.trim()).trim());
}

/** How many cells line[0, end) has (commas + 1). */
export function countCells(line: string, end: number): number {
  let n = 1;
  for (let i = 0; i < end; i++) if (line.charCodeAt(i) === 44) n++;
  return n;
}

export function isNumeric(s: string): boolean {
  return s.trim() !== '' && Number.isFinite(Number(s));
}

/** Parse line[start, stop) as a number: a fast path for plain digits, Number() otherwise; NaN when it is none. */
export function parseNumber(line: string, start: number, stop: number): number {
  let v = 0;
  let i = start;
  while (i < stop && line.charCodeAt(i) === 32) i++;
  let j = stop;
  while (j > i && line.charCodeAt(j - 1) === 32) j--;
  if (i === j) return NaN;
  for (let k = i; k < j; k++) {
    const d = line.charCodeAt(k) - 48;
    if (d < 0 || d > 9) {
      const s = unquote(line.slice(i, j)).trim();
      if (s === '') return NaN;
      const n = Number(s);
      return Number.isFinite(n) ? n : NaN;
    }
    v = v * 10 + d;
  }
  return v;
}

/** ` (name)` of a column when the file has a header, else nothing. */
export function colName(header: string[] | null, col: number): string {
  return header ? ` (${header[col]})` : '';
}

export function ragged(file: string, lineNo: number, got: number, expected: number): InputError {
  return new InputError(file, `line ${lineNo}: ragged row: ${got} columns, expected ${expected} like the first row`);
}
