/**
 * Datasets: metadata and labels in SQLite, pixels as raw uint8 files
 * (`pixels/<datasetId>/<split>.u8`, N*H*W*C bytes, sha256 in the `splits` row).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetSourceKind, DatasetSummary, ImageColumnArrays, ImageColumns, ImageDetail, ImageShape, SplitSummary } from '../contract/types';
import { SPLIT_NAME_RULE, isSplitName } from '../contract/names';
import type { ImportedDataset, ImportedSplit, StagedPixels } from '../core/dataset';
import { InputError } from '../core/errors';
import { imageSize } from '../core/image';
import type { RawImages } from '../core/image';
import type { SqlValue } from './db';
import { PIXELS_DIR, notFound, parseJson, pixelsDir } from './context';
import type { StoreContext } from './context';
import { WorkspaceError } from './errors';
import { writeFileAtomic } from './fsutil';
import { hashFile, readIndices, readRange } from './pixel-range';
import { newId, nowIso } from './ids';

export interface DatasetRepository {
  /**
   * Write pixel files and rows in one transaction; on any failure nothing remains. Pixels come
   * in memory or already staged by a streaming import (store/pixel-stage.ts), then renamed into place.
   */
  insert(imported: ImportedDataset<RawImages | StagedPixels>, name: string): DatasetSummary;
  list(): DatasetSummary[];
  get(id: string): DatasetSummary;
  /** Rows, runs, curated sets of the dataset and its pixel files. False if there was no such dataset. */
  remove(id: string): boolean;
  columns(id: string): ImageColumns;
  /** The same columns as typed arrays (what the grid gets; no per-row objects or numbers). */
  columnArrays(id: string): ImageColumnArrays;
  labels(id: string, split: string): Uint8Array;
  /** Images offset..offset+count-1 of a split (positioned reads; never the whole file). */
  readImages(id: string, split: string, offset: number, count: number): RawImages;
  /** Images at the given indices, in that order (runs of consecutive indices read at once). */
  readImageIndices(id: string, split: string, indices: ArrayLike<number>): RawImages;
  image(id: string, split: string, index: number): ImageDetail;
  pixelsPath(id: string, split: string): string;
  /** The sha256 of a split's pixel file, recorded at import (what ties a model's lineage to these images in any workspace). */
  splitSha256(id: string, split: string): string;
  /** Re-hash every pixel file; returns problems found (empty = all good). */
  verify(id: string): string[];
}

const KINDS: readonly DatasetSourceKind[] = ['idx', 'imagefolder', 'csv', 'download', 'cifar'];
/** rows per multi-row INSERT: fewer native calls (5 parameters per row) */
const CHUNK = 500;

interface DatasetRow {
  id: string;
  name: string;
  source_kind: DatasetSourceKind;
  source_path: string;
  height: number;
  width: number;
  channels: 1 | 3;
  class_names: string;
  warnings: string;
  created_at: string;
}

interface SplitRow {
  name: string;
  count: number;
  pixels_file: string;
  sha256: string;
  origin: string;
  class_counts: string;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function validate(imported: ImportedDataset<RawImages | StagedPixels>, name: string): void {
  const file = imported.sourcePath || '(dataset)';
  const fail = (problem: string): never => {
    throw new InputError(file, problem);
  };
  if (typeof name !== 'string' || !name.trim()) fail('dataset name is empty');
  if (!KINDS.includes(imported.kind)) fail(`unknown source kind ${JSON.stringify(imported.kind)}`);
  const { height, width, channels } = imported.shape;
  if (!Number.isInteger(height) || height < 1 || !Number.isInteger(width) || width < 1) {
    fail(`invalid image size ${height}x${width}`);
  }
  if (channels !== 1 && channels !== 3) fail(`invalid channel count ${channels} (1 or 3)`);
  const nc = imported.classNames.length;
  if (nc < 1 || nc > 256) fail(`${nc} classes (1..256 supported)`);
  if (imported.splits.length === 0) fail('no splits');
  const seen = new Set<string>();
  for (const s of imported.splits) {
    if (!isSplitName(s.name)) fail(`invalid split name ${JSON.stringify(s.name)} (${SPLIT_NAME_RULE})`);
    // split names become file names: refuse names equal up to case (macOS, Windows)
    if (seen.has(s.name.toLowerCase())) fail(`duplicate split ${JSON.stringify(s.name)}`);
    seen.add(s.name.toLowerCase());
    const sh = s.images.shape;
    if (sh.height !== height || sh.width !== width || sh.channels !== channels) {
      fail(`split "${s.name}": images are ${sh.height}x${sh.width}x${sh.channels}, dataset is ${height}x${width}x${channels}`);
    }
    const n = s.images.count;
    if (!Number.isInteger(n) || n < 0) fail(`split "${s.name}": invalid image count ${n}`);
    const bytes = 'data' in s.images ? s.images.data.length : fs.statSync(s.images.file).size;
    if (bytes !== n * imageSize(imported.shape)) {
      fail(`split "${s.name}": ${bytes} pixel bytes for ${n} images of ${height}x${width}x${channels} (expected ${n * imageSize(imported.shape)})`);
    }
    if (s.labels.length !== n) fail(`split "${s.name}": ${s.labels.length} labels for ${n} images`);
    if (s.origins && s.origins.length !== n) fail(`split "${s.name}": ${s.origins.length} origins for ${n} images`);
  }
}

export function createDatasetRepository(ctx: StoreContext): DatasetRepository {
  const { db, root } = ctx;

  function row(id: string): DatasetRow {
    const r = db.get<DatasetRow>('SELECT * FROM datasets WHERE id = ?', [id]);
    if (!r) throw notFound(ctx, 'dataset', id);
    return r;
  }

  function splitRows(id: string): SplitRow[] {
    return db.all<SplitRow>('SELECT name, count, pixels_file, sha256, origin, class_counts FROM splits WHERE dataset_id = ? ORDER BY position', [id]);
  }

  function splitRow(id: string, split: string): SplitRow {
    const r = db.get<SplitRow>('SELECT name, count, pixels_file, sha256, origin, class_counts FROM splits WHERE dataset_id = ? AND name = ?', [id, split]);
    if (!r) {
      row(id); // dataset missing → say so
      throw notFound(ctx, `split of dataset ${id}:`, split);
    }
    return r;
  }

  function summary(r: DatasetRow): DatasetSummary {
    const splits: SplitSummary[] = splitRows(r.id).map((s) => ({
      name: s.name,
      count: s.count,
      classCounts: parseJson<number[]>(s.class_counts, []),
      origin: s.origin,
    }));
    return {
      id: r.id,
      name: r.name,
      sourceKind: r.source_kind,
      sourcePath: r.source_path,
      shape: shapeOf(r),
      classNames: parseJson<string[]>(r.class_names, []),
      splits,
      createdAt: r.created_at,
      warnings: parseJson<string[]>(r.warnings, []),
    };
  }

  function shapeOf(r: DatasetRow): ImageShape {
    return { height: r.height, width: r.width, channels: r.channels };
  }

  function insertImages(id: string, s: ImportedSplit<RawImages | StagedPixels>, numClasses: number, file: string): number[] {
    const counts = new Array<number>(numClasses).fill(0);
    const n = s.images.count;
    const chunkSql = (rows: number) =>
      `INSERT INTO images (dataset_id, split, idx, label, origin) VALUES ${new Array(rows).fill('(?,?,?,?,?)').join(',')}`;
    const full = db.prepare(chunkSql(CHUNK));
    for (let start = 0; start < n; start += CHUNK) {
      const end = Math.min(n, start + CHUNK);
      const params: SqlValue[] = new Array((end - start) * 5);
      let p = 0;
      for (let i = start; i < end; i++) {
        const label = s.labels[i];
        // checked here, in the same pass as the insert: a bad label aborts the transaction
        if (label >= numClasses) {
          throw new InputError(file, `split "${s.name}": image ${i} has label ${label} but the dataset has ${numClasses} classes`);
        }
        counts[label]++;
        params[p++] = id;
        params[p++] = s.name;
        params[p++] = i;
        params[p++] = label;
        params[p++] = s.origins ? s.origins[i] : null;
      }
      (end - start === CHUNK ? full : db.prepare(chunkSql(end - start))).run(params);
    }
    return counts;
  }

  function pixelsFile(id: string, split: string): string {
    return path.join(pixelsDir(root, id), `${split}.u8`);
  }

  /** The split's pixel file, checked for its size (no read of its content). */
  function checkedPixels(id: string, split: string): { file: string; shape: ImageShape; count: number; what: string } {
    const r = row(id);
    const s = splitRow(id, split);
    const shape = shapeOf(r);
    const file = path.join(root, s.pixels_file);
    const expected = s.count * imageSize(shape);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      throw new WorkspaceError(file, `pixel file of ${id}/${split} is missing (${(err as Error).message})`, 'corrupt', { cause: err });
    }
    if (size !== expected) {
      throw new WorkspaceError(file, `pixel file has ${size} bytes, expected ${expected} (${s.count} images of ${shape.height}x${shape.width}x${shape.channels})`, 'corrupt');
    }
    return { file, shape, count: s.count, what: `${id}/${split}` };
  }

  /**
   * A split's labels, N bytes: read from `<split>.labels.u8` beside the pixels (a million labels
   * in one small read instead of a million SQLite rows), written from the image rows the first
   * time (best effort: a read-only workspace answers from SQLite every time).
   */
  function labelColumn(id: string, split: string): Uint8Array {
    const s = splitRow(id, split);
    const file = path.join(root, s.pixels_file).replace(/\.u8$/, '') + '.labels.u8';
    try {
      if (fs.statSync(file).size === s.count) return new Uint8Array(fs.readFileSync(file));
    } catch {
      /* not written yet */
    }
    const labels = db.column('SELECT label FROM images WHERE dataset_id = ? AND split = ? ORDER BY idx', [id, split]);
    if (labels.length !== s.count) {
      throw new WorkspaceError(root, `dataset ${id} split "${split}" has ${labels.length} image rows, expected ${s.count}`, 'corrupt');
    }
    const out = Uint8Array.from(labels as number[]);
    try {
      writeFileAtomic(file, out);
    } catch {
      /* read-only: fine */
    }
    return out;
  }

  function columnArraysOf(id: string): ImageColumnArrays {
    row(id);
    const splits = splitRows(id);
    const label = new Uint8Array(splits.reduce((a, s) => a + s.count, 0));
    let r = 0;
    for (const s of splits) {
      // image rows are numbered 0..count-1 in file order; labels come from the label file
      label.set(labelColumn(id, s.name), r);
      r += s.count;
    }
    return { datasetId: id, splitNames: splits.map((s) => s.name), splitCounts: splits.map((s) => s.count), label };
  }

  return {
    insert(imported, name) {
      validate(imported, name);
      const id = imported.datasetId ?? newId('ds');
      const dir = pixelsDir(root, id);
      const createdAt = nowIso();
      const numClasses = imported.classNames.length;
      const file = imported.sourcePath || '(dataset)';
      try {
        fs.mkdirSync(dir, { recursive: true });
        const hashes = imported.splits.map((s) => {
          // labels beside the pixels, so engine jobs never read them back from the database
          writeFileAtomic(path.join(dir, `${s.name}.labels.u8`), s.labels);
          if (!('data' in s.images)) {
            fs.renameSync(s.images.file, pixelsFile(id, s.name));
            return s.images.sha256;
          }
          writeFileAtomic(pixelsFile(id, s.name), s.images.data);
          return sha256(s.images.data);
        });
        db.tx(() => {
          db.run(
            `INSERT INTO datasets (id, name, source_kind, source_path, height, width, channels, class_names, warnings, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [id, name.trim(), imported.kind, imported.sourcePath, imported.shape.height, imported.shape.width, imported.shape.channels,
              JSON.stringify(imported.classNames), JSON.stringify(imported.warnings ?? []), createdAt],
          );
          imported.splits.forEach((s, position) => {
            const rel = path.posix.join(PIXELS_DIR, id, `${s.name}.u8`);
            db.run(
              `INSERT INTO splits (dataset_id, name, position, count, pixels_file, sha256, origin, class_counts)
               VALUES (?, ?, ?, ?, ?, ?, ?, '[]')`,
              [id, s.name, position, s.images.count, rel, hashes[position], s.origin],
            );
            const counts = insertImages(id, s, numClasses, file);
            db.run('UPDATE splits SET class_counts = ? WHERE dataset_id = ? AND name = ?', [JSON.stringify(counts), id, s.name]);
          });
        });
      } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      return summary(row(id));
    },

    list() {
      return db.all<DatasetRow>('SELECT * FROM datasets ORDER BY created_at, id').map(summary);
    },

    get(id) {
      return summary(row(id));
    },

    remove(id) {
      const removed = db.tx(() => db.run('DELETE FROM datasets WHERE id = ?', [id]).changes > 0);
      // after the commit; a failure here leaves an orphan folder that the next open sweeps
      fs.rmSync(pixelsDir(root, id), { recursive: true, force: true });
      return removed;
    },

    columns(id) {
      const c = columnArraysOf(id);
      const split: number[] = [];
      const index: number[] = [];
      c.splitCounts.forEach((count, si) => {
        for (let i = 0; i < count; i++) {
          split.push(si);
          index.push(i);
        }
      });
      return { datasetId: id, splitNames: c.splitNames, split, index, label: Array.from(c.label) };
    },

    columnArrays: (id) => columnArraysOf(id),

    labels(id, split) {
      const s = splitRow(id, split);
      const labels = db.column('SELECT label FROM images WHERE dataset_id = ? AND split = ? ORDER BY idx', [id, split]);
      if (labels.length !== s.count) {
        throw new WorkspaceError(root, `dataset ${id} split "${split}" has ${labels.length} labels, expected ${s.count}`, 'corrupt');
      }
      return Uint8Array.from(labels as number[]);
    },

    readImages(id, split, offset, count) {
      const p = checkedPixels(id, split);
      return { shape: p.shape, count, data: readRange(p.file, p.what, imageSize(p.shape), p.count, offset, count) };
    },

    readImageIndices(id, split, indices) {
      const p = checkedPixels(id, split);
      return { shape: p.shape, count: indices.length, data: readIndices(p.file, p.what, imageSize(p.shape), p.count, indices) };
    },

    image(id, split, index) {
      const r = row(id);
      const s = splitRow(id, split);
      if (!Number.isInteger(index) || index < 0 || index >= s.count) {
        throw new WorkspaceError(root, `image index ${index} is out of range for ${id}/${split} (0..${s.count - 1})`, 'not-found');
      }
      const img = db.get<{ label: number; origin: string | null }>('SELECT label, origin FROM images WHERE dataset_id = ? AND split = ? AND idx = ?', [id, split, index]);
      if (!img) throw new WorkspaceError(root, `dataset ${id} has no image row ${split}/${index}`, 'corrupt');
      const shape = shapeOf(r);
      const pixels = readRange(path.join(root, s.pixels_file), `${id}/${split}`, imageSize(shape), s.count, index, 1);
      const classNames = parseJson<string[]>(r.class_names, []);
      return {
        id: `${split}/${index}`,
        datasetId: id,
        split,
        index,
        label: img.label,
        className: classNames[img.label] ?? String(img.label),
        origin: img.origin ?? `${s.origin}#${index}`,
        shape,
        pixels,
      };
    },

    pixelsPath(id, split) {
      return path.join(root, splitRow(id, split).pixels_file);
    },

    splitSha256(id, split) {
      return splitRow(id, split).sha256;
    },

    verify(id) {
      const r = row(id);
      const problems: string[] = [];
      for (const s of splitRows(id)) {
        const file = path.join(root, s.pixels_file);
        try {
          const p = checkedPixels(r.id, s.name);
          const h = hashFile(p.file, p.what);
          if (h !== s.sha256) problems.push(`${file}: sha256 ${h} does not match the recorded ${s.sha256}`);
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
      return problems;
    },
  };
}
