/**
 * The MNIST four-file IDX layout: `<prefix>-images-idx3-ubyte[.gz]` + `<prefix>-labels-idx1-ubyte[.gz]`
 * with prefix `train` (split `train`) and `t10k` or `test` (split `test`); Fashion-MNIST uses
 * the same names. idx3 images are gray; idx4 with a last dimension of 3 (or 1) is RGB (gray).
 * Image ids are `<split>/<record index>`; origins are null (derived from the split's origin).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../../contract/types';
import type { ImportedDataset, ImportedSplit, ProgressFn } from '../../core/dataset';
import { InputError } from '../../core/errors';
import { maybeGunzip } from '../../core/gzip';
import { decodeIdx } from '../../core/idx';
import { checkAbort, compareSplits, describeFsError, fsErrorKind, numericClassNames, readInput } from './util';

export interface IdxImportOptions {
  /** import only this split ('train' or 'test') */
  split?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** refuse files whose (decompressed) data exceeds this many bytes; default 2 GiB */
  maxBytes?: number;
}

export const IDX_IMAGES_RE = /^(train|t10k|test)-images[.-]idx([34])-ubyte(\.gz)?$/;
const IDX_LABELS_RE = /^(train|t10k|test)-labels[.-]idx1-ubyte(\.gz)?$/;

export interface IdxPair {
  split: string;
  images: string;
  labels: string;
}

const splitOfPrefix = (p: string) => (p === 'train' ? 'train' : 'test');

/** The image/label file pairs in `dir`, by split (train first). */
export async function findIdxPairs(dir: string): Promise<IdxPair[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    throw new InputError(dir, describeFsError(e), fsErrorKind(e));
  }
  // prefer uncompressed over .gz, and t10k over test, when both exist
  const pick = (re: RegExp, split: string) =>
    names
      .filter((n) => {
        const m = re.exec(n);
        return m !== null && splitOfPrefix(m[1]) === split;
      })
      .sort((a, b) => Number(a.endsWith('.gz')) - Number(b.endsWith('.gz')) || Number(a.startsWith('test')) - Number(b.startsWith('test')))[0];
  const pairs: IdxPair[] = [];
  for (const split of ['train', 'test']) {
    const images = pick(IDX_IMAGES_RE, split);
    const labels = pick(IDX_LABELS_RE, split);
    if (images && !labels) throw new InputError(join(dir, images), `no matching labels file (expected ${images.replace(/-images[.-]idx[34]/, '-labels-idx1')} beside it)`);
    if (labels && !images) throw new InputError(join(dir, labels), `no matching images file (expected ${labels.replace(/-labels[.-]idx1/, '-images-idx3')} beside it)`);
    if (images && labels) pairs.push({ split, images, labels });
  }
  return pairs.sort((a, b) => compareSplits(a.split, b.split));
}

export async function importIdx(dir: string, opts: IdxImportOptions = {}): Promise<ImportedDataset> {
  let pairs = await findIdxPairs(dir);
  if (pairs.length === 0) throw new InputError(dir, 'no IDX files: expected train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz] and/or t10k-… (or test-…)');
  if (opts.split !== undefined) {
    pairs = pairs.filter((p) => p.split === opts.split);
    if (pairs.length === 0) throw new InputError(dir, `no IDX files for split "${opts.split}" (IDX splits are train and test)`);
  }
  const total = pairs.length * 2;
  let done = 0;
  const splits: ImportedSplit[] = [];
  let shape: ImageShape | null = null;
  let shapeFrom = '';
  let maxLabel = 0;
  for (const pair of pairs) {
    checkAbort(opts.signal);
    opts.onProgress?.(done, total, `reading ${pair.images}`);
    const { shape: s, images, count } = await readImages(join(dir, pair.images), opts.maxBytes);
    done++;
    checkAbort(opts.signal);
    opts.onProgress?.(done, total, `reading ${pair.labels}`);
    const labels = await readLabels(join(dir, pair.labels), opts.maxBytes);
    done++;
    if (labels.length !== count) {
      throw new InputError(join(dir, pair.images), `images/labels count mismatch: ${count} images but ${join(dir, pair.labels)} has ${labels.length} labels`);
    }
    if (shape && (shape.height !== s.height || shape.width !== s.width || shape.channels !== s.channels)) {
      throw new InputError(join(dir, pair.images), `images are ${fmt(s)} but ${shapeFrom} has ${fmt(shape)}`);
    }
    shape = s;
    shapeFrom = join(dir, pair.images);
    for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
    splits.push({ name: pair.split, images: { shape: s, count, data: images }, labels, origin: `${pair.images} + ${pair.labels}`, origins: null });
  }
  opts.onProgress?.(total, total, 'done');
  return { kind: 'idx', sourcePath: dir, shape: shape as ImageShape, classNames: numericClassNames(maxLabel), splits, warnings: [] };
}

function fmt(s: ImageShape): string {
  return `${s.height}x${s.width}x${s.channels}`;
}

async function readImages(path: string, maxBytes?: number): Promise<{ shape: ImageShape; images: Uint8Array; count: number }> {
  const bytes = maybeGunzip(await readInput(path), path, { maxBytes });
  const arr = decodeIdx(bytes, path, { maxBytes });
  if (arr.type !== 'u8') throw new InputError(path, `images must be unsigned bytes (IDX type 08), this file holds ${arr.type}`);
  const d = arr.dims;
  let channels: 1 | 3;
  if (d.length === 3) channels = 1;
  else if (d.length === 4 && (d[3] === 1 || d[3] === 3)) channels = d[3] as 1 | 3;
  else throw new InputError(path, `images must be N x H x W (idx3) or N x H x W x C with C = 1 or 3 (idx4); this file is ${d.join('x')}`);
  if (d[1] === 0 || d[2] === 0) throw new InputError(path, `empty images: ${d.join('x')}`);
  // copy out of the decompressed file so the split owns a tight buffer
  return { shape: { height: d[1], width: d[2], channels }, images: (arr.data as Uint8Array).slice(), count: d[0] };
}

async function readLabels(path: string, maxBytes?: number): Promise<Uint8Array> {
  const bytes = maybeGunzip(await readInput(path), path, { maxBytes });
  const arr = decodeIdx(bytes, path, { maxBytes });
  if (arr.type !== 'u8' || arr.dims.length !== 1) {
    throw new InputError(path, `labels must be a 1-dimensional IDX of unsigned bytes (idx1-ubyte); this file is ${arr.dims.join('x')} ${arr.type}`);
  }
  return (arr.data as Uint8Array).slice();
}
