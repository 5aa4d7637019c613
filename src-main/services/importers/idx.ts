/**
 * The MNIST four-file IDX layout: `<prefix>-images-idx3-ubyte[.gz]` + `<prefix>-labels-idx1-ubyte[.gz]`
 * with prefix `train` (split `train`) and `t10k` or `test` (split `test`); Fashion-MNIST uses
 * the same names. idx3 images are gray; idx4 with a last dimension of 3 (or 1) is RGB (gray).
 * Image ids are `<split>/<record index>`; origins are null (derived from the split's origin).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../../contract/types';
import type { ImportedDataset, ImportedSplit, PixelSink, ProgressFn, SplitWriter, StagedPixels } from '../../core/dataset';
import { InputError } from '../../core/errors';
import { maybeGunzip } from '../../core/gzip';
import type { IdxHeader } from '../../core/idx';
import { decodeIdx, parseIdxHeader } from '../../core/idx';
import type { RawImages } from '../../core/image';
import { imageSize, shapeText } from '../../core/image';
import { memorySink } from './sink';
import { ChunkReader, STREAM_CHUNK, fileChunks } from './stream';
import { checkAbort, compareSplits, describeFsError, fsErrorKind, numericClassNames, readInput } from './util';

/**
 * Streamed images have no in-memory ceiling; this bounds what a header may declare (a damaged
 * header must not start a terabyte import): 64 GiB.
 */
export const DEFAULT_MAX_IMAGE_BYTES = 2 ** 36;

export interface IdxImportOptions<P extends RawImages | StagedPixels = RawImages> {
  /** where pixels go (default: memory) */
  sink?: PixelSink<P>;
  /** import only this split ('train' or 'test') */
  split?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** refuse files whose (decompressed) data exceeds this many bytes; default 64 GiB for images, 2 GiB for labels */
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

export async function importIdx<P extends RawImages | StagedPixels = RawImages>(dir: string, opts: IdxImportOptions<P> = {}): Promise<ImportedDataset<P>> {
  let pairs = await findIdxPairs(dir);
  if (pairs.length === 0) throw new InputError(dir, 'no IDX files: expected train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz] and/or t10k-… (or test-…)');
  if (opts.split !== undefined) {
    pairs = pairs.filter((p) => p.split === opts.split);
    if (pairs.length === 0) throw new InputError(dir, `no IDX files for split "${opts.split}" (IDX splits are train and test)`);
  }
  const sink = opts.sink ?? (memorySink() as unknown as PixelSink<P>);
  // headers first: the shapes must agree and the counts give the progress total
  const headers: ImagesHeader[] = [];
  let shape: ImageShape | null = null;
  let shapeFrom = '';
  for (const pair of pairs) {
    const file = join(dir, pair.images);
    const h = await readImagesHeader(file, opts.maxBytes);
    if (shape && (shape.height !== h.shape.height || shape.width !== h.shape.width || shape.channels !== h.shape.channels)) {
      throw new InputError(file, `images are ${shapeText(h.shape)} but ${shapeFrom} has ${shapeText(shape)}`);
    }
    shape = h.shape;
    shapeFrom = file;
    headers.push(h);
  }
  const total = headers.reduce((a, h) => a + h.count, 0);
  let done = 0;
  const splits: ImportedSplit<P>[] = [];
  let maxLabel = 0;
  for (const [k, pair] of pairs.entries()) {
    checkAbort(opts.signal);
    const h = headers[k];
    opts.onProgress?.(done, total, `reading ${pair.images}`);
    const images = await streamImages(join(dir, pair.images), h, sink.open(pair.split, h.shape, h.count), opts.signal, (n) => {
      opts.onProgress?.(done + n, total, `reading ${pair.images}`);
    });
    const labels = await readLabels(join(dir, pair.labels), opts.maxBytes);
    if (labels.length !== h.count) {
      throw new InputError(join(dir, pair.images), `images/labels count mismatch: ${h.count} images but ${join(dir, pair.labels)} has ${labels.length} labels`);
    }
    done += h.count;
    for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
    splits.push({ name: pair.split, images, labels, origin: `${pair.images} + ${pair.labels}`, origins: null });
  }
  opts.onProgress?.(total, total, 'done');
  return { kind: 'idx', sourcePath: dir, shape: shape as ImageShape, classNames: numericClassNames(maxLabel), splits, warnings: [], datasetId: sink.datasetId };
}

interface ImagesHeader {
  shape: ImageShape;
  count: number;
  header: IdxHeader;
}

async function readImagesHeader(path: string, maxBytes?: number): Promise<ImagesHeader> {
  const it = fileChunks(path);
  try {
    const r = new ChunkReader(it);
    const first = (await r.take(4)).slice();
    const nd = first.length === 4 && first[0] === 0 && first[1] === 0 ? first[3] : 0;
    const rest = nd > 0 && nd <= 16 ? await r.take(4 * nd) : new Uint8Array(0);
    const bytes = new Uint8Array(first.length + rest.length);
    bytes.set(first);
    bytes.set(rest, first.length);
    const h = parseIdxHeader(bytes, path, { maxBytes: maxBytes ?? DEFAULT_MAX_IMAGE_BYTES });
    if (h.type !== 'u8') throw new InputError(path, `images must be unsigned bytes (IDX type 08), this file holds ${h.type}`);
    const d = h.dims;
    let channels: 1 | 3;
    if (d.length === 3) channels = 1;
    else if (d.length === 4 && (d[3] === 1 || d[3] === 3)) channels = d[3] as 1 | 3;
    else throw new InputError(path, `images must be N x H x W (idx3) or N x H x W x C with C = 1 or 3 (idx4); this file is ${d.join('x')}`);
    if (d[1] === 0 || d[2] === 0) throw new InputError(path, `empty images: ${d.join('x')}`);
    return { shape: { height: d[1], width: d[2], channels }, count: d[0], header: h };
  } finally {
    await it.return(undefined);
  }
}

/** Streams the image payload into `writer` in chunks of whole images; checks its exact length. */
async function streamImages<P>(path: string, h: ImagesHeader, writer: SplitWriter<P>, signal: AbortSignal | undefined, progress: (images: number) => void): Promise<P> {
  const it = fileChunks(path);
  const r = new ChunkReader(it);
  const size = imageSize(h.shape);
  const per = Math.max(1, Math.floor(STREAM_CHUNK / size));
  const what = `${h.header.dims.join('x')} u8 (${h.header.dataBytes} bytes)`;
  try {
    await r.take(h.header.headerBytes);
    let got = 0;
    while (got < h.count) {
      checkAbort(signal);
      const want = Math.min(per, h.count - got) * size;
      const chunk = await r.take(want);
      if (chunk.length < want) {
        throw new InputError(path, `truncated: header declares ${what} but only ${got * size + chunk.length} bytes follow`);
      }
      await writer.write(chunk);
      got += want / size;
      progress(got);
    }
    const extra = await r.drain();
    if (extra > 0) throw new InputError(path, `trailing garbage: header declares ${what} but ${h.header.dataBytes + extra} bytes follow (${extra} extra)`);
    return await writer.finish();
  } catch (e) {
    await writer.abort();
    throw e;
  } finally {
    await it.return(undefined);
  }
}

async function readLabels(path: string, maxBytes?: number): Promise<Uint8Array> {
  const bytes = maybeGunzip(await readInput(path), path, { maxBytes });
  const arr = decodeIdx(bytes, path, { maxBytes });
  if (arr.type !== 'u8' || arr.dims.length !== 1) {
    throw new InputError(path, `labels must be a 1-dimensional IDX of unsigned bytes (idx1-ubyte); this file is ${arr.dims.join('x')} ${arr.type}`);
  }
  return (arr.data as Uint8Array).slice();
}
