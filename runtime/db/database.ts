import { AsyncLocalStorage } from "node:async_hooks";
import { basename } from "node:path";
import { setting } from "../config/settings.js";
import { log } from "../log.js";
import { createAdapter } from "./adapters/index.js";
import { EMPTY, type Adapter, type DriverConnection, type RawResult, type SyncConnection } from "./adapters/adapter.js";
import { Dialect } from "./dialects/dialect.js";
import { FIREBIRD_TYPES, type FirebirdDialect } from "./dialects/firebird.js";
import { DatabaseError, DbErrorCode } from "./errors.js";
import { closedError, Pool } from "./pool.js";
import { onShutdown } from "../lifecycle.js";
import { DatabaseResult } from "./result.js";
import { isDdl } from "./sql.js";
import { QueryCache } from "./query-cache/index.js";
import { provideSqlCacheConnector } from "../cache/sql-connector.js";
import { databaseCacheConnector, NO_QUERY_CACHE } from "./cache-connector.js";
import { TxContext } from "./transaction.js";
import { enterListed, registerDatabase, runListed } from "./open-transactions.js";
import { databaseIdentity } from "./query-cache/keys.js";
import { parseDatabaseUrl, type ParsedDatabaseUrl } from "./url.js";
import { traceChild, tracingActive } from "../ops/tracing.js";
import { metricsOn, samplePool } from "../instruments.js";
import { measured, queryDone } from "./query-metrics.js";
import { watchDatabase } from "./readiness.js";
import { connectFailure } from "./connect-failure.js";
import type {
  ColumnInfo, DatabaseCacheStats, DatabaseOptions, Engine, ExecuteResult, FetchOneOptions, FetchOptions,
  InsertResult, Row, SqlParams, SqlValue, WhereClause, WriteResult,
} from "./types.js";

const NO_PARAMS: SqlParams = EMPTY as unknown as SqlParams;
/** Internal reads (metadata, sequences) never use the query cache. */
const NO_CACHE: FetchOneOptions = Object.freeze({ cache: false });
const CACHE_OFF: DatabaseCacheStats = Object.freeze({ enabled: false, mode: "off", backend: "none", hits: 0, misses: 0, size: 0, ttl: 0 });

/** Firebird keeps the clause as written ("DEFAULT 5"); the other engines report the expression alone. */
function firebirdDefault(source: string): string {
  return source.replace(/^\s*DEFAULT\s+/i, "").trim();
}

function isSync(conn: DriverConnection): conn is SyncConnection {
  return (conn as SyncConnection).fetchOneSync !== undefined;
}

/**
 * One database behind one API for every engine. Reads all pass through `runQuery` and writes
 * through `runWrite` — the two places the query cache (a separate module) hooks into.
 */
export class Database {
  readonly engine: Engine;
  /** The connection URL with its password masked. */
  readonly url: string;
  readonly autocommit: boolean;

  private readonly adapter: Adapter;
  private readonly dialect: Dialect;
  private readonly pool: Pool<DriverConnection>;
  private readonly als = new AsyncLocalStorage<TxContext>();
  private readonly open = new Set<TxContext>();
  private readonly primaryKeys = new Map<string, Promise<string | null>>();
  private readonly sequencesReady = new Map<string, Promise<void>>();
  private sequenceTable: Promise<void> | null = null;
  /**
   * Queries refused or reopening: set by close() (for good) and by a lifecycle shutdown's
   * release (`released`: the next use reopens). One flag, so the hot paths test one field.
   */
  private closed = false;
  /** Closed by graceful shutdown, not by the user: the next use reopens (see `release`). */
  private released = false;
  private reopening: Promise<void> | null = null;
  /** `sqlite::memory:` — its data lives in its one connection, which shutdown never releases. */
  private readonly inMemory: boolean;
  private unregisterShutdown: (() => void) | undefined;
  private unsamplePool: (() => void) | undefined;
  /** Takes this database out of the `/__ready` checks (close() for good). */
  private unwatch: (() => void) | undefined;
  /** The query cache (request-scoped and/or persistent), or null when both are off. */
  private qcache: QueryCache | null = null;
  /** Transactions that wrote: their commit invalidates the query cache. */
  private readonly dirty = new WeakSet<TxContext>();

  private constructor(adapter: Adapter, parsed: ParsedDatabaseUrl, options: DatabaseOptions) {
    this.adapter = adapter;
    this.dialect = adapter.dialect;
    this.engine = parsed.engine;
    this.url = parsed.redacted;
    this.inMemory = parsed.engine === "sqlite" && parsed.database === ":memory:";
    registerDatabase(this, databaseIdentity(parsed).entries);
    this.autocommit = options.autocommit ?? setting("TINA4_AUTOCOMMIT");
    const size = Math.min(adapter.maxPool, Math.max(1, options.pool ?? setting("TINA4_DB_POOL")));
    this.pool = new Pool<DriverConnection>({
      size,
      acquireTimeoutMs: options.acquireTimeoutMs ?? setting("TINA4_DB_ACQUIRE_TIMEOUT"),
      engine: this.engine,
      create: () => adapter.connect(),
      destroy: (c) => c.close(),
      isBroken: (c) => c.broken,
      pipelinedLoad: (c) => (c.pipelined === true ? c.inflight : undefined),
    });
  }

  /**
   * Opens a database from `url` (default TINA4_DATABASE_URL, else `sqlite:data/app.db`) and
   * opens one connection. A bad URL or missing driver fails here. A network server that cannot
   * be reached or refuses the login does not (unless `failFast`): the app must start while its
   * database is down — `/__ready` answers 503 and the requests that use it fail with the error
   * (503 while unreachable) — and work once it is back, without a restart. So that failure is
   * logged as a warning and the pool connects on first use, trying again each time.
   */
  static async connect(url?: string, options: DatabaseOptions = {}): Promise<Database> {
    const parsed = parseDatabaseUrl(url ?? setting("TINA4_DATABASE_URL"));
    const connectTimeout = options.connectTimeoutMs ?? setting("TINA4_DB_CONNECT_TIMEOUT");
    const db = new Database(createAdapter(parsed, connectTimeout, options.create), parsed, options);
    try {
      db.pool.release(await db.pool.acquire());
    } catch (error) {
      if (options.failFast === true || parsed.engine === "sqlite" || !serverRefused(error)) throw error;
      const failure = connectFailure(error);
      log.warn(
        `database ${parsed.redacted} not available at connect (${(error as Error).message}${failure ? ` — ${failure.hint}` : ""}); starting anyway: ` +
          "requests that use it answer 503 until it does, /__ready says so, and the pool connects on first use",
      );
    }
    try {
      db.qcache = await QueryCache.create(parsed, options.queryCache);
    } catch (error) {
      await db.pool.close();
      throw error;
    }
    log.debug(`database ready: ${parsed.redacted} (pool ${db.pool.size}, autocommit ${db.autocommit})`);
    // Graceful shutdown releases the pool after the HTTP server has drained. Released, not
    // closed: a process may shut down its app and use it again (each testClient().close()
    // runs the hooks, and a route module's `db` outlives it), so the hook stays registered
    // and the next query reopens; only the user's close() ends the database for good.
    db.unregisterShutdown = onShutdown(() => db.release(), { keep: true });
    // every database the app opens is part of /__ready (a released one too: it reopens on use)
    if (options.readiness !== false) db.unwatch = watchDatabase(parsed, options.name);
    const database = parsed.engine === "sqlite" ? basename(parsed.database) : parsed.database;
    db.unsamplePool = samplePool(() => ({ engine: db.engine, database, ...db.pool.levels(), max: db.pool.size }));
    return db;
  }

  get poolSize(): number {
    return this.pool.size;
  }

  // ───────────────────────────── reads ─────────────────────────────

  async fetch<T extends Row = Row>(sql: string, params: SqlParams = NO_PARAMS, options: FetchOptions = {}): Promise<DatabaseResult<T>> {
    const { limit, offset = 0 } = options;
    checkCount("offset", offset);
    if (limit === undefined) {
      const r = await this.runQuery(sql, params, "all", options);
      const rows = offset > 0 ? r.rows.slice(offset) : r.rows;
      return new DatabaseResult<T>(rows as T[], r.columns, null, offset, r.rows.length);
    }
    checkCount("limit", limit);
    if (limit === 0) return new DatabaseResult<T>([], [], 0, offset, 0);
    const paged = this.dialect.page(sql, limit, offset);
    const r = await this.runQuery(paged.sql, Dialect.bind(paged, params), "all", options);
    let total: number;
    if (r.rows.length < limit && (r.rows.length > 0 || offset === 0)) total = offset + r.rows.length;
    else {
      const count = this.dialect.countSql(sql);
      const c = await this.runQuery(count.sql, Dialect.bind(count, params), "one", options);
      total = Number(c.rows[0]?.total ?? 0);
    }
    return new DatabaseResult<T>(r.rows as T[], r.columns, limit, offset, total);
  }

  /** The first row, or null. */
  fetchOne<T extends Row = Row>(sql: string, params: SqlParams = NO_PARAMS, options?: FetchOneOptions): Promise<T | null> {
    if (this.closed) return this.reopened(() => this.fetchOne<T>(sql, params, options));
    // SQLite fast path: idle connection, no transaction in this context, not traced → answer synchronously
    if (this.dialect.engine === "sqlite" && !tracingActive && options?.cache === undefined && this.als.getStore() === undefined && (this.qcache === null || !this.qcache.applies())) {
      const conn = this.pool.tryAcquire();
      if (conn !== undefined) {
        const started = metricsOn ? performance.now() : 0;
        try {
          const row = (conn as SyncConnection).fetchOneSync(sql, params) as T | null;
          if (metricsOn) queryDone(this.engine, sql, started, false);
          return Promise.resolve(row);
        } catch (error) {
          if (metricsOn) queryDone(this.engine, sql, started, true);
          return Promise.reject(this.adapter.mapError(error, sql));
        } finally {
          this.pool.release(conn);
        }
      }
    }
    const r = this.runQuery(sql, params, "one", options);
    return r instanceof Promise ? r.then(firstRow<T>) : Promise.resolve(firstRow<T>(r));
  }

  /**
   * `fetchOne` for each parameter set, in one call: the first row (or null) per set, in order.
   * Statements run concurrently (pipelined on PostgreSQL); the query cache answers the whole
   * batch with one lookup of its request scope and generation, and hits held in this process
   * cost no promise each. Rejects when any statement fails (as `Promise.all` would).
   */
  fetchMany<T extends Row = Row>(sql: string, paramSets: readonly SqlParams[], options?: FetchOneOptions): Promise<(T | null)[]> {
    if (this.closed) return this.reopened(() => this.fetchMany<T>(sql, paramSets, options));
    if (!Array.isArray(paramSets) || !paramSets.every((p) => Array.isArray(p))) {
      return Promise.reject(argError(this.engine, "fetchMany takes one array of parameters per statement, e.g. fetchMany(sql, [[1], [2]])"));
    }
    if (paramSets.length === 0) return Promise.resolve([]);
    const tx = this.ctx();
    const qc = this.qcache;
    if (qc !== null && tx === undefined && options?.cache !== false && qc.applies()) {
      const rows = qc.readOneMany(sql, paramSets, (params) => this.queryOrReject(sql, params, tx));
      if (rows !== undefined) return (rows instanceof Promise ? rows : Promise.resolve(rows)) as Promise<(T | null)[]>;
    }
    const pending = new Array<Promise<RawResult>>(paramSets.length);
    for (let i = 0; i < paramSets.length; i++) pending[i] = this.queryOrReject(sql, paramSets[i]!, tx);
    return Promise.all(pending).then((results) => results.map(firstRow<T>));
  }

  /** `query` in "one" mode whose synchronous errors (a bad binding) reject, so a batch fails as a whole. */
  private queryOrReject(sql: string, params: SqlParams, tx: TxContext | undefined): Promise<RawResult> {
    try {
      return this.query(sql, params, "one", tx);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async tableExists(table: string): Promise<boolean> {
    this.dialect.quote(table);
    const r = await this.runQuery(this.dialect.tableExistsSql(), this.dialect.tableExistsParams(table), "one", NO_CACHE);
    const row = r.rows[0];
    return row !== undefined && truthy(row.found);
  }

  async getColumns(table: string): Promise<ColumnInfo[]> {
    this.dialect.quote(table);
    const q = this.dialect.columnsSql(table);
    const r = await this.runQuery(q.sql, q.params, "all", NO_CACHE);
    return r.rows.map((row): ColumnInfo => {
      let type = String(row.type ?? "").toLowerCase();
      if (this.engine === "firebird") {
        type = FIREBIRD_TYPES[Number(row.ftype)] ?? `type ${String(row.ftype)}`;
        if (type === "bigint" && Number(row.scale) < 0) type = "numeric";
        if (type === "blob" && Number(row.subtype) === 1) type = "blob sub_type text";
      }
      return {
        name: this.engine === "firebird" ? String(row.name).trim().toLowerCase() : String(row.name),
        type,
        nullable: !truthy(row.nn),
        primaryKey: truthy(row.pk),
        default: row.dflt === null || row.dflt === undefined ? null : this.engine === "firebird" ? firebirdDefault(String(row.dflt)) : String(row.dflt),
      };
    });
  }

  // ───────────────────────────── writes ─────────────────────────────

  /** Runs any statement (DDL, DML, or several parameterless statements on engines that allow it). */
  execute(sql: string, params: SqlParams = NO_PARAMS): Promise<ExecuteResult> {
    const tx = this.writeContext();
    if (typeof sql !== "string" || sql.trim() === "") return Promise.reject(argError(this.engine, "execute needs SQL"));
    return this.runWrite(tx, sql, params).then((r) => ({ affected: r.affected, lastId: r.lastId, records: r.rows }));
  }

  /** Inserts one row or many (batched multi-row VALUES; atomic as a whole). */
  insert(table: string, data: Row | readonly Row[]): Promise<InsertResult> {
    try {
      return this.insertRows(this.writeContext(), table, data);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private insertRows(tx: TxContext | undefined, table: string, data: Row | readonly Row[]): Promise<InsertResult> {
    const rows = (Array.isArray(data) ? data : [data]) as readonly Row[];
    if (rows.length === 0) return Promise.resolve({ affected: 0, lastId: null });
    const qTable = this.dialect.quote(table);
    const groups = groupByColumns(rows);
    for (const g of groups) g.quoted = g.columns.map((c) => this.dialect.quote(c));
    const statements = groups.reduce((n, g) => n + Math.ceil(g.rows.length / this.batchSize(g.columns.length)), 0);
    const run = async (ctx: TxContext | undefined): Promise<InsertResult> => {
      const pk = this.dialect.insertReturnsPk ? await this.primaryKey(table) : null;
      let affected = 0;
      let lastId: number | bigint | null = null;
      for (const g of groups) {
        const size = this.batchSize(g.columns.length);
        for (let i = 0; i < g.rows.length; i += size) {
          const chunk = g.rows.slice(i, i + size);
          const params: SqlValue[] = [];
          for (const row of chunk) for (const c of g.columns) params.push(row[c] as SqlValue);
          const sql = this.dialect.insertSql(qTable, g.quoted, chunk.length, pk ? this.dialect.quote(pk) : null);
          const r = await this.runWrite(ctx, sql, params);
          affected += r.affected || chunk.length;
          if (pk && r.rows.length > 0) lastId = (r.rows[r.rows.length - 1]![pk.toLowerCase()] ?? r.rows[r.rows.length - 1]![pk] ?? lastId) as number | bigint | null;
          else if (r.lastId !== null) {
            lastId = this.engine === "mysql" && chunk.length > 1 && typeof r.lastId === "number" ? r.lastId + chunk.length - 1 : r.lastId;
          }
        }
      }
      return { affected, lastId };
    };
    if (statements > 1 && tx === undefined) return this.transaction(() => run(this.ctx()));
    return run(tx);
  }

  /** `UPDATE table SET … WHERE where`; where is SQL with `?` (bound from `params`) or {column: value}. */
  update(table: string, data: Row, where: WhereClause, params: SqlParams = NO_PARAMS): Promise<WriteResult> {
    try {
      return this.updateRows(this.writeContext(), table, data, where, params);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private updateRows(tx: TxContext | undefined, table: string, data: Row, where: WhereClause, params: SqlParams): Promise<WriteResult> {
    const cols = Object.keys(data);
    if (cols.length === 0) return Promise.reject(argError(this.engine, "update needs at least one column to set"));
    const set = cols.map((c) => `${this.dialect.quote(c)} = ?`).join(", ");
    const w = this.where(where, params, "update");
    const sql = `UPDATE ${this.dialect.quote(table)} SET ${set} WHERE ${w.sql}`;
    return this.runWrite(tx, sql, [...cols.map((c) => data[c] as SqlValue), ...w.params]).then((r) => ({ affected: r.affected }));
  }

  /** `DELETE FROM table WHERE where`; a missing or empty where is refused (T4_ERR_DB_NO_WHERE). */
  delete(table: string, where: WhereClause, params: SqlParams = NO_PARAMS): Promise<WriteResult> {
    try {
      const tx = this.writeContext();
      const w = this.where(where, params, "delete");
      const sql = `DELETE FROM ${this.dialect.quote(table)} WHERE ${w.sql}`;
      return this.runWrite(tx, sql, w.params).then((r) => ({ affected: r.affected }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Next free id for `table.pk`, unique across concurrent callers and processes: an atomic
   * update of a counter row in `tina4_sequence` (a generator on Firebird), never below MAX(pk)+1.
   */
  async getNextId(table: string, pk = "id"): Promise<number> {
    if (this.closed) await this.reopened(noop);
    const qTable = this.dialect.quote(table);
    const qPk = this.dialect.quote(pk);
    const key = `${table}.${pk}`.toLowerCase();
    if (this.engine === "firebird") {
      await this.ensureGenerator(table, pk, qTable, qPk);
      const r = await this.runQuery(this.dialect.sequenceNextSql(qTable, qPk), NO_PARAMS, "one", NO_CACHE);
      return Number(r.rows[0]!.id);
    }
    await this.ensureSequenceTable();
    const tx = this.ctx();
    return this.onConnection(tx, async (conn) => {
      await this.execSql(conn, this.dialect.sequenceSeedSql(), [key], "exec");
      const r = await this.execSql(conn, this.dialect.sequenceNextSql(qTable, qPk), [key], "one");
      const id = this.engine === "mysql" ? Number(r.lastId) - 1 : Number(r.rows[0]?.id);
      if (!Number.isSafeInteger(id)) throw new DatabaseError(DbErrorCode.QUERY, `[${this.engine}] getNextId(${table}) produced no id`, { engine: this.engine });
      return id;
    });
  }

  // ─────────────────────────── transactions ───────────────────────────

  /** Runs `fn` in a transaction: commit when it returns, rollback when it throws. Nested → savepoint. */
  async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.closed) return this.reopened(() => this.transaction(fn));
    const outer = this.ctx();
    if (outer !== undefined) {
      const sp = await this.pushSavepoint(outer);
      let result: T;
      try {
        result = await fn();
      } catch (error) {
        await this.popSavepoint(outer, sp, false).catch((e: unknown) => log.warn(`rollback to savepoint failed: ${String(e)}`));
        throw error;
      }
      await this.popSavepoint(outer, sp, true);
      return result;
    }
    const tx = this.newTx(false);
    return runListed(this, () => this.als.run(tx, async () => {
      await tx.ready;
      let result: T;
      try {
        result = await fn();
      } catch (error) {
        await this.finish(tx, false).catch((e: unknown) => log.warn(`rollback failed: ${String(e)}`));
        throw error;
      }
      await this.finish(tx, true);
      return result;
    }));
  }

  /**
   * Opens a transaction for the rest of the calling async context (or a savepoint when one is open).
   * Prefer `transaction(fn)`, whose scope is explicit.
   */
  startTransaction(): Promise<void> {
    // released: opened here, in the caller's async context (enterWith), while the rest reopens
    let reopening: Promise<void> | undefined;
    if (this.closed) {
      if (!this.released) return Promise.reject(closedError(this.engine));
      reopening = this.reopened(noop);
    }
    const outer = this.ctx();
    if (outer !== undefined) return this.pushSavepoint(outer).then(() => undefined);
    const tx = this.newTx(false);
    this.als.enterWith(tx);
    enterListed(this);
    return reopening === undefined ? tx.ready : Promise.all([reopening, tx.ready]).then(noop);
  }

  /** Commits the context's transaction (releases the innermost savepoint when nested). No-op when none is open. */
  commit(): Promise<void> {
    const tx = this.ctx();
    if (tx === undefined) return Promise.resolve();
    const sp = tx.savepoints[tx.savepoints.length - 1];
    if (sp !== undefined) return this.popSavepoint(tx, sp, true);
    return this.finish(tx, true);
  }

  /** Rolls back the context's transaction (to the innermost savepoint when nested). No-op when none is open. */
  rollback(): Promise<void> {
    const tx = this.ctx();
    if (tx === undefined) return Promise.resolve();
    const sp = tx.savepoints[tx.savepoints.length - 1];
    if (sp !== undefined) return this.popSavepoint(tx, sp, false);
    return this.finish(tx, false);
  }

  /** True when the calling async context has an open transaction. */
  inTransaction(): boolean {
    return this.ctx() !== undefined;
  }

  // ───────────────────────────── query cache ─────────────────────────────

  /** `{enabled, mode, backend, hits, misses, size, ttl}` of the query cache (see docs/database.md). */
  cacheStats(): Promise<DatabaseCacheStats> {
    if (this.released) return this.reopened(() => this.cacheStats());
    return this.qcache === null ? Promise.resolve({ ...CACHE_OFF }) : this.qcache.stats();
  }

  /** Invalidates every cached read of this database, on every instance sharing the backend. */
  cacheClear(): Promise<void> {
    if (this.released) return this.reopened(() => this.cacheClear());
    return this.qcache === null ? Promise.resolve() : this.qcache.invalidate();
  }

  /**
   * Rolls back open transactions and closes every connection, for good: later calls fail
   * with T4_ERR_DB_CLOSED. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed && !this.released) return;
    this.closed = true;
    this.released = false;
    this.unregisterShutdown?.();
    this.unsamplePool?.();
    this.unwatch?.();
    await this.rollbackOpen();
    await this.qcache?.close();
    await this.pool.close();
  }

  /**
   * What graceful shutdown does (a `close` hook, after the HTTP server drained): rolls back
   * open transactions and closes every pooled connection and the query cache's backend
   * connection, so nothing keeps the process alive — but the next query, write or
   * transaction reopens them with the same URL and options (see `reopened`). `sqlite::memory:`
   * keeps its connection: closing it would drop the data, and it holds no socket.
   */
  private async release(): Promise<void> {
    if (this.closed || this.inMemory) return;
    this.closed = true;
    this.released = true;
    await this.rollbackOpen();
    await this.qcache?.release();
    await this.pool.suspend();
  }

  private async rollbackOpen(): Promise<void> {
    for (const tx of [...this.open]) {
      if (tx.implicit) log.warn(`${this.engine}: closing with uncommitted writes (TINA4_AUTOCOMMIT=false): rolled back`);
      await this.finish(tx, false).catch(() => undefined);
    }
  }

  /**
   * Runs `again` once a released database is open again (the pool reconnects on demand; the
   * query cache's backend is opened anew first); rejects with T4_ERR_DB_CLOSED after close().
   */
  private reopened<T>(again: () => T | Promise<T>): Promise<T> {
    if (!this.released) return Promise.reject(closedError(this.engine));
    this.reopening ??= this.reopen();
    return this.reopening.then(again);
  }

  private async reopen(): Promise<void> {
    try {
      await this.qcache?.reopen();
    } finally {
      this.reopening = null;
    }
    // close() meanwhile: `again` then fails with T4_ERR_DB_CLOSED
    if (!this.released) return;
    this.released = false;
    this.closed = false;
    log.debug(`database reopened after shutdown: ${this.url}`);
  }

  // ───────────────────────────── internals ─────────────────────────────

  /**
   * THE read path. The query cache answers here, before a connection is chosen — never inside
   * a transaction, never for `{cache: false}` or internal reads.
   */
  private runQuery(sql: string, params: SqlParams, mode: "all" | "one", options?: FetchOptions | FetchOneOptions): RawResult | Promise<RawResult> {
    if (this.closed) return this.reopened(() => this.runQuery(sql, params, mode, options));
    const tx = this.ctx();
    const qc = this.qcache;
    if (qc !== null && tx === undefined && options?.cache !== false && qc.applies()) {
      return qc.read(sql, params, mode, () => this.query(sql, params, mode, undefined));
    }
    return this.query(sql, params, mode, tx);
  }

  private query(sql: string, params: SqlParams, mode: "all" | "one", tx: TxContext | undefined): Promise<RawResult> {
    const plan = this.dialect.prepare(sql);
    const bound = Dialect.bind(plan, params);
    if (tx === undefined) {
      const shared = this.pool.shared();
      if (shared !== undefined) return this.execRaw(shared, plan.sql, bound, mode, sql);
      const conn = this.pool.tryAcquire();
      if (conn !== undefined && isSync(conn)) {
        const started = metricsOn ? performance.now() : 0;
        try {
          const done = tracingActive
            ? traceChild(spanName(mode), { "db.system": this.engine, "db.statement": plan.sql }, () => Promise.resolve(conn.querySync(plan.sql, bound, mode)))
            : Promise.resolve(conn.querySync(plan.sql, bound, mode));
          if (metricsOn) queryDone(this.engine, plan.sql, started, false);
          return done;
        } catch (error) {
          if (metricsOn) queryDone(this.engine, plan.sql, started, true);
          return Promise.reject(this.adapter.mapError(error, sql));
        } finally {
          this.pool.release(conn);
        }
      }
      return this.onPooled(conn, (c) => this.execRaw(c, plan.sql, bound, mode, sql));
    }
    return this.onTx(tx, (c) => this.execRaw(c, plan.sql, bound, mode, sql));
  }

  /**
   * THE write path. `tx` was resolved synchronously by the public caller. Outside a transaction
   * the query cache is invalidated (here and, with a shared backend, on every instance) before
   * the write returns — even when it failed, since a failed statement may have done part of
   * its work; inside one, at its commit (DDL also at once: MySQL commits it implicitly).
   */
  private async runWrite(tx: TxContext | undefined, sql: string, params: SqlParams): Promise<RawResult> {
    if (this.closed) await this.reopened(noop);
    const plan = this.dialect.prepare(sql);
    const bound = Dialect.bind(plan, params);
    const ddl = isDdl(sql);
    try {
      const result = await this.onConnection(tx, (c) => this.execRaw(c, plan.sql, bound, "exec", sql));
      if (ddl) this.primaryKeys.clear();
      return result;
    } finally {
      if (this.qcache !== null) {
        if (tx !== undefined) this.dirty.add(tx);
        if (tx === undefined || ddl) await this.qcache.invalidate();
      }
    }
  }

  /** execRaw for internal SQL written with `?`. */
  private execSql(conn: DriverConnection, sql: string, params: SqlParams, mode: "all" | "one" | "exec"): Promise<RawResult> {
    const plan = this.dialect.prepare(sql);
    return this.execRaw(conn, plan.sql, Dialect.bind(plan, params), mode, sql);
  }

  /** One promise derived from the driver's (no async layer: promises cost more under AsyncLocalStorage). */
  private execRaw(conn: DriverConnection, nativeSql: string, params: SqlParams, mode: "all" | "one" | "exec", sql?: string): Promise<RawResult> {
    const mapError = (error: unknown): never => {
      throw error instanceof DatabaseError ? error : this.adapter.mapError(error, sql ?? nativeSql);
    };
    let pending: Promise<RawResult>;
    const started = metricsOn ? performance.now() : 0;
    try {
      // traced: a child span of the request's span, with the statement's text (placeholders, never values)
      pending = tracingActive ? traceChild(spanName(mode), { "db.system": this.engine, "db.statement": nativeSql }, () => conn.query(nativeSql, params, mode)) : conn.query(nativeSql, params, mode);
    } catch (error) {
      if (metricsOn) queryDone(this.engine, nativeSql, started, true);
      return Promise.reject(error).catch(mapError);
    }
    // counted: the operation kind (select/insert/update/delete/other) and the time, never the text
    if (metricsOn) pending = measured(pending, this.engine, nativeSql, started);
    if (mode === "exec" && conn.schemaChanged && isDdl(nativeSql)) {
      return pending.then((r) => {
        conn.schemaChanged!();
        return r;
      }, mapError);
    }
    return pending.then(undefined, mapError);
  }

  /** The active transaction of the calling async context. */
  private ctx(): TxContext | undefined {
    const tx = this.als.getStore();
    return tx !== undefined && tx.active ? tx : undefined;
  }

  /**
   * Resolved synchronously by every public write before its first await: the open transaction,
   * or — with autocommit off — a new implicit one pinned to the caller's context.
   */
  private writeContext(): TxContext | undefined {
    const tx = this.ctx();
    // closed for good: no implicit transaction (the write fails); released: the write reopens
    if (tx !== undefined || this.autocommit || (this.closed && !this.released)) return tx;
    const implicit = this.newTx(true);
    this.als.enterWith(implicit);
    enterListed(this);
    return implicit;
  }

  /** Outside a transaction: a pipelined connection shared with other statements when the engine allows it. */
  private onConnection<R>(tx: TxContext | undefined, fn: (c: DriverConnection) => Promise<R>): Promise<R> {
    if (tx !== undefined) return this.onTx(tx, fn);
    const shared = this.pool.shared();
    return shared !== undefined ? fn(shared) : this.onPooled(undefined, fn);
  }

  private async onPooled<R>(conn: DriverConnection | undefined, fn: (c: DriverConnection) => Promise<R>): Promise<R> {
    const c = conn ?? (await this.pool.acquire());
    try {
      return await fn(c);
    } finally {
      this.pool.release(c);
    }
  }

  private async onTx<R>(tx: TxContext, fn: (c: DriverConnection) => Promise<R>): Promise<R> {
    await tx.ready;
    if (!tx.active || tx.conn === null) {
      throw new DatabaseError(DbErrorCode.TRANSACTION, `[${this.engine}] the transaction has already finished`, { engine: this.engine });
    }
    return fn(tx.conn);
  }

  private newTx(implicit: boolean): TxContext {
    const tx = new TxContext(implicit);
    this.open.add(tx);
    tx.ready = (async () => {
      const conn = await this.pool.acquire();
      try {
        await conn.begin();
      } catch (error) {
        this.pool.release(conn);
        throw error instanceof DatabaseError ? error : this.adapter.mapError(error, this.dialect.beginSql);
      }
      tx.conn = conn;
    })();
    tx.ready.catch(() => {
      tx.active = false;
      this.open.delete(tx);
    });
    return tx;
  }

  private async finish(tx: TxContext, commit: boolean): Promise<void> {
    if (!tx.active) return;
    tx.active = false;
    this.open.delete(tx);
    await tx.ready;
    const conn = tx.conn!;
    tx.conn = null;
    const wrote = this.dirty.delete(tx);
    try {
      if (commit) await conn.commit();
      else await conn.rollback();
    } catch (error) {
      if (commit) await conn.rollback().catch(() => undefined);
      throw error instanceof DatabaseError ? error : this.adapter.mapError(error, commit ? "COMMIT" : "ROLLBACK");
    } finally {
      this.pool.release(conn);
      // committed writes become visible now: invalidate before commit() returns
      if (commit && wrote) await this.qcache?.invalidate();
    }
  }

  private async pushSavepoint(tx: TxContext): Promise<string> {
    const name = tx.nextSavepoint();
    tx.savepoints.push(name);
    try {
      await this.onTx(tx, (c) => this.execRaw(c, this.dialect.savepoint(name), NO_PARAMS, "exec"));
    } catch (error) {
      tx.savepoints.splice(tx.savepoints.indexOf(name), 1);
      throw error;
    }
    return name;
  }

  private async popSavepoint(tx: TxContext, name: string, keep: boolean): Promise<void> {
    if (tx.savepoints[tx.savepoints.length - 1] !== name) {
      throw new DatabaseError(
        DbErrorCode.TRANSACTION,
        `[${this.engine}] nested transactions overlapped in one async context (savepoint ${name} is not the innermost); ` +
          "run nested transactions one after another, or start independent work in its own transaction",
        { engine: this.engine },
      );
    }
    tx.savepoints.pop();
    const sql = keep ? this.dialect.releaseSavepoint(name) : this.dialect.rollbackToSavepoint(name);
    if (sql !== null) await this.onTx(tx, (c) => this.execRaw(c, sql, NO_PARAMS, "exec"));
  }

  private where(where: WhereClause, params: SqlParams, op: string): { sql: string; params: SqlParams } {
    if (typeof where === "string") {
      if (where.trim() === "") throw noWhere(this.engine, op);
      return { sql: where, params };
    }
    if (where === null || typeof where !== "object" || Object.keys(where).length === 0) throw noWhere(this.engine, op);
    const parts: string[] = [];
    const values: SqlValue[] = [];
    for (const [col, value] of Object.entries(where)) {
      if (value === null || value === undefined) parts.push(`${this.dialect.quote(col)} IS NULL`);
      else {
        parts.push(`${this.dialect.quote(col)} = ?`);
        values.push(value);
      }
    }
    return { sql: parts.join(" AND "), params: values };
  }

  private batchSize(columns: number): number {
    return Math.max(1, Math.min(this.dialect.maxInsertRows, Math.floor(this.dialect.maxParams / Math.max(1, columns))));
  }

  /** The single primary-key column of `table` (cached; cleared by DDL), or null. */
  private primaryKey(table: string): Promise<string | null> {
    const key = table.toLowerCase();
    let pending = this.primaryKeys.get(key);
    if (pending === undefined) {
      pending = this.getColumns(table).then((cols) => {
        const pks = cols.filter((c) => c.primaryKey);
        return pks.length === 1 ? pks[0]!.name : null;
      });
      pending.catch(() => this.primaryKeys.delete(key));
      this.primaryKeys.set(key, pending);
    }
    return pending;
  }

  /** Creates tina4_sequence once, outside any transaction (MySQL would commit it implicitly). */
  private ensureSequenceTable(): Promise<void> {
    this.sequenceTable ??= (async () => {
      const sql = this.dialect.sequenceTableSql();
      if (this.adapter.maxPool === 1) {
        await this.onConnection(this.ctx(), (c) => this.execRaw(c, sql, NO_PARAMS, "exec"));
        return;
      }
      const conn = await this.adapter.connect();
      try {
        await this.execRaw(conn, sql, NO_PARAMS, "exec").catch(async (error: unknown) => {
          // two processes racing on CREATE TABLE IF NOT EXISTS: fine if the table now exists
          if (!(await this.execRaw(conn, "SELECT COUNT(*) AS n FROM tina4_sequence", NO_PARAMS, "one").then(() => true, () => false))) throw error;
        });
      } finally {
        await conn.close();
      }
    })();
    this.sequenceTable.catch(() => {
      this.sequenceTable = null;
    });
    return this.sequenceTable;
  }

  /** Firebird: create the generator once (outside transactions) and lift it to MAX(pk). */
  private ensureGenerator(table: string, pk: string, qTable: string, qPk: string): Promise<void> {
    const key = `${table}.${pk}`.toLowerCase();
    let ready = this.sequencesReady.get(key);
    if (ready === undefined) {
      ready = (async () => {
        const gen = (this.dialect as FirebirdDialect).sequenceName(table, pk);
        const conn = await this.adapter.connect();
        try {
          await this.execRaw(conn, `CREATE SEQUENCE ${gen}`, NO_PARAMS, "exec").catch((error: unknown) => {
            if (!/exists|unsuccessful metadata/i.test(String((error as Error).message))) throw error;
          });
          const r = await this.execRaw(conn, `SELECT GEN_ID(${gen}, 0) AS cur, (SELECT COALESCE(MAX(${qPk}), 0) FROM ${qTable}) AS mx FROM RDB$DATABASE`, NO_PARAMS, "one");
          const cur = BigInt(String(r.rows[0]!.cur));
          const mx = BigInt(String(r.rows[0]!.mx));
          if (mx > cur) await this.execRaw(conn, `SELECT GEN_ID(${gen}, ${(mx - cur).toString()}) AS id FROM RDB$DATABASE`, NO_PARAMS, "one");
        } finally {
          await conn.close();
        }
      })();
      ready.catch(() => this.sequencesReady.delete(key));
      this.sequencesReady.set(key, ready);
    }
    return ready;
  }
}

interface ColumnGroup {
  columns: string[];
  quoted: string[];
  rows: Row[];
}

/** Consecutive rows with the same keys share one multi-row INSERT. */
function groupByColumns(rows: readonly Row[]): ColumnGroup[] {
  const groups: ColumnGroup[] = [];
  let sig = "";
  for (const row of rows) {
    if (row === null || typeof row !== "object") throw new DatabaseError(DbErrorCode.ARGUMENT, "insert rows must be objects");
    const columns = Object.keys(row);
    if (columns.length === 0) throw new DatabaseError(DbErrorCode.ARGUMENT, "insert row has no columns");
    const s = columns.join("\u0000");
    if (s !== sig || groups.length === 0) {
      groups.push({ columns, quoted: [], rows: [] });
      sig = s;
    }
    groups[groups.length - 1]!.rows.push(row);
  }
  return groups;
}

function noop(): void {}

function firstRow<T>(r: RawResult): T | null {
  return (r.rows[0] ?? null) as T | null;
}

function truthy(v: unknown): boolean {
  if (typeof v === "string") return v !== "" && v !== "0" && v.toLowerCase() !== "false" && v.toLowerCase() !== "no";
  if (typeof v === "bigint") return v !== 0n;
  return Boolean(v);
}

/** A server that is down, unknown or refused the login: connect() may start lazily on it. */
function serverRefused(error: unknown): boolean {
  if (!(error instanceof DatabaseError)) return false;
  return error.unavailable || error.code === DbErrorCode.AUTH;
}

function checkCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new DatabaseError(DbErrorCode.ARGUMENT, `${name} must be a non-negative integer, got ${String(v)}`);
  }
}

function noWhere(engine: Engine, op: string): DatabaseError {
  return new DatabaseError(
    DbErrorCode.NO_WHERE,
    `[${engine}] ${op} without a WHERE condition is refused; pass e.g. "id = ?" with params, or {id: 1} (use "1 = 1" to mean every row)`,
    { engine },
  );
}

function argError(engine: Engine, message: string): DatabaseError {
  return new DatabaseError(DbErrorCode.ARGUMENT, `[${engine}] ${message}`, { engine });
}

// The `database` cache backend opens its table through this layer (runtime/cache cannot import it).
provideSqlCacheConnector(databaseCacheConnector((url, connectTimeoutMs) =>
  Database.connect(url, { autocommit: true, pool: 2, connectTimeoutMs, queryCache: NO_QUERY_CACHE, failFast: true, readiness: false })));

/** The span name of a traced statement (runtime/ops/tracing.ts). */
function spanName(mode: "all" | "one" | "exec"): string {
  return mode === "exec" ? "db.execute" : "db.query";
}
