/**
 * ImageFolder: a root holding `train/` and/or `test/` (each with class folders) gives one split
 * per subfolder of the root; a root of class folders gives one split, `train`. Class folders
 * may nest; files are sorted by relative path (code-unit order, locale-free), which is the
 * image index, and the relative path (from the root, `/`-separated) is kept as the origin.
 *
 * Decoded with sharp (PNG, JPEG, WebP, TIFF, GIF, AVIF; recognised by their magic bytes, not the
 * extension), or the pure PNG/JPEG decoders where sharp cannot load (with a warning on the
 * dataset). By default every file must share one size, imported unresized; `size` + `fit`
 * resize a folder of mixed sizes. Colour `auto`: all gray → 1 channel; any colour image → 3
 * channels, gray ones replicated to RGB. Alpha is composited on black (v * a / 255), so
 * transparent pixels become background 0. Two passes: headers, then decode a window of files
 * at a time straight into the pixel sink (never the whole split in memory). Hidden files (`.name`),
 * `Thumbs.db` and `desktop.ini` are skipped; files directly in the root or a split folder
 * (not in a class folder) are ignored.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../../contract/types';
import type { ImportedDataset, ImportedSplit, PixelSink, ProgressFn, StagedPixels } from '../../core/dataset';
import { InputError } from '../../core/errors';
import type { RawImages } from '../../core/image';
import { loadSharp } from '../native/sharp-loader';
import type { ColorMode, ImageFit, ProbedImage } from './image-decode';
import { pureDecoder, readBytes, sharpDecoder } from './image-decode';
import { memorySink } from './sink';
import { checkAbort, compareSplits, describeFsError, fsErrorKind } from './util';

export type { ColorMode, ImageFit };

export interface ImageFolderOptions<P extends RawImages | StagedPixels = RawImages> {
  /** where pixels go, chunk by chunk (default: memory; the service passes the workspace's stage) */
  sink?: PixelSink<P>;
  /** target size (default: the folder's single size, unresized) */
  size?: { width: number; height: number };
  /** with `size`: resize (stretch), crop (centre) or pad (letterbox on black) */
  fit?: ImageFit;
  /** auto (1 channel when every file is gray), rgb or gray */
  color?: ColorMode;
  /** import only this split */
  split?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** refuse datasets whose pixels would exceed this many bytes; default 64 GiB */
  maxBytes?: number;
}

const SKIP = new Set(['thumbs.db', 'desktop.ini']);
const SPLIT_DIRS = ['train', 'test'];
const READ_CONCURRENCY = 8;
/** files decoded per write to the sink */
const WINDOW = 256;
/** how many offending files an error lists before "and N more" */
const LIST_FIRST = 5;

interface Entry {
  split: string;
  className: string;
  rel: string; // relative to the root, '/'-separated
}

async function listDir(path: string): Promise<{ dirs: string[]; files: string[] }> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (e) {
    throw new InputError(path, describeFsError(e), fsErrorKind(e));
  }
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || SKIP.has(e.name.toLowerCase())) continue;
    if (e.isDirectory()) dirs.push(e.name);
    else if (e.isFile()) files.push(e.name);
  }
  return { dirs: dirs.sort(byCodeUnit), files: files.sort(byCodeUnit) };
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function walkFiles(root: string, rel: string, out: string[]): Promise<void> {
  const { dirs, files } = await listDir(join(root, rel));
  for (const f of files) out.push(`${rel}/${f}`);
  for (const d of dirs) await walkFiles(root, `${rel}/${d}`, out);
}

/** True when `root` holds split folders (train/ and/or test/ containing class folders). */
export async function hasSplitLayout(root: string): Promise<boolean> {
  const { dirs } = await listDir(root);
  for (const s of SPLIT_DIRS) {
    if (dirs.includes(s) && (await listDir(join(root, s))).dirs.length > 0) return true;
  }
  return false;
}

async function listEntries(root: string, only?: string): Promise<{ entries: Entry[]; splitNames: string[]; splitLayout: boolean }> {
  const { dirs } = await listDir(root);
  const split = await hasSplitLayout(root);
  const splitDirs = split ? dirs.filter((d) => only === undefined || d === only) : [];
  if (!split && only !== undefined && only !== 'train') throw new InputError(root, `no split "${only}": this folder of class folders is one split, train`);
  if (split && splitDirs.length === 0) throw new InputError(root, `no split folder "${only}" (found ${dirs.join(', ')})`);
  const entries: Entry[] = [];
  const splitNames = split ? splitDirs.sort(compareSplits) : ['train'];
  for (const s of splitNames) {
    const base = split ? s : '';
    const classes = split ? (await listDir(join(root, s))).dirs : dirs;
    if (classes.length === 0) throw new InputError(split ? join(root, s) : root, 'no class folders');
    const files: string[] = [];
    for (const c of classes) {
      const found: string[] = [];
      await walkFiles(root, base ? `${base}/${c}` : c, found);
      for (const rel of found) files.push(rel);
      if (found.length === 0) entries.push({ split: s, className: c, rel: '' }); // an empty class still exists
    }
    files.sort(byCodeUnit);
    for (const rel of files) {
      const parts = rel.split('/');
      entries.push({ split: s, className: split ? parts[1] : parts[0], rel });
    }
  }
  return { entries, splitNames, splitLayout: split };
}

export async function importImageFolder<P extends RawImages | StagedPixels = RawImages>(root: string, opts: ImageFolderOptions<P> = {}): Promise<ImportedDataset<P>> {
  const maxBytes = opts.maxBytes ?? 2 ** 36;
  const { entries: all, splitNames, splitLayout } = await listEntries(root, opts.split);
  const classNames = [...new Set(all.map((e) => e.className))].sort(byCodeUnit);
  const classId = new Map(classNames.map((c, i) => [c, i]));
  const entries = all.filter((e) => e.rel !== '');
  if (entries.length === 0) throw new InputError(root, 'no image files in the class folders');
  if (classNames.length > 256) throw new InputError(root, `${classNames.length} class folders: at most 256 are supported`);
  const { sharp, reason } = loadSharp();
  const decoder = sharp ? sharpDecoder(sharp) : pureDecoder();
  const warnings: string[] = [];
  if (!sharp) warnings.push(`${root}: decoded with the built-in PNG/JPEG decoders because sharp (libvips) could not be loaded (${reason}); WebP, TIFF, GIF, AVIF and resizing need sharp`);
  const total = entries.length * 2;

  // pass 1: headers only (sizes, gray or colour), a few files at a time
  const probes: (ProbedImage | null)[] = new Array(entries.length).fill(null);
  const notImages: string[] = [];
  let done = 0;
  await inParallel(entries.length, READ_CONCURRENCY, async (i) => {
    checkAbort(opts.signal);
    const rel = entries[i].rel;
    const p = await decoder.probe(await readBytes(join(root, rel), rel), rel);
    if (p) probes[i] = p;
    else notImages.push(rel);
    if (++done % 256 === 0) opts.onProgress?.(done, total, rel);
  });
  checkAbort(opts.signal);
  if (notImages.length > 0) {
    notImages.sort(byCodeUnit);
    throw new InputError(root, `${notImages.length} file${notImages.length === 1 ? ' is' : 's are'} not ${decoder.formats} images: ${listFew(notImages)}`);
  }
  const probed = probes as ProbedImage[];

  let width: number;
  let height: number;
  if (opts.size) {
    ({ width, height } = opts.size);
  } else {
    // one size for all: the most common one
    const sizes = new Map<string, number>();
    for (const d of probed) sizes.set(`${d.width}x${d.height}`, (sizes.get(`${d.width}x${d.height}`) ?? 0) + 1);
    if (sizes.size > 1) {
      const expected = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0][0];
      const odd = entries.map((e, i) => ({ rel: e.rel, size: `${probed[i].width}x${probed[i].height}` })).filter((x) => x.size !== expected);
      throw new InputError(
        root,
        `mixed image sizes: expected ${expected} (width x height, as ${sizes.get(expected)} files are) but ${odd.length} file${odd.length === 1 ? ' differs' : 's differ'}: ${listFew(odd.map((o) => `${o.rel} (${o.size})`))}; choose a target size and fit to resize them (rpr import --size WxH --fit resize|crop|pad)`,
      );
    }
    ({ width, height } = probed[0]);
  }
  const color = opts.color ?? 'auto';
  const channels: 1 | 3 = color === 'gray' ? 1 : color === 'rgb' ? 3 : probed.every((d) => d.gray) ? 1 : 3;
  const shape: ImageShape = { height, width, channels };
  const size = height * width * channels;
  if (size * entries.length > maxBytes) throw new InputError(root, `too large: ${entries.length} images of ${width}x${height}x${channels} need more than the limit of ${maxBytes} bytes`);
  const target = { width, height, channels, fit: opts.fit ?? 'resize' } as const;

  // pass 2: decode in file order, a window at a time, straight into the sink
  const sink = opts.sink ?? (memorySink() as unknown as PixelSink<P>);
  const splits: ImportedSplit<P>[] = [];
  for (const name of splitNames) {
    const idx: number[] = [];
    entries.forEach((e, i) => e.split === name && idx.push(i));
    const labels = new Uint8Array(idx.length);
    const origins: string[] = [];
    const writer = sink.open(name, shape, idx.length);
    try {
      const buf = new Uint8Array(WINDOW * size);
      for (let w = 0; w < idx.length; w += WINDOW) {
        const n = Math.min(WINDOW, idx.length - w);
        await inParallel(n, READ_CONCURRENCY, async (k) => {
          checkAbort(opts.signal);
          const e = entries[idx[w + k]];
          buf.set(await decoder.decode(await readBytes(join(root, e.rel), e.rel), e.rel, target), k * size);
          if (++done % 256 === 0) opts.onProgress?.(done, total, e.rel);
        });
        for (let k = 0; k < n; k++) {
          const e = entries[idx[w + k]];
          labels[w + k] = classId.get(e.className) as number;
          origins.push(e.rel);
        }
        await writer.write(buf.subarray(0, n * size));
      }
      splits.push({ name, images: await writer.finish(), labels, origin: splitLayout ? `${name}/` : './', origins });
    } catch (e) {
      await writer.abort();
      throw e;
    }
  }
  for (const s of splits) {
    const present = new Set(s.labels);
    const missing = classNames.filter((_, c) => !present.has(c));
    if (missing.length > 0 && splits.length > 1) warnings.push(`${root}: split ${s.name} has no images of class${missing.length === 1 ? '' : 'es'} ${listFew(missing)}`);
  }
  opts.onProgress?.(total, total, 'done');
  return { kind: 'imagefolder', sourcePath: root, shape, classNames, splits, warnings, datasetId: sink.datasetId };
}

/** Runs `fn(0..n-1)` with at most `limit` at once; the first failure stops the rest. */
async function inParallel(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < n && !failed) {
      const i = next++;
      try {
        await fn(i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

function listFew(items: string[]): string {
  const head = items.slice(0, LIST_FIRST).join(', ');
  return items.length > LIST_FIRST ? `${head} and ${items.length - LIST_FIRST} more` : head;
}
