/**
 * Sort and filter over every image of a dataset (70k rows and more) on typed arrays:
 * each sort order is an Int32Array permutation computed once by a stable counting sort
 * (keys are small integers: labels, steps), and a query is one linear pass over that
 * permutation with bit masks. No objects per row, no comparator sorts.
 */
import { DEFAULT_MAX_STEPS } from '../../../src-main/contract/validate';

/** Image columns as they arrive (typed arrays in a binary frame) or as plain arrays. */
export interface ColumnsLike {
  splitNames: string[];
  split: ArrayLike<number>;
  index: ArrayLike<number>;
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
  private readonly split: Int32Array;
  private readonly index: Int32Array;
  private readonly label: Int32Array;
  readonly splitNames: string[];
  readonly numClasses: number;
  private readonly rowOf: Int32Array[];
  private scores: RowScores | null = null;
  private readonly orders = new Map<string, Int32Array>();

  constructor(cols: ColumnsLike, numClasses?: number) {
    this.n = cols.label.length;
    if (cols.split.length !== this.n || cols.index.length !== this.n) {
      throw new Error(`image columns disagree in length: split ${cols.split.length}, index ${cols.index.length}, label ${cols.label.length}`);
    }
    this.split = Int32Array.from(cols.split as ArrayLike<number>);
    this.index = Int32Array.from(cols.index as ArrayLike<number>);
    this.label = Int32Array.from(cols.label as ArrayLike<number>);
    this.splitNames = [...cols.splitNames];
    let maxLabel = -1;
    for (let i = 0; i < this.n; i++) if (this.label[i] > maxLabel) maxLabel = this.label[i];
    this.numClasses = Math.max(numClasses ?? 0, maxLabel + 1);
    // index -> row, per split
    const maxIndex = new Int32Array(this.splitNames.length).fill(-1);
    for (let r = 0; r < this.n; r++) if (this.index[r] > maxIndex[this.split[r]]) maxIndex[this.split[r]] = this.index[r];
    this.rowOf = this.splitNames.map((_, s) => new Int32Array(maxIndex[s] + 1).fill(-1));
    for (let r = 0; r < this.n; r++) this.rowOf[this.split[r]][this.index[r]] = r;
  }

  /** The row of image `split/index`, or -1. */
  row(splitId: number, index: number): number {
    const m = this.rowOf[splitId];
    return m && index >= 0 && index < m.length ? m[index] : -1;
  }

  splitId(name: string): number {
    return this.splitNames.indexOf(name);
  }

  id(row: number): string {
    return `${this.splitNames[this.split[row]]}/${this.index[row]}`;
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
      for (let i = 0; i < sc.index.length; i++) {
        const r = this.row(s, sc.index[i]);
        if (r < 0) continue;
        rs.steps[r] = sc.steps[i];
        rs.robust[r] = sc.robust[i];
        rs.cleanPred[r] = sc.cleanPred[i];
        rs.foolPred[r] = sc.foolPred[i];
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

  /** Rows matching the query, in its sort order. */
  query(q: GridQuery): Int32Array {
    const order = this.order(q.sortKey, q.sortDir);
    const labelMask = mask(q.labels, this.numClasses);
    const splitMask = mask(q.splits, this.splitNames.length);
    const sc = this.scores;
    const predMask = sc ? mask(q.cleanPreds, this.numClasses) : null;
    const useScores = !!sc && (q.scoredOnly || q.robust !== 'any' || q.misclassified !== 'any' || !!predMask || q.stepsMin !== null || q.stepsMax !== null);
    const lo = q.stepsMin ?? -Infinity;
    const hi = q.stepsMax ?? Infinity;
    const out = new Int32Array(this.n);
    let m = 0;
    const label = this.label;
    const split = this.split;
    for (let i = 0; i < order.length; i++) {
      const r = order[i];
      if (labelMask && !labelMask[label[r]]) continue;
      if (splitMask && !splitMask[split[r]]) continue;
      if (useScores && sc) {
        const st = sc.steps[r];
        if (st < 0) continue;
        if (q.robust !== 'any' && (sc.robust[r] > 0) !== (q.robust === 'yes')) continue;
        if (q.misclassified !== 'any' && (sc.cleanPred[r] !== label[r]) !== (q.misclassified === 'yes')) continue;
        if (predMask && !predMask[sc.cleanPred[r]]) continue;
        if (st < lo || st > hi) continue;
      }
      out[m++] = r;
    }
    return out.slice(0, m);
  }

  /** The image a row shows: its split's name, its index in that split, its label. */
  image(row: number): GridImage {
    return { split: this.splitNames[this.split[row]], index: this.index[row], label: this.label[row] };
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
    for (const r of rows) if (this.split[r] === s) out.push(this.index[r]);
    return out;
  }

  /** Sets `bits[i]` (one byte per image of split `splitId`) for the images of the rows flagged in `flags` (one byte per row); returns how many. */
  markFlagged(flags: Uint8Array, splitId: number, bits: Uint8Array): number {
    let n = 0;
    for (let r = 0; r < this.n; r++) {
      if (flags[r] && this.split[r] === splitId) {
        bits[this.index[r]] = 1;
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
export function countingOrder(key: Int32Array, maxKey: number, desc: boolean): Int32Array {
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
