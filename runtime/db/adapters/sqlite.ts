import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { interop } from "../../drivers.js";
import { setting } from "../../config/settings.js";
import { DatabaseError, DbErrorCode } from "../errors.js";
import { SqliteDialect } from "../dialects/sqlite.js";
import type { ParsedDatabaseUrl } from "../url.js";
import type { Row, SqlParams } from "../types.js";
import { dbError, requireDriver, toSafeInt, type Adapter, type DriverConnection, type QueryMode, type RawResult, type SyncConnection } from "./adapter.js";
import { backoff } from "../../async/backoff.js";

/**
 * Set (on globalThis, so every copy of the runtime sees it) by commands that import the app only
 * to look at it (`tina4 routes`, `tina4 openapi`): a SQLite file that does not exist opens as an
 * empty in-memory database — what a new file would hold — instead of being created, so a route
 * module that connects at import leaves nothing on disk.
 */
const INTROSPECTING = Symbol.for("tina4.db.introspecting");

/** See INTROSPECTING: from now on this process creates no SQLite database file or folder. */
export function createNoSqliteFiles(): void {
  (globalThis as Record<symbol, unknown>)[INTROSPECTING] = true;
}

const introspecting = () => (globalThis as Record<symbol, unknown>)[INTROSPECTING] === true;

type BetterDb = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], Row>;
type SqliteCtor = new (file: string, options?: BetterSqlite3.Options) => BetterDb;

/** A prepared statement with what we learned about its columns once, so rows need no per-call inspection. */
interface Entry {
  stmt: Stmt;
  reader: boolean;
  columns: string[];
  /** Column conversions (declared BOOLEAN / DATETIME / BIGINT); null when rows pass through untouched. */
  convert: ((row: Row) => void) | null;
}

const BOOL = /^(BOOL|BOOLEAN)$/i;
const DATETIME = /^(DATETIME|TIMESTAMP)/i;
const BIG = /^(BIGINT|INT8|UNSIGNED BIG INT)$/i;

export class SqliteConnection implements SyncConnection {
  broken = false;
  private readonly statements = new Map<string, Entry>();

  constructor(readonly db: BetterDb) {}

  private entry(sql: string): Entry {
    let e = this.statements.get(sql);
    if (e !== undefined) return e;
    const stmt = this.db.prepare<unknown[], Row>(sql);
    const reader = stmt.reader;
    let columns: string[] = [];
    let convert: Entry["convert"] = null;
    if (reader) {
      const cols = stmt.columns();
      columns = cols.map((c) => c.name);
      const bools = cols.filter((c) => c.type && BOOL.test(c.type)).map((c) => c.name);
      const dates = cols.filter((c) => c.type && DATETIME.test(c.type)).map((c) => c.name);
      const bigs = cols.filter((c) => c.type && BIG.test(c.type)).map((c) => c.name);
      if (bigs.length) {
        stmt.safeIntegers(true);
        // with safe integers every integer arrives as bigint: narrow the ones that fit
        const names = columns;
        convert = (row) => {
          for (const n of names) {
            const v = row[n];
            if (typeof v === "bigint") row[n] = toSafeInt(v);
          }
        };
      }
      if (bools.length || dates.length) {
        const before = convert;
        convert = (row) => {
          if (before) before(row);
          for (const n of bools) {
            const v = row[n];
            if (typeof v === "number" || typeof v === "bigint") row[n] = v !== 0 && v !== 0n;
          }
          for (const n of dates) {
            const v = row[n];
            if (typeof v === "string") {
              const d = new Date(v.includes("T") || v.endsWith("Z") ? v : `${v.replace(" ", "T")}Z`);
              if (!Number.isNaN(d.getTime())) row[n] = d;
            }
          }
        };
      }
    }
    e = { stmt, reader, columns, convert };
    if (this.statements.size >= 500) this.statements.clear();
    this.statements.set(sql, e);
    return e;
  }

  fetchOneSync(sql: string, params: SqlParams): Row | null {
    const e = this.entry(sql);
    const bound = sqliteParams(params);
    if (!e.reader) {
      e.stmt.run(bound);
      return null;
    }
    const row = e.stmt.get(bound);
    if (row === undefined) return null;
    if (e.convert !== null) e.convert(row);
    return row;
  }

  querySync(sql: string, params: SqlParams, mode: QueryMode): RawResult {
    let e: Entry;
    try {
      e = this.entry(sql);
    } catch (error) {
      // several statements in one string (migrations): exec them, no params allowed
      if (mode === "exec" && params.length === 0 && /more than one statement/i.test(String((error as Error).message))) {
        this.db.exec(sql);
        return { rows: [], columns: [], affected: 0, lastId: null };
      }
      throw error;
    }
    const bound = sqliteParams(params);
    if (e.reader) {
      let rows: Row[];
      if (mode === "one") {
        const row = e.stmt.get(bound);
        rows = row === undefined ? [] : [row];
      } else rows = e.stmt.all(bound);
      if (e.convert !== null) for (const r of rows) e.convert(r);
      return { rows, columns: e.columns, affected: 0, lastId: null };
    }
    const info = e.stmt.run(bound);
    return { rows: [], columns: [], affected: info.changes, lastId: toSafeInt(info.lastInsertRowid) as number | bigint };
  }

  query(sql: string, params: SqlParams, mode: QueryMode): Promise<RawResult> {
    try {
      return Promise.resolve(this.querySync(sql, params, mode));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  async begin(): Promise<void> {
    this.db.exec("BEGIN IMMEDIATE");
  }
  async commit(): Promise<void> {
    this.db.exec("COMMIT");
  }
  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
  }
  schemaChanged(): void {
    this.statements.clear();
  }
  async close(): Promise<void> {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

/** better-sqlite3 binds numbers, bigints, strings, Buffers and null only. */
export function sqliteParams(params: SqlParams): unknown[] {
  let out: unknown[] | null = null;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    const t = typeof v;
    if (t === "number" || t === "string" || t === "bigint" || v === null) continue;
    out ??= params.slice();
    if (v === undefined) out[i] = null;
    else if (t === "boolean") out[i] = v ? 1 : 0;
    else if (v instanceof Date) out[i] = v.toISOString();
    else if (Buffer.isBuffer(v)) continue;
    else if (v instanceof Uint8Array) out[i] = Buffer.from(v);
    else out[i] = JSON.stringify(v);
  }
  return (out ?? params) as unknown[];
}

export class SqliteAdapter implements Adapter {
  readonly engine = "sqlite" as const;
  readonly dialect = new SqliteDialect();
  readonly maxPool = 1;

  /** `create` false: open an existing file only — never make the file or its folder (read-only commands). */
  constructor(private readonly url: ParsedDatabaseUrl, private readonly create = true) {}

  async connect(): Promise<DriverConnection> {
    const mod = await requireDriver<unknown>("better-sqlite3", "sqlite");
    const Ctor = interop<SqliteCtor>(mod);
    const missing = this.url.database !== ":memory:" && !existsSync(this.url.database);
    const file = missing && this.create && introspecting() ? ":memory:" : this.url.database;
    if (!this.create && missing) {
      throw new DatabaseError(DbErrorCode.NOT_FOUND, `[sqlite] no database file at ${file}`, { engine: "sqlite", driverCode: "SQLITE_CANTOPEN" });
    }
    const busyMs = setting("TINA4_DB_BUSY_TIMEOUT");
    const deadline = Date.now() + busyMs;
    for (let attempt = 0; ; attempt++) {
      try {
        if (file !== ":memory:" && this.create) mkdirSync(dirname(file), { recursive: true });
        // fileMustExist: a file deleted since the check above is not made again either
        const db = new Ctor(file, this.create ? undefined : { fileMustExist: true });
        try {
          db.pragma(`busy_timeout = ${busyMs}`);
          if (file !== ":memory:") {
            db.pragma("journal_mode = WAL");
            db.pragma("synchronous = NORMAL");
          }
          db.pragma("foreign_keys = ON");
        } catch (error) {
          db.close();
          throw error;
        }
        return new SqliteConnection(db);
      } catch (error) {
        // Switching a fresh file to WAL while another process does the same can fail with
        // SQLITE_BUSY without consulting busy_timeout; it clears within milliseconds.
        if (codeOf(error)?.startsWith("SQLITE_BUSY") && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, backoff(attempt, 5, 100)));
          continue;
        }
        throw dbError(DbErrorCode.UNAVAILABLE, "sqlite", error, undefined, codeOf(error), this.url);
      }
    }
  }

  mapError(error: unknown, sql: string | undefined): DatabaseError {
    const code = codeOf(error);
    const kind = typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT")
      ? DbErrorCode.CONSTRAINT
      : code === "SQLITE_BUSY" || code === "SQLITE_CANTOPEN" || code === "SQLITE_IOERR"
        ? DbErrorCode.UNAVAILABLE
        : DbErrorCode.QUERY;
    return dbError(kind, "sqlite", error, sql, code, this.url);
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
