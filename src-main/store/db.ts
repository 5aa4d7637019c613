/**
 * A thin wrapper over libsql's better-sqlite3-style API: cached prepared statements,
 * rows without libsql's `_metadata` key, raw (array) rows for bulk reads, transactions.
 *
 * Parameters are always passed as one array (libsql treats a single `null` argument as a
 * named-parameter object). Never bind binary values: libsql 0.5 aborts the process on
 * blob parameters, so pixels live in files and arrays are stored as JSON.
 */
import Database from 'libsql';

export type SqlValue = string | number | null;
type Statement = ReturnType<Database.Database['prepare']>;

export class Db {
  private readonly statements = new Map<string, Statement>();
  private readonly rawStatements = new Map<string, Statement>();

  constructor(readonly sqlite: Database.Database) {}

  static open(file: string): Db {
    return new Db(new Database(file));
  }

  prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.sqlite.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private prepareRaw(sql: string): Statement {
    let s = this.rawStatements.get(sql);
    if (!s) {
      s = this.sqlite.prepare(sql).raw(true);
      this.rawStatements.set(sql, s);
    }
    return s;
  }

  exec(sql: string): void {
    this.sqlite.exec(sql);
  }

  run(sql: string, params: SqlValue[] = []): { changes: number } {
    return this.prepare(sql).run(params);
  }

  get<T>(sql: string, params: SqlValue[] = []): T | undefined {
    const row = this.prepare(sql).get(params) as (T & { _metadata?: unknown }) | undefined;
    if (row && typeof row === 'object') delete row._metadata;
    return row ?? undefined;
  }

  all<T>(sql: string, params: SqlValue[] = []): T[] {
    const rows = this.prepare(sql).all(params) as (T & { _metadata?: unknown })[];
    for (const r of rows) delete r._metadata;
    return rows;
  }

  /** Rows as arrays of column values, the fast path for bulk reads. */
  rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    return this.prepareRaw(sql).all(params) as SqlValue[][];
  }

  /** Call `fn` with each row (as an array of column values), never holding all rows at once. */
  each(sql: string, params: SqlValue[], fn: (row: SqlValue[], i: number) => void): number {
    let i = 0;
    for (const row of this.prepareRaw(sql).iterate(params) as Iterable<SqlValue[]>) fn(row, i++);
    return i;
  }

  /** First column of every row. */
  column(sql: string, params: SqlValue[] = []): SqlValue[] {
    const rows = this.rows(sql, params);
    const out = new Array<SqlValue>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rows[i][0];
    return out;
  }

  /** First column of the first row, or undefined. */
  value(sql: string, params: SqlValue[] = []): SqlValue | undefined {
    const rows = this.rows(sql, params);
    return rows.length ? rows[0][0] : undefined;
  }

  /** Run fn in one IMMEDIATE transaction (or inside the current one, if any). */
  tx<T>(fn: () => T): T {
    if (this.sqlite.inTransaction) return fn();
    this.sqlite.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.sqlite.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    this.statements.clear();
    this.rawStatements.clear();
    if (this.sqlite.open) this.sqlite.close();
  }
}
