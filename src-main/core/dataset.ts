/** A dataset as importers produce it and the workspace stores it. */
import type { DatasetSourceKind, ImageShape } from '../contract/types';
import type { RawImages } from './image';

/**
 * Pixels an importer already streamed into a workspace file (temp name, renamed into place when
 * the dataset is committed), with the sha256 computed as the bytes went by.
 */
export interface StagedPixels {
  shape: ImageShape;
  count: number;
  /** the temp file, inside the dataset's pixel folder */
  file: string;
  sha256: string;
}

export interface ImportedSplit<P extends RawImages | StagedPixels = RawImages> {
  name: string;
  images: P;
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

export interface ImportedDataset<P extends RawImages | StagedPixels = RawImages> {
  kind: DatasetSourceKind;
  sourcePath: string;
  shape: ImageShape;
  classNames: string[];
  splits: ImportedSplit<P>[];
  warnings: string[];
  /** set when the pixels were staged for this dataset id (a workspace sink) */
  datasetId?: string;
}

/**
 * Where an importer writes a split's pixels, chunk by chunk in image order, so no importer
 * needs a whole split in memory. `count` is the number of images when known up front.
 */
export interface SplitWriter<P> {
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<P>;
  abort(): Promise<void>;
}

export interface PixelSink<P extends RawImages | StagedPixels = RawImages> {
  open(split: string, shape: ImageShape, count?: number): SplitWriter<P>;
  /** the dataset id the staged files belong to (workspace sinks) */
  readonly datasetId?: string;
}

/** Progress callback of long pure or I/O work: done out of total units (images unless `unit` says otherwise, e.g. 'bytes'). */
export type ProgressFn = (done: number, total: number, message?: string, unit?: string) => void;
