/**
 * Thumbnail tiles for the grid: an LRU of images (keyed `split/index`) bounded in bytes, filled
 * by `datasets.thumbs` calls that return binary frames. Only what is near the viewport is
 * asked for: consecutive indices go as a range, scattered ones (a sorted view) as a list;
 * a newer request supersedes images of an older one not yet sent.
 */
import type { ImageShape } from '../../../src-main/contract';
import { decodeThumbs, type ThumbsFrame } from '../../../src-main/contract/frame';

/** Largest images per call (the contract's THUMBS_MAX). */
export const THUMBS_PER_CALL = 4096;
/** Images per call the loader asks for: small enough that the screen's tiles land first. */
export const LOADER_BATCH = 768;

export class TileCache {
  private readonly map = new Map<string, Uint8Array>();
  private used = 0;
  constructor(readonly maxBytes = 96 * 1024 * 1024) {}

  get size(): number {
    return this.map.size;
  }
  get bytes(): number {
    return this.used;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  /** The image, marked most recently used. */
  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  put(key: string, px: Uint8Array): void {
    const old = this.map.get(key);
    if (old) {
      this.used -= old.byteLength;
      this.map.delete(key);
    }
    this.map.set(key, px);
    this.used += px.byteLength;
    for (const [k, v] of this.map) {
      if (this.used <= this.maxBytes) break;
      this.map.delete(k);
      this.used -= v.byteLength;
    }
  }
  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}

export type FetchThumbs = (req: { split: string; offset?: number; count?: number; indices?: number[] }) => Promise<Uint8Array>;

export interface WantedImage {
  split: string;
  index: number;
}

/** Requests grouped per split: dense runs as ranges, the rest as index lists. */
export function planRequests(wanted: WantedImage[], max = THUMBS_PER_CALL): { split: string; offset?: number; count?: number; indices?: number[] }[] {
  const bySplit = new Map<string, number[]>();
  for (const w of wanted) {
    let a = bySplit.get(w.split);
    if (!a) bySplit.set(w.split, (a = []));
    a.push(w.index);
  }
  const out: { split: string; offset?: number; count?: number; indices?: number[] }[] = [];
  for (const [split, list] of bySplit) {
    const idx = [...new Set(list)].sort((x, y) => x - y);
    let loose: number[] = [];
    const flush = () => {
      for (let k = 0; k < loose.length; k += max) out.push({ split, indices: loose.slice(k, k + max) });
      loose = [];
    };
    let i = 0;
    while (i < idx.length) {
      let e = i + 1;
      while (e < idx.length && idx[e] === idx[e - 1] + 1 && e - i < max) e++;
      if (e - i >= 16) out.push({ split, offset: idx[i], count: e - i });
      else loose.push(...idx.slice(i, e));
      i = e;
    }
    flush();
  }
  return out;
}

/** Loads tiles for a dataset into a cache; `onLoaded` fires after each frame lands. */
export class TileLoader {
  readonly cache: TileCache;
  private inFlight = new Set<string>();
  private pending: WantedImage[] = [];
  private running = 0;
  private generation = 0;
  requests = 0;
  bytesLoaded = 0;

  constructor(
    private readonly fetch: FetchThumbs,
    readonly shape: ImageShape,
    private readonly onLoaded: () => void,
    private readonly onError: (e: unknown) => void = () => {},
    cache?: TileCache,
    private readonly concurrency = 2,
  ) {
    this.cache = cache ?? new TileCache();
  }

  static key(split: string, index: number): string {
    return `${split}/${index}`;
  }

  get(split: string, index: number): Uint8Array | undefined {
    return this.cache.get(TileLoader.key(split, index));
  }

  /** Whether the image is loaded (without marking it used). */
  has(split: string, index: number): boolean {
    return this.cache.has(TileLoader.key(split, index));
  }

  /** Ask for these images (most important first); replaces what was wanted before. */
  want(images: WantedImage[]): void {
    this.generation++;
    this.pending = images.filter((w) => {
      const k = TileLoader.key(w.split, w.index);
      return !this.cache.has(k) && !this.inFlight.has(k);
    });
    this.pump();
  }

  /** Drop everything (another dataset): later frames of this loader are ignored. */
  dispose(): void {
    this.generation++;
    this.pending = [];
    this.cache.clear();
    this.disposed = true;
  }
  private disposed = false;

  private pump(): void {
    while (this.running < this.concurrency && this.pending.length) {
      // one call's worth: the next LOADER_BATCH wanted images (nearest the viewport first)
      const batch = this.pending.splice(0, LOADER_BATCH);
      const reqs = planRequests(batch);
      const first = reqs.shift();
      // what the plan did not fit in the first request goes back to the front of the queue
      const rest = reqs.flatMap((r) => (r.indices ? r.indices.map((index) => ({ split: r.split, index })) : Array.from({ length: r.count! }, (_, k) => ({ split: r.split, index: r.offset! + k }))));
      this.pending.unshift(...rest);
      if (!first) break;
      const keys = first.indices ? first.indices.map((i) => TileLoader.key(first.split, i)) : Array.from({ length: first.count! }, (_, k) => TileLoader.key(first.split, first.offset! + k));
      keys.forEach((k) => this.inFlight.add(k));
      this.running++;
      this.requests++;
      void this.fetch(first)
        .then((bytes) => {
          if (this.disposed) return;
          this.bytesLoaded += bytes.byteLength;
          this.store(decodeThumbs(bytes));
          this.onLoaded();
        })
        .catch((e) => this.onError(e))
        .finally(() => {
          keys.forEach((k) => this.inFlight.delete(k));
          this.running--;
          this.pump();
        });
    }
  }

  private store(f: ThumbsFrame): void {
    const size = f.shape.height * f.shape.width * f.shape.channels;
    for (let k = 0; k < f.count; k++) {
      const index = f.indices ? f.indices[k] : f.offset + k;
      // a copy: a view would keep the whole frame alive in the LRU
      this.cache.put(TileLoader.key(f.split, index), f.pixels.slice(k * size, (k + 1) * size));
    }
  }
}
