/** Scoring runs and their per-image scores, committed batch by batch so a run can resume. */
import { createHash } from 'node:crypto';
import type { BackendName, InputScale, RunStats, SchemeSpec, ScoreColumnArrays, ScoreColumns, ScoringRunSummary } from '../contract/types';
import type { StoreContext } from './context';
import { notFound, parseJson } from './context';
import type { SqlValue } from './db';
import { WorkspaceError } from './errors';
import { newId, nowIso } from './ids';

/** A run's score rows in image order, the columns ScoreColumns holds. */
const SCORE_COLUMNS_SQL = 'SELECT idx, label, steps, robust, clean_pred, clean_conf, fool_pred, fool_upper FROM scores WHERE run_id = ? ORDER BY idx';

export type RunStatus = ScoringRunSummary['status'];

/** One image's result. */
export interface ScoreRow {
  index: number;
  label: number;
  /** 1-based step of the first fooling perturbation; maxSteps if robust; 0 if misclassified */
  steps: number;
  robust: 0 | 1;
  cleanPred: number;
  cleanConf: number;
  /** class predicted at the fooling step, -1 = never fooled */
  foolPred: number;
  foolUpper: number;
}

/** What identifies a run's results: equal params give equal scores (backend and workers aside). */
export interface RunParams {
  modelId: string;
  /** the model's content hash; looked up from the models table when omitted */
  modelHash?: string;
  datasetId: string;
  split: string;
  scheme: SchemeSpec;
  maxSteps: number;
  seed: number;
  /** `--shard i/n`: [i, n]; omitted for a whole split */
  shard?: [number, number] | null;
  /** the model's input scale (part of the identity: the same weights under another scale score differently); looked up when omitted */
  inputScale?: InputScale;
}

export interface CreateRunInput extends RunParams {
  backend: BackendName;
  workers: number;
  /** images this run will score */
  count: number;
  status?: RunStatus;
}

export interface RunRepository {
  create(input: CreateRunInput): ScoringRunSummary;
  get(id: string): ScoringRunSummary;
  /** newest first */
  list(datasetId?: string): ScoringRunSummary[];
  /** The newest run with identical params (same model hash) that is not done, or null. */
  findResumable(params: RunParams): ScoringRunSummary | null;
  /** Insert-or-replace a batch of scores and set `done`, in one transaction. */
  commitScores(runId: string, rows: readonly ScoreRow[], done: number): void;
  /** indices that already have a score */
  doneIndices(runId: string): Set<number>;
  /** all scores of the run, in index order */
  scores(runId: string): ScoreColumns;
  /** The same columns as typed arrays, filled row by row (what the grid gets; no per-row arrays). */
  scoreArrays(runId: string): ScoreColumnArrays;
  /** the score of one image, or null when it has none yet */
  scoreOf(runId: string, index: number): ScoreRow | null;
  setStatus(runId: string, status: RunStatus): void;
  /** the backend (and ONNX Runtime execution provider) that actually scored the run */
  setBackend(runId: string, backend: BackendName, executionProvider: string | null): void;
  /** status done, stats stored */
  finish(runId: string, stats: RunStats): ScoringRunSummary;
  /** also removes the scores */
  remove(runId: string): boolean;
  /** the params hash findResumable matches on */
  paramsHash(params: RunParams): string;
}

interface RunRow {
  id: string;
  model_id: string;
  dataset_id: string;
  split: string;
  scheme: string;
  max_steps: number;
  seed: number;
  backend: BackendName;
  execution_provider?: string | null;
  workers: number;
  status: RunStatus;
  count: number;
  done: number;
  stats: string | null;
  model_hash: string;
  shard: string | null;
  created_at: string;
  name?: string | null;
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const CHUNK = 400; // rows per multi-row INSERT (10 parameters each)
const COLS = '(run_id, idx, label, steps, robust, clean_pred, clean_conf, fool_pred, fool_upper)';

export function createRunRepository(ctx: StoreContext): RunRepository {
  const { db, root } = ctx;

  function toSummary(r: RunRow): ScoringRunSummary {
    return {
      id: r.id,
      modelId: r.model_id,
      datasetId: r.dataset_id,
      split: r.split,
      scheme: parseJson<SchemeSpec>(r.scheme, { name: 'paper', params: {} }),
      maxSteps: r.max_steps,
      seed: r.seed,
      backend: r.backend,
      ...(r.execution_provider ? { executionProvider: r.execution_provider } : {}),
      workers: r.workers,
      status: r.status,
      createdAt: r.created_at,
      count: r.count,
      done: r.done,
      stats: parseJson<RunStats | null>(r.stats, null),
      modelHash: r.model_hash,
      shard: r.shard ? (r.shard.split('/').map(Number) as [number, number]) : null,
      name: r.name ?? null,
    };
  }

  function modelHash(params: RunParams): string {
    if (params.modelHash) return params.modelHash;
    const h = db.value('SELECT hash FROM models WHERE id = ?', [params.modelId]);
    if (typeof h !== 'string') {
      throw new WorkspaceError(root, `no model ${JSON.stringify(params.modelId)} in this workspace and no model hash given`, 'not-found');
    }
    return h;
  }

  function inputScaleOf(modelId: string): InputScale {
    const v = db.value('SELECT input_scale FROM models WHERE id = ?', [modelId]);
    return typeof v === 'string' ? parseJson<InputScale>(v, 'unit') : 'unit';
  }

  function paramsHash(params: RunParams): string {
    const key: Record<string, unknown> = {
      modelHash: modelHash(params),
      datasetId: params.datasetId,
      split: params.split,
      scheme: { name: params.scheme.name, params: params.scheme.params ?? {} },
      maxSteps: params.maxSteps,
      seed: params.seed,
    };
    if (params.shard) key.shard = params.shard;
    // 'unit' (the default) leaves the key as it was, so runs made before scale was in the identity still match
    const scale = params.inputScale ?? inputScaleOf(params.modelId);
    if (scale !== 'unit') key.inputScale = scale;
    return createHash('sha256').update(canonicalJson(key)).digest('hex');
  }

  function getRow(id: string): RunRow {
    const r = db.get<RunRow>('SELECT * FROM scoring_runs WHERE id = ?', [id]);
    if (!r) throw notFound(ctx, 'scoring run', id);
    return r;
  }

  function chunkSql(rows: number): string {
    return `INSERT OR REPLACE INTO scores ${COLS} VALUES ${new Array(rows).fill('(?,?,?,?,?,?,?,?,?)').join(',')}`;
  }

  return {
    paramsHash,

    create(input) {
      const id = newId('run');
      const now = nowIso();
      const hash = paramsHash(input);
      const exists = db.value('SELECT 1 FROM datasets WHERE id = ?', [input.datasetId]);
      if (exists === undefined) throw notFound(ctx, 'dataset', input.datasetId);
      db.run(
        `INSERT INTO scoring_runs (id, model_id, model_hash, dataset_id, split, scheme, max_steps, seed, shard, backend, workers, status, count, done, stats, params_hash, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)`,
        [id, input.modelId, modelHash(input), input.datasetId, input.split, canonicalJson(input.scheme), input.maxSteps, input.seed,
          input.shard ? `${input.shard[0]}/${input.shard[1]}` : null, input.backend, input.workers, input.status ?? 'running', input.count, hash, now, now],
      );
      return toSummary(getRow(id));
    },

    get(id) {
      return toSummary(getRow(id));
    },

    list(datasetId) {
      const rows = datasetId === undefined
        ? db.all<RunRow>('SELECT * FROM scoring_runs ORDER BY created_at DESC, rowid DESC')
        : db.all<RunRow>('SELECT * FROM scoring_runs WHERE dataset_id = ? ORDER BY created_at DESC, rowid DESC', [datasetId]);
      return rows.map(toSummary);
    },

    findResumable(params) {
      const r = db.get<RunRow>(
        "SELECT * FROM scoring_runs WHERE params_hash = ? AND status <> 'done' ORDER BY created_at DESC, rowid DESC LIMIT 1",
        [paramsHash(params)],
      );
      return r ? toSummary(r) : null;
    },

    commitScores(runId, rows, done) {
      db.tx(() => {
        getRow(runId);
        const full = db.prepare(chunkSql(CHUNK));
        for (let start = 0; start < rows.length; start += CHUNK) {
          const end = Math.min(rows.length, start + CHUNK);
          const params: SqlValue[] = new Array((end - start) * 9);
          let p = 0;
          for (let i = start; i < end; i++) {
            const r = rows[i];
            params[p++] = runId;
            params[p++] = r.index;
            params[p++] = r.label;
            params[p++] = r.steps;
            params[p++] = r.robust;
            params[p++] = r.cleanPred;
            params[p++] = r.cleanConf;
            params[p++] = r.foolPred;
            params[p++] = r.foolUpper;
          }
          (end - start === CHUNK ? full : db.prepare(chunkSql(end - start))).run(params);
        }
        db.run('UPDATE scoring_runs SET done = ?, updated_at = ? WHERE id = ?', [done, nowIso(), runId]);
      });
    },

    doneIndices(runId) {
      getRow(runId);
      return new Set(db.column('SELECT idx FROM scores WHERE run_id = ?', [runId]) as number[]);
    },

    scoreArrays(runId) {
      getRow(runId);
      const n = Number(db.value('SELECT COUNT(*) FROM scores WHERE run_id = ?', [runId]));
      const out: ScoreColumnArrays = {
        runId,
        index: new Int32Array(n),
        label: new Uint8Array(n),
        steps: new Int32Array(n),
        robust: new Uint8Array(n),
        cleanPred: new Int32Array(n),
        cleanConf: new Float32Array(n),
        foolPred: new Int32Array(n),
        foolUpper: new Float32Array(n),
      };
      const seen = db.each(SCORE_COLUMNS_SQL, [runId], (r, i) => {
        if (i >= n) return; // rows committed after the count: the next call has them
        out.index[i] = r[0] as number;
        out.label[i] = r[1] as number;
        out.steps[i] = r[2] as number;
        out.robust[i] = r[3] as number;
        out.cleanPred[i] = r[4] as number;
        out.cleanConf[i] = r[5] as number;
        out.foolPred[i] = r[6] as number;
        out.foolUpper[i] = r[7] as number;
      });
      if (seen >= n) return out;
      // another process removed rows between the count and the read: what was read
      const cut = <T extends { subarray(a: number, b: number): T }>(a: T): T => a.subarray(0, seen);
      return { runId, index: cut(out.index), label: cut(out.label), steps: cut(out.steps), robust: cut(out.robust), cleanPred: cut(out.cleanPred), cleanConf: cut(out.cleanConf), foolPred: cut(out.foolPred), foolUpper: cut(out.foolUpper) };
    },

    scores(runId) {
      getRow(runId);
      const rows = db.rows(SCORE_COLUMNS_SQL, [runId]);
      const n = rows.length;
      const out: ScoreColumns = {
        runId,
        index: new Array<number>(n),
        label: new Array<number>(n),
        steps: new Array<number>(n),
        robust: new Array<number>(n),
        cleanPred: new Array<number>(n),
        cleanConf: new Array<number>(n),
        foolPred: new Array<number>(n),
        foolUpper: new Array<number>(n),
      };
      for (let i = 0; i < n; i++) {
        const r = rows[i] as number[];
        out.index[i] = r[0];
        out.label[i] = r[1];
        out.steps[i] = r[2];
        out.robust[i] = r[3];
        out.cleanPred[i] = r[4];
        out.cleanConf[i] = r[5];
        out.foolPred[i] = r[6];
        out.foolUpper[i] = r[7];
      }
      return out;
    },

    scoreOf(runId, index) {
      getRow(runId);
      const r = db.rows(
        'SELECT idx, label, steps, robust, clean_pred, clean_conf, fool_pred, fool_upper FROM scores WHERE run_id = ? AND idx = ?',
        [runId, index],
      )[0] as number[] | undefined;
      if (!r) return null;
      return { index: r[0], label: r[1], steps: r[2], robust: r[3] === 1 ? 1 : 0, cleanPred: r[4], cleanConf: r[5], foolPred: r[6], foolUpper: r[7] };
    },

    setBackend(runId, backend, executionProvider) {
      db.run('UPDATE scoring_runs SET backend = ?, execution_provider = ? WHERE id = ?', [backend, executionProvider, runId]);
    },
    setStatus(runId, status) {
      if (db.run('UPDATE scoring_runs SET status = ?, updated_at = ? WHERE id = ?', [status, nowIso(), runId]).changes === 0) {
        throw notFound(ctx, 'scoring run', runId);
      }
    },

    finish(runId, stats) {
      const changes = db.run("UPDATE scoring_runs SET status = 'done', stats = ?, updated_at = ? WHERE id = ?", [JSON.stringify(stats), nowIso(), runId]).changes;
      if (changes === 0) throw notFound(ctx, 'scoring run', runId);
      return toSummary(getRow(runId));
    },

    remove(runId) {
      return db.tx(() => db.run('DELETE FROM scoring_runs WHERE id = ?', [runId]).changes > 0);
    },
  };
}
