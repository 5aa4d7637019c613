/** A dataset as importers produce it and the workspace stores it. */
import type { DatasetSourceKind, ImageShape } from '../contract/types';
import type { RawImages } from './image';

export interface ImportedSplit {
  name: string;
  images: RawImages;
  /** class id per image, 0-based, < classNames.length */
  labels: Uint8Array;
  /** where the split came from, e.g. `train-images-idx3-ubyte.gz + train-labels-idx1-ubyte.gz` or `train/` */
  origin: string;
  /**
   * per-image file of origin (ImageFolder: relative path), or null when it is derived
   * from `origin` and the record number (IDX, CSV).
   */
  origins: string[] | null;
}

export interface ImportedDataset {
  kind: DatasetSourceKind;
  sourcePath: string;
  shape: ImageShape;
  classNames: string[];
  splits: ImportedSplit[];
  warnings: string[];
}

/** Progress callback of long pure or I/O work: done out of total units. */
export type ProgressFn = (done: number, total: number, message?: string) => void;
