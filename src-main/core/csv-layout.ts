/**
 * The layout of a CSV of images, read from its first non-blank row (the rules are at the top of
 * core/csv.ts): whether that row is a header, what each column holds, and the image shape the
 * pixel columns make. Pure.
 */
import type { ImageShape } from '../contract/types';
import { isNumeric, splitCells } from './csv-cells';
import { InputError } from './errors';

/** What a column holds. */
export const ColumnKind = {
  Pixel: 0,
  Label: 1,
  Split: 2,
} as const;
export type ColumnKind = (typeof ColumnKind)[keyof typeof ColumnKind];

export interface CsvLayout {
  /** the header cells (lower case), or null when the first row is data */
  header: string[] | null;
  /** columns of every row (the first row's count) */
  ncols: number;
  /** what each column holds */
  kinds: ColumnKind[];
  labelCol: number;
  /** the `split` column, or null */
  splitCol: number | null;
  /** the pixel columns, ascending: pixel k of an image is column pixelCols[k] */
  pixelCols: number[];
  shape: ImageShape;
  /** about the shape (RGB read from a non-square count) */
  warnings: string[];
}

/** Header cells that name the label column, in no order of preference. */
const LABEL_NAMES = ['label', 'labels', 'class', 'y', 'target'];

/** The layout given by the first non-blank line (`lineNo`, 1-based) of `file`. */
export function readLayout(firstLine: string, lineNo: number, file: string): CsvLayout {
  const firstCells = splitCells(firstLine);
  const header = isHeader(firstCells) ? firstCells.map((c) => c.toLowerCase()) : null;
  const ncols = firstCells.length;
  const { labelCol, splitCol } = labelAndSplitColumns(header, file);
  const kinds: ColumnKind[] = [];
  const pixelCols: number[] = [];
  for (let c = 0; c < ncols; c++) {
    if (c === labelCol) kinds.push(ColumnKind.Label);
    else if (c === splitCol) kinds.push(ColumnKind.Split);
    else {
      kinds.push(ColumnKind.Pixel);
      pixelCols.push(c);
    }
  }
  if (pixelCols.length === 0) throw new InputError(file, `line ${lineNo}: no pixel columns (${ncols} column${ncols === 1 ? '' : 's'})`);
  const warnings: string[] = [];
  const shape = shapeOf(pixelCols.length, file, warnings);
  return { header, ncols, kinds, labelCol, splitCol, pixelCols, shape, warnings };
}

/** A first row is a header when one of its cells is not a number. */
function isHeader(cells: string[]): boolean {
  return cells.some((c) => c !== '' && !isNumeric(c));
}

/** The label column: the one the header names `label` (or a synonym), else the first. The split column: `split`. */
function labelAndSplitColumns(header: string[] | null, file: string): { labelCol: number; splitCol: number | null } {
  if (!header) return { labelCol: 0, splitCol: null };
  const named = header.findIndex((h) => LABEL_NAMES.includes(h));
  const labelCol = named >= 0 ? named : 0;
  const split = header.indexOf('split');
  if (split === labelCol) throw new InputError(file, 'the header names no label column besides `split`');
  return { labelCol, splitCol: split >= 0 ? split : null };
}

/** Square gray, else square RGB (with a warning), else an error. */
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
