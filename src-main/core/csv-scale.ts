/**
 * The range of a CSV's pixel values, decided as rows stream by: integers 0..255, or, when no
 * pixel value of the whole file exceeds 1.0, fractions in [0,1] scaled by 255 (rounded). Pure.
 *
 * Until a value above 1 appears the range is open: rows are encoded as [0,1] (round(v*255)) and
 * the first value each range would refuse is remembered. The row that shows a value above 1
 * settles 0..255: a remembered value that 0..255 refuses is reported then (it comes first in the
 * file), else the rows encoded so far held only 0 and 1 and `unitToByte` turns their bytes
 * (0 and 255) into 0 and 1. At the end of a file whose range stayed open, [0,1] holds: the first
 * negative value is reported, else the file is read as [0,1] with a warning.
 */
import type { CsvLayout } from './csv-layout';
import { colName } from './csv-cells';
import { InputError } from './errors';

/** `byte`: integers 0..255; `unit`: [0,1] scaled by 255. */
export type ValueRange = 'byte' | 'unit';

/** The values of one data row, as the reader hands them over. */
export interface CsvRowValues {
  /** 1-based line number in the file */
  lineNo: number;
  /** the pixel values, in pixel-column order (float32, as they have always been kept) */
  values: Float32Array;
}

interface Refused {
  lineNo: number;
  pixel: number;
  value: number;
}

const NOT_A_BYTE = 'is not an integer 0..255';

export class CsvValueRange {
  private settled: ValueRange | null;
  /** the first value seen while open that 0..255 refuses (a fraction or a negative) */
  private refusedAsByte: Refused | null = null;
  /** the first value seen while open that [0,1] refuses (a negative) */
  private refusedAsUnit: Refused | null = null;

  /** `range` settles it from the start (a second reading of a file already known to be 0..255) */
  constructor(
    private readonly file: string,
    private readonly layout: CsvLayout,
    range: ValueRange | null = null,
  ) {
    this.settled = range;
  }

  /** The range once a value above 1 settled it, else null (still open). */
  get range(): ValueRange | null {
    return this.settled;
  }

  /**
   * Encode one row's values into out[off, off + values.length). Returns true when this row
   * settled the range as 0..255: bytes encoded earlier (while open) need `unitToByte`. Throws
   * the value error that is certain by now.
   */
  encodeRow(row: CsvRowValues, out: Uint8Array, off: number): boolean {
    const values = row.values;
    let settledNow = false;
    if (this.settled === null && maxOf(values) > 1) {
      this.settled = 'byte';
      settledNow = true;
      if (this.refusedAsByte) throw this.error(this.refusedAsByte, NOT_A_BYTE);
    }
    if (this.settled === 'byte') encodeBytes(values, out, off, (pixel, value) => this.error({ lineNo: row.lineNo, pixel, value }, NOT_A_BYTE));
    else this.encodeOpen(row, out, off);
    return settledNow;
  }

  /** At the end of the file: the range ([0,1] when it stayed open) and the warning that goes with [0,1]. */
  finish(): { range: ValueRange; warning: string | null } {
    if (this.settled !== null) return { range: this.settled, warning: null };
    if (this.refusedAsUnit) throw this.error(this.refusedAsUnit, 'is negative');
    return { range: 'unit', warning: `${this.file}: every pixel value is at most 1.0, so values were read as [0,1] and scaled by 255` };
  }

  /** Values all at most 1: [0,1]-encoded, remembering the first value each range refuses. */
  private encodeOpen(row: CsvRowValues, out: Uint8Array, off: number): void {
    const values = row.values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < 0 && !this.refusedAsUnit) this.refusedAsUnit = { lineNo: row.lineNo, pixel: i, value: v };
      if (!(v >= 0 && Number.isInteger(v)) && !this.refusedAsByte) this.refusedAsByte = { lineNo: row.lineNo, pixel: i, value: v };
      out[off + i] = Math.round(v * 255);
    }
  }

  private error(r: Refused, why: string): InputError {
    const col = this.layout.pixelCols[r.pixel];
    return new InputError(this.file, `line ${r.lineNo}, column ${col + 1}${colName(this.layout.header, col)}: pixel value ${r.value} ${why}`);
  }
}

function maxOf(values: Float32Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

function encodeBytes(values: Float32Array, out: Uint8Array, off: number, refuse: (pixel: number, value: number) => InputError): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) throw refuse(i, v);
    out[off + i] = v;
  }
}

/** Bytes encoded while the range was open, once it settled as 0..255: 255 → 1 (they hold only 0 and 255). */
export function unitToByte(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i] === 255 ? 1 : 0;
}
