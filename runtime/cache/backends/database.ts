/**
 * A cache table in any database tina4's Database layer speaks (SQLite, PostgreSQL,
 * MySQL/MariaDB, MS SQL Server, Firebird). One table `tina4_cache`, created on first use:
 *
 *   cache_id    64-char hex sha256(namespace NUL key)  PRIMARY KEY
 *   cache_ns    the namespace (clear = DELETE WHERE cache_ns = ?)
 *   cache_value the JSON text
 *   expires_at  epoch ms, 0 = never
 *
 * The store opens its own connection through the database layer's SqlCacheConnector
 * (autocommit on, small pool, no query cache of its own), so cache writes never join or wait
 * for an application transaction, and this file never imports the database layer: the table's
 * engine-specific SQL (column types, upsert, counter increment) comes with the connection
 * (runtime/db/cache-table.ts). Reads skip expired rows and delete them; every 200th write also
 * sweeps expired rows of every namespace. Writes are one upsert statement.
 */
import { createHash } from "node:crypto";
import type { CacheStore } from "../backend.js";
import { CacheError, CacheErrorCode } from "../errors.js";
import { SharedConnections, redactUrl } from "../shared.js";
import { sqlCacheConnector, type SqlCacheConnection, type SqlCacheConnector, type SqlCacheStatements } from "../sql-connector.js";

const TABLE = "tina4_cache";
const SWEEP_EVERY = 200;
/** Tries per increment: concurrent increments of one counter conflict on some engines and are retried. */
const INCR_ATTEMPTS = 12;

export interface DatabaseStoreOptions {
  namespace: string;
  /** Any TINA4_DATABASE_URL form, e.g. sqlite:data/app.db or postgres://user:pass@host/db. */
  url: string;
  /** Bound on the first connection (network engines). */
  connectTimeoutMs?: number;
}

/** A column of a row whatever case the engine folded it to (Firebird upper-cases). */
function column(row: Record<string, unknown>, name: string): unknown {
  return row[name] ?? row[name.toUpperCase()];
}

function countOf(records: ReadonlyArray<Record<string, unknown>> | undefined): number {
  const value = records?.[0] === undefined ? undefined : column(records[0], "cache_value");
  const count = Number(asText(value) ?? value);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error("the cache table returned no counter");
  return count;
}

function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return undefined;
}

async function ensureTable(db: SqlCacheConnection): Promise<void> {
  if (await db.tableExists(TABLE)) return;
  const [createTable, createIndex] = db.cacheTable(TABLE).create;
  try {
    await db.execute(createTable);
  } catch (error) {
    // another process may have created it in the meantime
    if (!(await db.tableExists(TABLE))) throw error;
    return;
  }
  await db.execute(createIndex).catch(() => undefined);
}

const connections = new SharedConnections<SqlCacheConnection>(async (key) => {
  const [url, connectTimeoutMs] = JSON.parse(key) as [string, number];
  const db = await sqlCacheConnector().connect(url, connectTimeoutMs);
  try {
    await ensureTable(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw new CacheError(CacheErrorCode.UNREACHABLE, `database ${redactUrl(url)}: cannot create the ${TABLE} table: ${(error as Error).message}`, { cause: error });
  }
  return db;
}, (db) => db.close());

export class DatabaseStore implements CacheStore {
  readonly backend = "database" as const;
  readonly namespace: string;
  #connectionKey: string;
  #db: SqlCacheConnection | undefined;
  #connector: SqlCacheConnector | undefined;
  #sql: SqlCacheStatements | undefined;
  #writes = 0;

  constructor(options: DatabaseStoreOptions) {
    this.namespace = options.namespace;
    this.#connectionKey = JSON.stringify([options.url, options.connectTimeoutMs ?? 1000]);
  }

  /** Connects (shared per URL), creates the table if needed; rejects with UNREACHABLE/DRIVER_MISSING/BAD_URL. */
  async open(): Promise<this> {
    if (this.#db) return this;
    this.#connector = sqlCacheConnector();
    const db = await connections.acquire(this.#connectionKey);
    this.#sql = db.cacheTable(TABLE);
    this.#db = db;
    return this;
  }

  /**
   * Runs one operation; when it failed because tina4_cache is gone — dropped under a running app,
   * as `tina4 migrate:fresh` does — creates the table and runs it once more, so the cache (and
   * the sessions in it) works again without a restart. Costs nothing unless a statement failed.
   */
  async #withTable<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      const db = this.#ready();
      if (this.isOutage(error) || (await db.tableExists(TABLE).catch(() => true))) throw error;
      await ensureTable(db);
      return operation();
    }
  }

  #ready(): SqlCacheConnection {
    if (!this.#db) throw new Error("database store used before open()");
    return this.#db;
  }

  #statements(): SqlCacheStatements {
    if (!this.#sql) throw new Error("database store used before open()");
    return this.#sql;
  }

  #id(key: string): string {
    return createHash("sha256").update(this.namespace).update("\u0000").update(key).digest("hex");
  }

  get(key: string): Promise<string | undefined> {
    return this.#withTable(() => this.#get(key));
  }

  async #get(key: string): Promise<string | undefined> {
    const db = this.#ready();
    const id = this.#id(key);
    const row = await db.fetchOne(`SELECT cache_value, expires_at FROM ${TABLE} WHERE cache_id = ?`, [id]);
    if (!row) return undefined;
    const expires = Number(column(row, "expires_at"));
    if (expires !== 0 && expires <= Date.now()) {
      await db.execute(`DELETE FROM ${TABLE} WHERE cache_id = ? AND expires_at = ?`, [id, expires]);
      return undefined;
    }
    return asText(column(row, "cache_value"));
  }

  /** Connection trouble is an outage; a query error (lock conflict, ...) fails one call only. */
  isOutage(error: unknown): boolean {
    return this.#connector === undefined || this.#connector.isOutage(error);
  }

  set(key: string, text: string, ttlMs: number): Promise<void> {
    return this.#withTable(() => this.#set(key, text, ttlMs));
  }

  async #set(key: string, text: string, ttlMs: number): Promise<void> {
    const db = this.#ready();
    const now = Date.now();
    const params = [this.#id(key), this.namespace, text, ttlMs > 0 ? now + ttlMs : 0];
    // concurrent upserts of one key can conflict (Firebird "update conflicts", deadlocks
    // elsewhere): retry briefly; the last write wins as it would have without the conflict
    for (let attempt = 1; ; attempt++) {
      try {
        await db.execute(this.#statements().upsert, params);
        break;
      } catch (error) {
        if (attempt >= 4 || this.isOutage(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
    if (++this.#writes % SWEEP_EVERY === 0) {
      await db.execute(`DELETE FROM ${TABLE} WHERE expires_at > 0 AND expires_at <= ?`, [now]);
    }
  }

  incr(key: string, ttlMs: number): Promise<number> {
    return this.#withTable(() => this.#incr(key, ttlMs));
  }

  async #incr(key: string, ttlMs: number): Promise<number> {
    const db = this.#ready();
    const id = this.#id(key);
    const now = Date.now();
    const expires = ttlMs > 0 ? now + ttlMs : 0;
    const increment = this.#statements().increment;
    if (increment.kind === "updateThenInsert") return this.#updateOrInsert(db, increment, id, now, expires);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await db.execute(increment.sql, [id, this.namespace, expires, now, now]);
        if (increment.kind === "lastInsertId") return Number(result.lastId ?? 0) || 1;
        return countOf(result.records);
      } catch (error) {
        if (attempt >= INCR_ATTEMPTS || this.isOutage(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * attempt));
      }
    }
  }

  /** Engines without an upsert that returns the row: update the counter, else insert it; a racing insert means update again. */
  async #updateOrInsert(db: SqlCacheConnection, increment: { update: string; insert: string }, id: string, now: number, expires: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const updated = await db.execute(increment.update, [now, now, expires, id]);
        // Firebird answers an UPDATE … RETURNING that matched nothing with a row of NULLs
        const row = updated.records?.[0];
        if (row !== undefined && column(row, "cache_value") != null) return countOf(updated.records);
        await db.execute(increment.insert, [id, this.namespace, expires]);
        return 1;
      } catch (error) {
        // update conflicts (Firebird) and duplicate inserts are expected under contention
        if (attempt >= INCR_ATTEMPTS || this.isOutage(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * attempt));
      }
    }
  }

  delete(key: string): Promise<boolean> {
    return this.#withTable(() => this.#delete(key));
  }

  async #delete(key: string): Promise<boolean> {
    const result = await this.#ready().execute(`DELETE FROM ${TABLE} WHERE cache_id = ?`, [this.#id(key)]);
    return result.affected > 0;
  }

  clear(): Promise<void> {
    return this.#withTable(() => this.#clear());
  }

  async #clear(): Promise<void> {
    await this.#ready().execute(`DELETE FROM ${TABLE} WHERE cache_ns = ?`, [this.namespace]);
  }

  size(): Promise<number> {
    return this.#withTable(() => this.#size());
  }

  async #size(): Promise<number> {
    const row = await this.#ready().fetchOne(
      `SELECT COUNT(*) AS n FROM ${TABLE} WHERE cache_ns = ? AND (expires_at = 0 OR expires_at > ?)`,
      [this.namespace, Date.now()]);
    return row ? Number(column(row, "n")) : 0;
  }

  async close(): Promise<void> {
    if (!this.#db) return;
    this.#db = undefined;
    await connections.release(this.#connectionKey);
  }
}

