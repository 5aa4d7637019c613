/**
 * Sort and filter over every image of a dataset (70k rows and more) on typed arrays:
 * each sort order is an Int32Array permutation computed once by a stable counting sort
 * (keys are small integers: labels, steps), and a query is one linear pass over that
 * permutation with bit masks. No objects per row, no comparator sorts.
 */
import { DEFAULT_MAX_STEPS } from '../../../src-main/contract/validate';

/**
 * The columns as datasets.columns sends them (typed arrays in a binary frame, or plain
 * arrays): rows are the splits' images split by split (in `splitNames` order), each split's
 * images 0..count−1; one label per row.
 */
export interface ColumnsLike {
  splitNames: string[];
  splitCounts: ArrayLike<number>;
  label: ArrayLike<number>;
}

/** Score columns: typed arrays (scoring.scores) or plain arrays. */
export type ScoresLike = { [K in 'index' | 'steps' | 'robust' | 'cleanPred' | 'foolPred']: ArrayLike<number> };

export type SortKey = 'id' | 'label' | 'steps' | 'robust' | 'cleanPred';
export type SortDir = 'asc' | 'desc';
export type TriState = 'any' | 'yes' | 'no';

export interface GridQuery {
  sortKey: SortKey;
  sortDir: SortDir;
  /** class ids to keep; null or empty = all */
  labels: number[] | null;
  /** split ids (positions in splitNames) to keep; null or empty = all */
  splits: number[] | null;
  robust: TriState;
  misclassified: TriState;
  /** clean predictions to keep; null or empty = all */
  cleanPreds: number[] | null;
  stepsMin: number | null;
  stepsMax: number | null;
  /** rows only of scored images (set when a run is selected) */
  scoredOnly: boolean;
}

export const defaultQuery = (): GridQuery => ({
  sortKey: 'id',
  sortDir: 'asc',
  labels: null,
  splits: null,
  robust: 'any',
  misclassified: 'any',
  cleanPreds: null,
  stepsMin: null,
  stepsMax: null,
  scoredOnly: false,
});

/** Per-row score columns aligned with the grid rows; -1 where a row has no score. */
export interface RowScores {
  steps: Int32Array;
  robust: Int32Array;
  cleanPred: Int32Array;
  foolPred: Int32Array;
  maxSteps: number;
}

export class GridIndex {
  readonly n: number;
  /** the split of each row (a position in splitNames) */
  private readonly split: Uint8Array;
  /** the first row of each split, and n at the end: row = start[split] + index */
  private readonly start: Int32Array;
  private readonly label: Uint8Array;
  readonly splitNames: string[];
  readonly numClasses: number;
  private scores: RowScores | null = null;
  private readonly orders = new Map<string, Int32Array>();

  constructor(cols: ColumnsLike, numClasses?: number) {
    this.n = cols.label.length;
    const counts = Array.from(cols.splitCounts);
    const total = counts.reduce((a, c) => a + c, 0);
    if (total !== this.n || counts.length !== cols.splitNames.length || cols.splitNames.length > 255) {
      throw new Error(`image columns disagree: ${cols.splitNames.length} split names, ${counts.length} split counts summing to ${total}, ${this.n} labels`);
    }
    this.splitNames = [...cols.splitNames];
    this.start = new Int32Array(counts.length + 1);
    this.split = new Uint8Array(this.n);
    counts.forEach((c, s) => {
      this.start[s + 1] = this.start[s] + c;
      this.split.fill(s, this.start[s], this.start[s + 1]);
    });
    this.label = cols.label instanceof Uint8Array ? cols.label : Uint8Array.from(cols.label);
    let maxLabel = -1;
    for (let i = 0; i < this.n; i++) if (this.label[i] > maxLabel) maxLabel = this.label[i];
    this.numClasses = Math.max(numClasses ?? 0, maxLabel + 1);
  }

  /** The row of image `split/index`, or -1. */
  row(splitId: number, index: number): number {
    if (splitId < 0 || splitId >= this.splitNames.length) return -1;
    const r = this.start[splitId] + index;
    return index >= 0 && r < this.start[splitId + 1] ? r : -1;
  }

  /** A row's index in its split. */
  private indexOf(row: number): number {
    return row - this.start[this.split[row]];
  }

  splitId(name: string): number {
    return this.splitNames.indexOf(name);
  }

  id(row: number): string {
    return `${this.splitNames[this.split[row]]}/${this.indexOf(row)}`;
  }

  /** Attach a scoring run's per-image scores (of one split), or detach with null. */
  setScores(sc: ScoresLike | null, splitName?: string, maxSteps = DEFAULT_MAX_STEPS): void {
    for (const k of [...this.orders.keys()]) if (k !== 'id' && k !== 'label') this.orders.delete(k);
    if (!sc || splitName === undefined) {
      this.scores = null;
      return;
    }
    const s = this.splitId(splitName);
    const rs: RowScores = {
      steps: new Int32Array(this.n).fill(-1),
      robust: new Int32Array(this.n).fill(-1),
      cleanPred: new Int32Array(this.n).fill(-1),
      foolPred: new Int32Array(this.n).fill(-1),
      maxSteps,
    };
    if (s >= 0) {
      // columns as locals: `sc` may be a Vue reactive proxy (a read through it per row is slow)
      const { index, steps, robust, cleanPred, foolPred } = sc;
      const first = this.start[s];
      const count = this.start[s + 1] - first;
      for (let i = 0; i < index.length; i++) {
        const ix = index[i];
        if (ix < 0 || ix >= count) continue;
        const r = first + ix;
        rs.steps[r] = steps[i];
        rs.robust[r] = robust[i];
        rs.cleanPred[r] = cleanPred[i];
        rs.foolPred[r] = foolPred[i];
      }
    }
    this.scores = rs;
  }

  /** The stable permutation of rows for a sort key and direction (cached). */
  order(key: SortKey, dir: SortDir): Int32Array {
    const cacheKey = `${key}:${dir}`;
    const hit = this.orders.get(cacheKey);
    if (hit) return hit;
    let out: Int32Array;
    if (key === 'id') {
      out = new Int32Array(this.n);
      for (let i = 0; i < this.n; i++) out[i] = dir === 'asc' ? i : this.n - 1 - i;
    } else if (key === 'label') {
      out = countingOrder(this.label, this.numClasses - 1, dir === 'desc');
    } else {
      const sc = this.scores;
      if (!sc) return this.order('id', dir);
      if (key === 'steps') out = countingOrder(sc.steps, sc.maxSteps, dir === 'desc');
      else if (key === 'cleanPred') out = countingOrder(sc.cleanPred, Math.max(this.numClasses - 1, 0), dir === 'desc');
      else {
        // robustness = (robust, steps); composite integer key
        const comp = new Int32Array(this.n);
        const base = sc.maxSteps + 1;
        for (let i = 0; i < this.n; i++) comp[i] = sc.steps[i] < 0 ? -1 : (sc.robust[i] > 0 ? 1 : 0) * base + Math.min(sc.steps[i], sc.maxSteps);
        out = countingOrder(comp, 2 * base - 1, dir === 'desc');
      }
    }
    this.orders.set(cacheKey, out);
    return out;
  }

  /** Rows matching the query, in its sort order (read-only: it may be the cached order itself). */
  query(q: GridQuery): Int32Array {
    const order = this.order(q.sortKey, q.sortDir);
    const labelMask = mask(q.labels, this.numClasses);
    const splitMask = mask(q.splits, this.splitNames.length);
    const sc = this.scores;
    const predMask = sc ? mask(q.cleanPreds, this.numClasses) : null;
    const useScores = !!sc && (q.scoredOnly || q.robust !== 'any' || q.misclassified !== 'any' || !!predMask || q.stepsMin !== null || q.stepsMax !== null);
    // nothing filters (the first view of a dataset): the (cached, never changed) order is the answer
    if (!labelMask && !splitMask && !useScores) return order;
    // the query's fields and the columns as locals: `q` is often a Vue reactive proxy, and a
    // proxy read per row per field costs more than the whole filter
    const lo = q.stepsMin ?? -Infinity;
    const hi = q.stepsMax ?? Infinity;
    const robust = q.robust === 'any' ? -1 : q.robust === 'yes' ? 1 : 0;
    const mis = q.misclassified === 'any' ? -1 : q.misclassified === 'yes' ? 1 : 0;
    const out = new Int32Array(this.n);
    let m = 0;
    const label = this.label;
    const split = this.split;
    const steps = sc?.steps;
    const rob = sc?.robust;
    const pred = sc?.cleanPred;
    for (let i = 0; i < order.length; i++) {
      const r = order[i];
      if (labelMask && !labelMask[label[r]]) continue;
      if (splitMask && !splitMask[split[r]]) continue;
      if (useScores && steps && rob && pred) {
        const st = steps[r];
        if (st < 0) continue;
        if (robust >= 0 && (rob[r] > 0 ? 1 : 0) !== robust) continue;
        if (mis >= 0 && (pred[r] !== label[r] ? 1 : 0) !== mis) continue;
        if (predMask && !predMask[pred[r]]) continue;
        if (st < lo || st > hi) continue;
      }
      out[m++] = r;
    }
    return out.slice(0, m);
  }

  /** The image a row shows: its split's name, its index in that split, its label. */
  image(row: number): GridImage {
    return { split: this.splitNames[this.split[row]], index: this.indexOf(row), label: this.label[row] };
  }

  /** A row's score from the attached run, or null (no run attached, or the row was not scored). */
  scoreAt(row: number): RowScore | null {
    const sc = this.scores;
    if (!sc || sc.steps[row] < 0) return null;
    return { steps: sc.steps[row], robust: sc.robust[row] > 0, cleanPred: sc.cleanPred[row], foolPred: sc.foolPred[row] };
  }

  /** The indices (in split `name`) of the images these rows show, in the rows' order; rows of other splits are skipped. */
  indicesIn(name: string, rows: Iterable<number>): number[] {
    const s = this.splitId(name);
    const out: number[] = [];
    if (s < 0) return out;
    const first = this.start[s];
    for (const r of rows) if (this.split[r] === s) out.push(r - first);
    return out;
  }

  /** Sets `bits[i]` (one byte per image of split `splitId`) for the images of the rows flagged in `flags` (one byte per row); returns how many. */
  markFlagged(flags: Uint8Array, splitId: number, bits: Uint8Array): number {
    let n = 0;
    if (splitId < 0 || splitId >= this.splitNames.length) return n;
    const first = this.start[splitId];
    for (let r = first; r < this.start[splitId + 1]; r++) {
      if (flags[r]) {
        bits[r - first] = 1;
        n++;
      }
    }
    return n;
  }
}

/** What a grid row shows. */
export interface GridImage {
  split: string;
  index: number;
  label: number;
}

/** A scored row: 1-based steps to the first fooling draw (max steps when robust), clean and fooling predictions (-1 none). */
export interface RowScore {
  steps: number;
  robust: boolean;
  cleanPred: number;
  foolPred: number;
}

function mask(ids: number[] | null, size: number): Uint8Array | null {
  if (!ids || ids.length === 0) return null;
  const m = new Uint8Array(Math.max(size, 1));
  for (const id of ids) if (id >= 0 && id < m.length) m[id] = 1;
  return m;
}

/**
 * Stable counting sort of row ids by an integer key in -1..maxKey; -1 (no value) always last.
 * Ties keep row order (= id order), in both directions.
 */
export function countingOrder(key: ArrayLike<number>, maxKey: number, desc: boolean): Int32Array {
  const n = key.length;
  const buckets = maxKey + 2;
  const count = new Int32Array(buckets + 1);
  const bucketOf = (v: number): number => (v < 0 || v > maxKey ? maxKey + 1 : desc ? maxKey - v : v);
  for (let i = 0; i < n; i++) count[bucketOf(key[i]) + 1]++;
  for (let b = 0; b < buckets; b++) count[b + 1] += count[b];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[count[bucketOf(key[i])]++] = i;
  return out;
}
