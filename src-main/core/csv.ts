/**
 * CSV of labelled images: one row per image, a label column and H*W*C pixel columns (HWC
 * order), an optional header and an optional `split` column. Pure: text in, arrays out.
 *
 * - Header: present when a cell of the first row is not a number. The label column is the one
 *   named `label` (or `class`, `y`, `target`), else the first; `split` names the split column;
 *   every other column is a pixel. Without a header: label first, pixels after.
 * - Values: integers 0..255. A file whose pixel values never exceed 1.0 is read as [0,1] and
 *   scaled by 255 (rounded), with a warning.
 * - Shape: square gray (H = W = sqrt(#pixels)); when #pixels is not a square but #pixels/3 is,
 *   RGB with the channels of each pixel adjacent (r,g,b,r,g,b,...), with a warning.
 * - Labels: integers 0..255; class id = label.
 */
import type { ImageShape } from '../contract/types';
import { CSV_SPLIT_NAME_RULE, isCsvSplitName } from '../contract/names';
import { InputError } from './errors';

export interface CsvTable {
  shape: ImageShape;
  count: number;
  /** count * H*W*C bytes */
  pixels: Uint8Array;
  labels: Uint8Array;
  /** split name per row when the file has a `split` column, else null */
  splitOf: string[] | null;
  /** the header cells, or null when the file has none */
  header: string[] | null;
  warnings: string[];
}

const LABEL_NAMES = ['label', 'labels', 'class', 'y', 'target'];

export function parseCsv(text: string, file: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  // rows: (line number, text) of the non-blank lines
  let first = 0;
  while (first < lines.length && isBlank(lines[first])) first++;
  if (first === lines.length) throw new InputError(file, 'empty CSV: no rows');
  const firstCells = splitCells(lines[first]);
  const hasHeader = firstCells.some((c) => c !== '' && !isNumeric(c));
  const header = hasHeader ? firstCells.map((c) => c.toLowerCase()) : null;
  const ncols = firstCells.length;
  let labelCol = 0;
  let splitCol = -1;
  if (header) {
    const named = header.findIndex((h) => LABEL_NAMES.includes(h));
    if (named >= 0) labelCol = named;
    splitCol = header.indexOf('split');
    if (splitCol === labelCol) throw new InputError(file, 'the header names no label column besides `split`');
  }
  const pixelCols: number[] = [];
  for (let c = 0; c < ncols; c++) if (c !== labelCol && c !== splitCol) pixelCols.push(c);
  const npix = pixelCols.length;
  if (npix === 0) throw new InputError(file, `line ${first + 1}: no pixel columns (${ncols} column${ncols === 1 ? '' : 's'})`);
  const warnings: string[] = [];
  const shape = shapeOf(npix, file, warnings);

  const dataStart = hasHeader ? first + 1 : first;
  // a row of ncols cells has at least ncols - 1 commas: refuse shorter rows before allocating
  // rows x ncols values, so a wide first row over many short lines cannot blow memory
  let maxRows = 0;
  for (let i = dataStart; i < lines.length; i++) {
    const line = lines[i];
    if (isBlank(line)) continue;
    maxRows++;
    if (line.length < ncols - 1) {
      const end = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
      const got = countCells(line, end);
      if (got < ncols) throw ragged(file, i + 1, got, ncols);
    }
  }
  if (maxRows === 0) throw new InputError(file, 'no data rows after the header');
  const values = new Float32Array(maxRows * npix);
  const labels = new Uint8Array(maxRows);
  const lineOf = new Int32Array(maxRows);
  const splitOf: string[] | null = splitCol >= 0 ? [] : null;
  // column of each pixel slot, and whether a column is the label / split one
  const role = new Int32Array(ncols).fill(-1); // >= 0: pixel slot; -2 label; -3 split
  pixelCols.forEach((c, k) => (role[c] = k));
  role[labelCol] = -2;
  if (splitCol >= 0) role[splitCol] = -3;

  let maxValue = 0;
  let row = 0;
  for (let li = dataStart; li < lines.length; li++) {
    const line = lines[li];
    if (isBlank(line)) continue;
    const lineNo = li + 1;
    lineOf[row] = lineNo;
    const base = row * npix;
    let col = 0;
    let start = 0;
    const end = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
    while (start <= end) {
      let stop = line.indexOf(',', start);
      if (stop < 0 || stop > end) stop = end;
      if (col >= ncols) throw ragged(file, lineNo, countCells(line, end), ncols);
      const r = role[col];
      if (r >= 0) {
        const v = parseNumber(line, start, stop);
        if (Number.isNaN(v)) throw notNumeric(file, lineNo, col, header, line.slice(start, stop));
        values[base + r] = v;
        if (v > maxValue) maxValue = v;
      } else if (r === -2) {
        const v = parseNumber(line, start, stop);
        if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
          throw new InputError(file, `line ${lineNo}, column ${col + 1}${colName(header, col)}: label ${quoteCell(unquote(line.slice(start, stop).trim()))} is not an integer 0..255`);
        }
        labels[row] = v;
      } else {
        const name = unquote(line.slice(start, stop).trim());
        if (!isCsvSplitName(name)) throw new InputError(file, `line ${lineNo}, column ${col + 1} (split): split name ${quoteCell(name)} must match ${CSV_SPLIT_NAME_RULE}`);
        (splitOf as string[]).push(name);
      }
      col++;
      start = stop + 1;
    }
    if (col !== ncols) throw ragged(file, lineNo, col, ncols);
    row++;
  }

  const count = row;
  const pixels = new Uint8Array(count * npix);
  if (maxValue <= 1) {
    for (let i = 0; i < pixels.length; i++) {
      const v = values[i];
      if (v < 0) throw badValue(file, lineOf, pixelCols, header, npix, i, v, 'is negative');
      pixels[i] = Math.round(v * 255);
    }
    warnings.push(`${file}: every pixel value is at most 1.0, so values were read as [0,1] and scaled by 255`);
  } else {
    for (let i = 0; i < pixels.length; i++) {
      const v = values[i];
      if (!(v >= 0 && v <= 255 && Number.isInteger(v))) throw badValue(file, lineOf, pixelCols, header, npix, i, v, 'is not an integer 0..255');
      pixels[i] = v;
    }
  }
  return { shape, count, pixels, labels, splitOf, header, warnings };
}

function shapeOf(npix: number, file: string, warnings: string[]): ImageShape {
  const side = Math.round(Math.sqrt(npix));
  if (side * side === npix) return { height: side, width: side, channels: 1 };
  const side3 = Math.round(Math.sqrt(npix / 3));
  if (npix % 3 === 0 && side3 * side3 * 3 === npix) {
    warnings.push(`${file}: ${npix} pixel columns read as ${side3}x${side3} RGB (r,g,b of each pixel adjacent)`);
    return { height: side3, width: side3, channels: 3 };
  }
  throw new InputError(file, `${npix} pixel columns do not make a square image (H*W or H*W*3 with H = W)`);
}

/** A cell quoted for a message, cut to a readable length. */
function quoteCell(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function unquote(s: string): string {
  return s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34 ? s.slice(1, -1).replace(/""/g, '"') : s;
}

function splitCells(line: string): string[] {
  return line.replace(/\r$/, '').split(',').map((c) => unquote(c.trim()).trim());
}

function countCells(line: string, end: number): number {
  let n = 1;
  for (let i = 0; i < end; i++) if (line.charCodeAt(i) === 44) n++;
  return n;
}

function isNumeric(s: string): boolean {
  return s.trim() !== '' && Number.isFinite(Number(s));
}

/** Parse line[start, stop) as a number: a fast path for plain digits, Number() otherwise. */
function parseNumber(line: string, start: number, stop: number): number {
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

function colName(header: string[] | null, col: number): string {
  return header ? ` (${header[col]})` : '';
}

function ragged(file: string, lineNo: number, got: number, expected: number): InputError {
  return new InputError(file, `line ${lineNo}: ragged row: ${got} columns, expected ${expected} like the first row`);
}

function notNumeric(file: string, lineNo: number, col: number, header: string[] | null, cell: string): InputError {
  return new InputError(file, `line ${lineNo}, column ${col + 1}${colName(header, col)}: non-numeric pixel value ${quoteCell(cell.trim())}`);
}

function badValue(file: string, lineOf: Int32Array, pixelCols: number[], header: string[] | null, npix: number, i: number, v: number, why: string): InputError {
  const row = Math.floor(i / npix);
  const col = pixelCols[i % npix];
  return new InputError(file, `line ${lineOf[row]}, column ${col + 1}${colName(header, col)}: pixel value ${v} ${why}`);
}
