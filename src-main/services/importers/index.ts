/**
 * Import a dataset from disk: IDX (MNIST layout), ImageFolder or CSV, detected from the path
 * unless `format` says which.
 *
 * Auto-detection: a folder holding `*-images-idx3-ubyte[.gz]` (or idx4) → idx; a `.csv[.gz]`
 * file, or a folder holding .csv files and no subfolders → csv; a folder of class folders, or
 * with train/ and test/ holding class folders → imagefolder. An IDX images file → idx of its
 * folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ImportedDataset, ProgressFn } from '../../core/dataset';
import { InputError } from '../../core/errors';
import { CSV_RE, importCsv } from './csv';
import { IDX_IMAGES_RE, importIdx } from './idx';
import { importImageFolder } from './imagefolder';
import { describeFsError, fsErrorKind } from './util';

export type ImportFormat = 'auto' | 'idx' | 'imagefolder' | 'csv';

export interface ImportOptions {
  format?: ImportFormat;
  /** IDX / ImageFolder: import only this split; CSV: the split a single file goes to (or the one to keep) */
  split?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** refuse inputs whose pixel data exceeds this many bytes; default 2 GiB */
  maxBytes?: number;
}

export async function detectFormat(path: string): Promise<Exclude<ImportFormat, 'auto'>> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new InputError(path, describeFsError(e), fsErrorKind(e));
  }
  if (!isDir) {
    const name = path.split(/[\\/]/).pop() as string;
    if (CSV_RE.test(name)) return 'csv';
    if (IDX_IMAGES_RE.test(name)) return 'idx';
    throw new InputError(path, 'not a recognised dataset file: expected a .csv file, an IDX images file, or a folder');
  }
  const entries = await readdir(path, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && IDX_IMAGES_RE.test(e.name))) return 'idx';
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  if (dirs.length > 0) return 'imagefolder';
  if (entries.some((e) => e.isFile() && CSV_RE.test(e.name))) return 'csv';
  throw new InputError(
    path,
    'not a recognised dataset folder: expected train-images-idx3-ubyte[.gz] and friends (IDX), class folders or train/ and test/ with class folders (ImageFolder), or .csv files',
  );
}

export async function importDataset(path: string, opts: ImportOptions = {}): Promise<ImportedDataset> {
  const format = !opts.format || opts.format === 'auto' ? await detectFormat(path) : opts.format;
  const { split, onProgress, signal, maxBytes } = opts;
  const common = { split, onProgress, signal, maxBytes };
  switch (format) {
    case 'idx': {
      let dir = path;
      try {
        if (!(await stat(path)).isDirectory()) dir = dirname(path);
      } catch (e) {
        throw new InputError(path, describeFsError(e), fsErrorKind(e));
      }
      return importIdx(dir, common);
    }
    case 'imagefolder':
      return importImageFolder(path, common);
    case 'csv':
      return importCsv(path, common);
    default:
      throw new InputError(path, `unknown format ${String(format)}`);
  }
}

export { importCsv, importIdx, importImageFolder };
