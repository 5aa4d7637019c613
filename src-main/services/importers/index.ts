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
import type { ImportedDataset, StagedPixels } from '../../core/dataset';
import { InputError } from '../../core/errors';
import type { RawImages } from '../../core/image';
import { cifarVariant, importCifar, isCifarFile } from './cifar';
import { CSV_RE, importCsv } from './csv';
import { IDX_IMAGES_RE, importIdx } from './idx';
import type { ImageFolderOptions } from './imagefolder';
import { importImageFolder } from './imagefolder';
import { describeFsError, fsErrorKind } from './util';

export type ImportFormat = 'auto' | 'idx' | 'imagefolder' | 'csv' | 'cifar';

/** ImageFolder's options (size, fit and color apply to ImageFolder only), and the format. */
export interface ImportOptions<P extends RawImages | StagedPixels = RawImages> extends ImageFolderOptions<P> {
  format?: ImportFormat;
  /** IDX / ImageFolder: import only this split; CSV: the split a single file goes to (or the one to keep) */
  split?: string;
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
    if (isCifarFile(path)) return 'cifar';
    throw new InputError(path, 'not a recognised dataset file: expected a .csv file, an IDX images file, a CIFAR .bin file, or a folder');
  }
  const entries = await readdir(path, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && IDX_IMAGES_RE.test(e.name))) return 'idx';
  if (cifarVariant(entries.filter((e) => e.isFile()).map((e) => e.name))) return 'cifar';
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  if (dirs.length > 0) return 'imagefolder';
  if (entries.some((e) => e.isFile() && CSV_RE.test(e.name))) return 'csv';
  throw new InputError(
    path,
    'not a recognised dataset folder: expected train-images-idx3-ubyte[.gz] and friends (IDX), data_batch_1.bin … test_batch.bin or train.bin + test.bin (CIFAR-10/100 binary), class folders or train/ and test/ with class folders (ImageFolder), or .csv files',
  );
}

export async function importDataset<P extends RawImages | StagedPixels = RawImages>(path: string, opts: ImportOptions<P> = {}): Promise<ImportedDataset<P>> {
  const format = !opts.format || opts.format === 'auto' ? await detectFormat(path) : opts.format;
  const { split, onProgress, signal, maxBytes, sink } = opts;
  const common = { split, onProgress, signal, maxBytes, sink };
  if (format !== 'imagefolder' && (opts.size || (opts.color && opts.color !== 'auto'))) {
    throw new InputError(path, `a target size and colour mode apply to image folders only; this is a ${format} dataset`);
  }
  const folderOf = async () => {
    try {
      return (await stat(path)).isDirectory() ? path : dirname(path);
    } catch (e) {
      throw new InputError(path, describeFsError(e), fsErrorKind(e));
    }
  };
  switch (format) {
    case 'idx':
      return importIdx(await folderOf(), common);
    case 'cifar':
      return importCifar(await folderOf(), common);
    case 'imagefolder':
      return importImageFolder(path, { ...common, size: opts.size, fit: opts.fit, color: opts.color });
    case 'csv':
      return importCsv(path, common);
    default:
      throw new InputError(path, `unknown format ${String(format)}`);
  }
}

export { importCifar, importCsv, importIdx, importImageFolder };
