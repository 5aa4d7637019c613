/**
 * One CSV file streamed into pixel writers: read (and gunzipped) chunk by chunk, decoded, cut
 * into rows by core's CsvReader, encoded by CsvValueRange and written split by split, so memory
 * stays bounded by the chunk size whatever the file's size; only the labels (1 byte per image)
 * are held.
 *
 * While the file's value range is still open (no value above 1 yet: a [0,1] file, or a 0..255
 * file that starts with blank images) rows are held, up to OPEN_HOLD bytes, then written as
 * [0,1]. Should a value above 1 turn up after such a write, the file is read a second time as
 * 0..255 (its writers are aborted first), so a result never depends on where a chunk ended.
 */
import type { ImageShape } from '../../contract/types';
import type { CsvRow, CsvRowHandler } from '../../core/csv';
import { CsvReader } from '../../core/csv';
import type { CsvLayout } from '../../core/csv-layout';
import type { ValueRange } from '../../core/csv-scale';
import { CsvValueRange, unitToByte } from '../../core/csv-scale';
import type { PixelSink, SplitWriter, StagedPixels } from '../../core/dataset';
import { InputError } from '../../core/errors';
import type { RawImages } from '../../core/image';
import { growBytes, shapeText } from '../../core/image';
import { STREAM_CHUNK, fileChunks, gzipClaimPossible, probeFile } from './stream';
import { checkAbort } from './util';

/** Bytes of rows held while the value range is open, before they are written as [0,1]. */
export const OPEN_HOLD = 4 * STREAM_CHUNK;

export interface CsvStreamOptions<P extends RawImages | StagedPixels> {
  sink: PixelSink<P>;
  /** the split of every row (a file of a folder), or null: the split column decides, else `keep` or 'train' */
  fixedSplit: string | null;
  /** with a split column: keep only this split's rows */
  keep?: string;
  /** splits that earlier files gave (a split comes from one file) */
  taken: ReadonlySet<string>;
  /** the shape earlier files have, and the file that has it */
  expect: { shape: ImageShape; from: string } | null;
  signal?: AbortSignal;
  /** refuse a file whose (gunzipped) bytes exceed this */
  maxBytes?: number;
  /** bytes of rows held while the range is open (default OPEN_HOLD; tests make it small) */
  openHold?: number;
  /** bytes of the file read so far; `again` on the second reading of a file */
  onRead?: (fileBytes: number, again: boolean) => void;
}

export interface StreamedCsv<P> {
  shape: ImageShape;
  /** in the order the file first gave them */
  splits: { name: string; images: P; labels: Uint8Array }[];
  warnings: string[];
}

/** Thrown inside a reading to start the second one, as 0..255. */
class ReadAgainAsBytes extends Error {}

export async function streamCsvFile<P extends RawImages | StagedPixels>(file: string, opts: CsvStreamOptions<P>): Promise<StreamedCsv<P>> {
  if (opts.maxBytes !== undefined) await checkSizeLimit(file, opts.maxBytes);
  try {
    return await readOnce(file, opts, null);
  } catch (e) {
    if (!(e instanceof ReadAgainAsBytes)) throw e;
    return await readOnce(file, opts, 'byte');
  }
}

async function readOnce<P extends RawImages | StagedPixels>(file: string, opts: CsvStreamOptions<P>, range: ValueRange | null): Promise<StreamedCsv<P>> {
  const rows = new SplitRouter(file, opts, range);
  const reader = new CsvReader(file, rows);
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  try {
    for await (const chunk of fileChunks(file, file, (n) => opts.onRead?.(n, range !== null))) {
      checkAbort(opts.signal);
      bytes += chunk.length;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) throw new InputError(file, `more than ${opts.maxBytes} bytes, over the limit of ${opts.maxBytes} bytes`);
      reader.push(decoder.decode(chunk, { stream: true }));
      await rows.flush(false);
    }
    reader.push(decoder.decode());
    reader.end();
    return await rows.finish();
  } catch (e) {
    await rows.abort();
    throw e;
  }
}

interface SplitOut<P> {
  name: string;
  writer: SplitWriter<P>;
  /** pixel bytes not yet written */
  buf: Uint8Array;
  len: number;
  labels: Uint8Array;
  count: number;
}

/** Sends each row to its split's writer, in chunks. */
class SplitRouter<P extends RawImages | StagedPixels> implements CsvRowHandler {
  private readonly outs = new Map<string, SplitOut<P>>();
  private layoutOf: CsvLayout | null = null;
  private range: CsvValueRange | null = null;
  private scratch = new Uint8Array(0);
  /** rows go by the split column */
  private byColumn = false;
  private target = 'train';
  /** rows were written while the range was open */
  private wroteOpen = false;

  constructor(
    private readonly file: string,
    private readonly opts: CsvStreamOptions<P>,
    private readonly startRange: ValueRange | null,
  ) {}

  layout(l: CsvLayout): void {
    const want = this.opts.expect;
    if (want && (want.shape.height !== l.shape.height || want.shape.width !== l.shape.width || want.shape.channels !== l.shape.channels)) {
      throw new InputError(this.file, `images are ${shapeText(l.shape)} but ${want.from} has ${shapeText(want.shape)}`);
    }
    this.layoutOf = l;
    this.range = new CsvValueRange(this.file, l, this.startRange);
    this.scratch = new Uint8Array(l.pixelCols.length);
    this.byColumn = this.opts.fixedSplit === null && l.splitCol !== null;
    this.target = this.opts.fixedSplit ?? this.opts.keep ?? 'train';
  }

  row(r: CsvRow): void {
    if ((this.range as CsvValueRange).encodeRow(r, this.scratch, 0)) {
      if (this.wroteOpen) throw new ReadAgainAsBytes();
      for (const o of this.outs.values()) unitToByte(o.buf.subarray(0, o.len));
    }
    const name = this.byColumn ? (r.split as string) : this.target;
    if (this.byColumn && this.opts.keep !== undefined && name !== this.opts.keep) return;
    const out = this.outs.get(name) ?? this.open(name);
    const size = this.scratch.length;
    if (out.len + size > out.buf.length) out.buf = growBytes(out.buf, Math.max(out.buf.length * 2, out.len + size));
    out.buf.set(this.scratch, out.len);
    out.len += size;
    if (out.count === out.labels.length) out.labels = growBytes(out.labels, out.labels.length * 2);
    out.labels[out.count++] = r.label;
  }

  private open(name: string): SplitOut<P> {
    if (this.opts.taken.has(name)) throw new InputError(this.file, `split "${name}" comes from more than one file`);
    const l = this.layoutOf as CsvLayout;
    const size = l.pixelCols.length;
    const out: SplitOut<P> = { name, writer: this.opts.sink.open(name, l.shape), buf: new Uint8Array(Math.max(size, 65536 - (65536 % size))), len: 0, labels: new Uint8Array(1024), count: 0 };
    this.outs.set(name, out);
    return out;
  }

  /** Write what is held: always once the range is settled (or `last`), else only past OPEN_HOLD. */
  async flush(last: boolean): Promise<void> {
    if (!last && this.range?.range == null) {
      let held = 0;
      for (const o of this.outs.values()) held += o.len;
      if (held < (this.opts.openHold ?? OPEN_HOLD)) return;
      this.wroteOpen = true;
    }
    for (const o of this.outs.values()) {
      if (o.len === 0) continue;
      await o.writer.write(o.buf.subarray(0, o.len));
      o.len = 0;
    }
  }

  /** After the last row: the range's final word, the held rows written, the writers finished. */
  async finish(): Promise<StreamedCsv<P>> {
    const { warning } = (this.range as CsvValueRange).finish();
    if (this.outs.size === 0) throw new InputError(this.file, `no rows of split "${this.opts.keep}" in the split column`);
    await this.flush(true);
    const splits: StreamedCsv<P>['splits'] = [];
    for (const o of this.outs.values()) splits.push({ name: o.name, images: await o.writer.finish(), labels: o.labels.slice(0, o.count) });
    this.outs.clear();
    const l = this.layoutOf as CsvLayout;
    return { shape: l.shape, splits, warnings: warning ? [...l.warnings, warning] : [...l.warnings] };
  }

  async abort(): Promise<void> {
    for (const o of this.outs.values()) await o.writer.abort();
    this.outs.clear();
  }
}

/** A size over the limit, refused before reading: the file's size, or for gzip the size its trailer declares. */
async function checkSizeLimit(file: string, maxBytes: number): Promise<void> {
  const { size, declared } = await probeFile(file, file);
  if (declared !== null) {
    // an impossible claim is left to the reader, which calls the file corrupt
    if (gzipClaimPossible(declared, size) && declared > maxBytes) throw new InputError(file, `gzip payload declares ${declared} bytes, over the limit of ${maxBytes} bytes`);
  } else if (size > maxBytes) {
    throw new InputError(file, `${size} bytes, over the limit of ${maxBytes} bytes`);
  }
}
