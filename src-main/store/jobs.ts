/** Jobs: long operations' records, so a job running when the app stopped can be offered for resume. */
import type { JobInfo, JobKind } from '../contract/types';
import type { StoreContext } from './context';
import { notFound, parseJson } from './context';
import { newId, nowIso } from './ids';

export interface JobRecord extends JobInfo {
  /** what the job was started with (enough to start it again) */
  params: unknown;
  updatedAt: string;
}

export interface UpsertJobInput {
  /** omitted: a new job with a fresh id */
  id?: string;
  kind: JobKind;
  title: string;
  status: JobInfo['status'];
  params?: unknown;
  result?: unknown;
  error?: string;
}

export interface JobRepository {
  /** Insert or update by id; createdAt is kept on update. */
  upsert(job: UpsertJobInput): JobRecord;
  /** newest first */
  list(): JobRecord[];
  get(id: string): JobRecord;
  /** jobs whose status was `running` when this workspace was opened and still is */
  interrupted(): JobRecord[];
  remove(id: string): boolean;
}

interface JobRow {
  id: string;
  kind: JobKind;
  title: string;
  status: JobInfo['status'];
  params: string | null;
  result: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export function createJobRepository(ctx: StoreContext): JobRepository {
  const { db } = ctx;

  function toRecord(r: JobRow): JobRecord {
    const rec: JobRecord = {
      id: r.id,
      kind: r.kind,
      title: r.title,
      status: r.status,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      params: parseJson<unknown>(r.params, null),
    };
    if (r.error != null) rec.error = r.error;
    if (r.result != null) rec.result = parseJson<unknown>(r.result, null);
    return rec;
  }

  function getRow(id: string): JobRow | undefined {
    return db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
  }

  // snapshot at open: nothing in this process runs them yet
  const runningAtOpen = new Set(db.column("SELECT id FROM jobs WHERE status = 'running'") as string[]);

  const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

  return {
    upsert(job) {
      const id = job.id ?? newId('job');
      const now = nowIso();
      db.run(
        `INSERT INTO jobs (id, kind, title, status, params, result, error, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, status = excluded.status,
           params = COALESCE(excluded.params, jobs.params), result = excluded.result, error = excluded.error,
           updated_at = excluded.updated_at`,
        [id, job.kind, job.title, job.status, json(job.params), json(job.result), job.error ?? null, now, now],
      );
      runningAtOpen.delete(id); // this process owns it now
      return toRecord(getRow(id)!);
    },

    list() {
      return db.all<JobRow>('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC').map(toRecord);
    },

    get(id) {
      const r = getRow(id);
      if (!r) throw notFound(ctx, 'job', id);
      return toRecord(r);
    },

    interrupted() {
      const out: JobRecord[] = [];
      for (const id of runningAtOpen) {
        const r = getRow(id);
        if (r && r.status === 'running') out.push(toRecord(r));
      }
      return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    },

    remove(id) {
      runningAtOpen.delete(id);
      return db.run('DELETE FROM jobs WHERE id = ?', [id]).changes > 0;
    },
  };
}
