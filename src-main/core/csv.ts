/**
 * CSV of labelled images: one row per image, a label column and H*W*C pixel columns (HWC
 * order), an optional header and an optional `split` column. Pure: text in, rows out.
 *
 * - Header: present when a cell of the first row is not a number. The label column is the one
 *   named `label` (or `class`, `y`, `target`), else the first; `split` names the split column;
 *   every other column is a pixel. Without a header: label first, pixels after.
 * - Values: integers 0..255. A file whose pixel values never exceed 1.0 is read as [0,1] and
 *   scaled by 255 (rounded), with a warning.
 * - Shape: square gray (H = W = sqrt(#pixels)); when #pixels is not a square but #pixels/3 is,
 *   RGB with the channels of each pixel adjacent (r,g,b,r,g,b,...), with a warning.
 * - Labels: integers 0..255; class id = label.
 *
 * Reading goes in named steps, each in its own place: `CsvReader` takes text in chunks of any
 * size and cuts it into lines; the first non-blank line gives the layout (csv-layout.ts: header,
 * column kinds, shape); each data line is read into a row (label, split name, pixel values);
 * `CsvValueRange` (csv-scale.ts) encodes the values as bytes, settling 0..255 or [0,1] as it
 * goes. Errors name the file and the line, and come in file order (a value error whose wording
 * depends on the range waits until the range is known). `parseCsv` runs the steps on a whole
 * text; the CSV importer runs them on a file stream.
 */
import type { ImageShape } from '../contract/types';
import { colName, countCells, isBlank, parseNumber, quoteCell, ragged, unquote } from './csv-cells';
import type { CsvLayout } from './csv-layout';
import { ColumnKind, readLayout } from './csv-layout';
import { CsvValueRange, unitToByte } from './csv-scale';
import { CSV_SPLIT_NAME_RULE, isCsvSplitName } from '../contract/names';
import { InputError } from './errors';
import { growBytes } from './image';

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

/** Longest line the reader holds (UTF-16 units): a row of 4,000,000 three-digit cells fits. */
export const MAX_LINE_CHARS = 1 << 24;

/** One data row; the reader reuses it, so a handler copies what it keeps. */
export interface CsvRow {
  /** 1-based line number in the file */
  lineNo: number;
  label: number;
  /** the split column's cell, or null when the file has no split column */
  split: string | null;
  /** pixel values in pixel-column order */
  values: Float32Array;
}

export interface CsvRowHandler {
  /** once, before the first row */
  layout(layout: CsvLayout): void;
  row(row: CsvRow): void;
}

/** Cuts text fed in chunks into lines and reads each into a row for `handler`. */
export class CsvReader {
  private carry = '';
  private started = false;
  private lineNo = 0;
  private rows = 0;
  private current: CsvLayout | null = null;
  private row: CsvRow | null = null;

  constructor(
    private readonly file: string,
    private readonly handler: CsvRowHandler,
  ) {}

  /** The layout, once the first non-blank line has been read. */
  get layout(): CsvLayout | null {
    return this.current;
  }

  /** Lines read so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Feed the next chunk of text (any size, cut anywhere). */
  push(text: string): void {
    if (text.length === 0) return;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const s = this.carry + text;
    let start = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      this.readLine(s.slice(start, nl));
      start = nl + 1;
    }
    this.carry = s.slice(start);
    if (this.carry.length > MAX_LINE_CHARS) throw new InputError(this.file, `line ${this.lineNo + 1}: longer than ${MAX_LINE_CHARS} characters; is this a CSV of images?`);
  }

  /** The end of the text: reads the last line; returns the number of data rows. */
  end(): number {
    this.readLine(this.carry);
    this.carry = '';
    if (!this.current) throw new InputError(this.file, 'empty CSV: no rows');
    if (this.rows === 0) throw new InputError(this.file, 'no data rows after the header');
    return this.rows;
  }

  private readLine(line: string): void {
    this.lineNo++;
    const c = line.charCodeAt(0);
    if (!(c >= 48 && c <= 57) && isBlank(line)) return;
    if (!this.current) {
      const layout = readLayout(line, this.lineNo, this.file);
      this.current = layout;
      this.row = { lineNo: 0, label: 0, split: null, values: new Float32Array(layout.pixelCols.length) };
      this.handler.layout(layout);
      if (layout.header) return;
    }
    this.readRow(line, this.current, this.row as CsvRow);
    this.rows++;
    this.handler.row(this.row as CsvRow);
  }

  /** One data line into `row`: every cell by its column's kind; structural errors thrown. */
  private readRow(line: string, layout: CsvLayout, row: CsvRow): void {
    const { file, lineNo } = this;
    const { ncols, kinds, header } = layout;
    row.lineNo = lineNo;
    const end = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
    let col = 0;
    let pixel = 0;
    let start = 0;
    while (start <= end) {
      let stop = line.indexOf(',', start);
      if (stop < 0 || stop > end) stop = end;
      if (col >= ncols) throw ragged(file, lineNo, countCells(line, end), ncols);
      const kind = kinds[col];
      if (kind === ColumnKind.Pixel) {
        const v = parseNumber(line, start, stop);
        if (Number.isNaN(v)) throw new InputError(file, `line ${lineNo}, column ${col + 1}${colName(header, col)}: non-numeric pixel value ${quoteCell(line.slice(start, stop).trim())}`);
        row.values[pixel++] = v;
      } else if (kind === ColumnKind.Label) {
        const v = parseNumber(line, start, stop);
        if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
          throw new InputError(file, `line ${lineNo}, column ${col + 1}${colName(header, col)}: label ${quoteCell(unquote(line.slice(start, stop).trim()))} is not an integer 0..255`);
        }
        row.label = v;
      } else {
        const name = unquote(line.slice(start, stop).trim());
        if (!isCsvSplitName(name)) throw new InputError(file, `line ${lineNo}, column ${col + 1} (split): split name ${quoteCell(name)} must match ${CSV_SPLIT_NAME_RULE}`);
        row.split = name;
      }
      col++;
      start = stop + 1;
    }
    if (col !== ncols) throw ragged(file, lineNo, col, ncols);
  }
}

/** A whole CSV text read into memory (tests, small inputs; the importer streams files instead). */
export function parseCsv(text: string, file: string): CsvTable {
  const table = new TableCollector(file);
  const reader = new CsvReader(file, table);
  reader.push(text);
  reader.end();
  return table.finish();
}

/** Collects the rows of one text into growing arrays. */
class TableCollector implements CsvRowHandler {
  private l: CsvLayout | null = null;
  private range: CsvValueRange | null = null;
  private npix = 0;
  private pixels: Uint8Array = new Uint8Array(0);
  private labels: Uint8Array = new Uint8Array(0);
  private splitOf: string[] | null = null;
  private count = 0;

  constructor(private readonly file: string) {}

  layout(l: CsvLayout): void {
    this.l = l;
    this.range = new CsvValueRange(this.file, l);
    this.npix = l.pixelCols.length;
    this.splitOf = l.splitCol !== null ? [] : null;
  }

  row(r: CsvRow): void {
    const { npix, count } = this;
    if (count === this.labels.length) {
      const cap = Math.max(16, count * 2);
      this.pixels = growBytes(this.pixels, cap * npix);
      this.labels = growBytes(this.labels, cap);
    }
    if ((this.range as CsvValueRange).encodeRow(r, this.pixels, count * npix)) unitToByte(this.pixels.subarray(0, count * npix));
    this.labels[count] = r.label;
    this.splitOf?.push(r.split as string);
    this.count++;
  }

  finish(): CsvTable {
    const l = this.l as CsvLayout;
    const { warning } = (this.range as CsvValueRange).finish();
    return {
      shape: l.shape,
      count: this.count,
      pixels: this.pixels.slice(0, this.count * this.npix),
      labels: this.labels.slice(0, this.count),
      splitOf: this.splitOf,
      header: l.header,
      warnings: warning ? [...l.warnings, warning] : [...l.warnings],
    };
  }
}
