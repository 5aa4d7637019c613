/**
 * ImageFolder: a root holding `train/` and/or `test/` (each with class folders) gives one split
 * per subfolder of the root; a root of class folders gives one split, `train`. Class folders
 * may nest; files are sorted by relative path (code-unit order, locale-free), which is the
 * image index, and the relative path (from the root, `/`-separated) is kept as the origin.
 *
 * PNG and JPEG, recognised by their magic bytes (not the extension). All gray → 1 channel;
 * any colour image → 3 channels, gray ones replicated to RGB. Alpha is composited on black
 * (v * a / 255), so transparent pixels become background 0. Hidden files (`.name`),
 * `Thumbs.db` and `desktop.ini` are skipped; files directly in the root or a split folder
 * (not in a class folder) are ignored.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../../contract/types';
import type { ImportedDataset, ImportedSplit, ProgressFn } from '../../core/dataset';
import { InputError } from '../../core/errors';
import { decodeJpeg, isJpeg } from '../../core/jpeg';
import type { DecodedImage } from '../../core/png';
import { decodePng, isPng } from '../../core/png';
import { checkAbort, compareSplits, describeFsError, fsErrorKind, readInput } from './util';

export interface ImageFolderOptions {
  /** import only this split */
  split?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** refuse datasets whose pixels would exceed this many bytes; default 2 GiB */
  maxBytes?: number;
}

const SKIP = new Set(['thumbs.db', 'desktop.ini']);
const SPLIT_DIRS = ['train', 'test'];
const READ_CONCURRENCY = 16;
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

export async function importImageFolder(root: string, opts: ImageFolderOptions = {}): Promise<ImportedDataset> {
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  const { entries: all, splitNames, splitLayout } = await listEntries(root, opts.split);
  const classNames = [...new Set(all.map((e) => e.className))].sort(byCodeUnit);
  const classId = new Map(classNames.map((c, i) => [c, i]));
  const entries = all.filter((e) => e.rel !== '');
  if (entries.length === 0) throw new InputError(root, 'no image files in the class folders');

  // read and decode, a few files at a time
  const decoded: (DecodedImage | null)[] = new Array(entries.length).fill(null);
  const notImages: string[] = [];
  let next = 0;
  let done = 0;
  const total = entries.length;
  let pixelBytes = 0;
  let failed = false;
  const worker = async () => {
    while (next < entries.length && !failed) {
      const i = next++;
      checkAbort(opts.signal);
      const rel = entries[i].rel;
      const bytes = await readInput(join(root, rel), rel);
      if (isPng(bytes)) decoded[i] = decodePng(bytes, rel);
      else if (isJpeg(bytes)) decoded[i] = decodeJpeg(bytes, rel);
      else notImages.push(rel);
      const d = decoded[i];
      if (d) {
        pixelBytes += d.width * d.height * 3;
        if (pixelBytes > maxBytes) throw new InputError(root, `too large: the images need more than the limit of ${maxBytes} bytes`);
      }
      done++;
      if (done % 256 === 0) opts.onProgress?.(done, total, rel);
    }
  };
  const guarded = () =>
    worker().catch((e: unknown) => {
      failed = true;
      throw e;
    });
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, entries.length) }, guarded));
  checkAbort(opts.signal);
  if (notImages.length > 0) {
    notImages.sort(byCodeUnit);
    throw new InputError(root, `${notImages.length} file${notImages.length === 1 ? ' is' : 's are'} not PNG or JPEG images: ${listFew(notImages)}`);
  }
  const images = decoded as DecodedImage[];

  // one size for all: the most common one
  const sizes = new Map<string, number>();
  for (const d of images) sizes.set(`${d.width}x${d.height}`, (sizes.get(`${d.width}x${d.height}`) ?? 0) + 1);
  if (sizes.size > 1) {
    const expected = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const odd = entries.map((e, i) => ({ rel: e.rel, size: `${images[i].width}x${images[i].height}` })).filter((x) => x.size !== expected);
    throw new InputError(
      root,
      `mixed image sizes: expected ${expected} (width x height, as ${sizes.get(expected)} files are) but ${odd.length} file${odd.length === 1 ? ' differs' : 's differ'}: ${listFew(odd.map((o) => `${o.rel} (${o.size})`))}`,
    );
  }
  const { width, height } = images[0];
  const channels: 1 | 3 = images.some((d) => d.channels >= 3) ? 3 : 1;
  const shape: ImageShape = { height, width, channels };
  const size = height * width * channels;

  const splits: ImportedSplit[] = [];
  for (const name of splitNames) {
    const idx: number[] = [];
    entries.forEach((e, i) => e.split === name && idx.push(i));
    const data = new Uint8Array(idx.length * size);
    const labels = new Uint8Array(idx.length);
    const origins: string[] = [];
    idx.forEach((i, k) => {
      toChannels(images[i], channels, data.subarray(k * size, (k + 1) * size));
      labels[k] = classId.get(entries[i].className) as number;
      origins.push(entries[i].rel);
    });
    splits.push({ name, images: { shape, count: idx.length, data }, labels, origin: splitLayout ? `${name}/` : './', origins });
  }
  if (classNames.length > 256) throw new InputError(root, `${classNames.length} class folders: at most 256 are supported`);
  const warnings: string[] = [];
  for (const s of splits) {
    const present = new Set(s.labels);
    const missing = classNames.filter((_, c) => !present.has(c));
    if (missing.length > 0 && splits.length > 1) warnings.push(`${root}: split ${s.name} has no images of class${missing.length === 1 ? '' : 'es'} ${listFew(missing)}`);
  }
  opts.onProgress?.(total, total, 'done');
  return { kind: 'imagefolder', sourcePath: root, shape, classNames, splits, warnings };
}

function listFew(items: string[]): string {
  const head = items.slice(0, LIST_FIRST).join(', ');
  return items.length > LIST_FIRST ? `${head} and ${items.length - LIST_FIRST} more` : head;
}

/** Write image `d` into `out` with `channels` channels: gray→RGB replicate, alpha composited on black. */
function toChannels(d: DecodedImage, channels: 1 | 3, out: Uint8Array): void {
  const src = d.data;
  const n = d.width * d.height;
  if (d.channels === channels) {
    out.set(src);
    return;
  }
  if (d.channels === 1) {
    for (let p = 0; p < n; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = src[p];
  } else if (d.channels === 2) {
    for (let p = 0; p < n; p++) {
      const v = Math.round((src[2 * p] * src[2 * p + 1]) / 255);
      if (channels === 1) out[p] = v;
      else out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = v;
    }
  } else {
    // RGBA (channels is 3 here: any colour image makes the set RGB)
    for (let p = 0; p < n; p++) {
      const a = src[4 * p + 3];
      out[3 * p] = Math.round((src[4 * p] * a) / 255);
      out[3 * p + 1] = Math.round((src[4 * p + 1] * a) / 255);
      out[3 * p + 2] = Math.round((src[4 * p + 2] * a) / 255);
    }
  }
}
