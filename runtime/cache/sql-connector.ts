/**
 * What the `database` cache store needs from a SQL database, and nothing more. The database
 * layer depends on the cache (its query cache is stored in cache backends), so the cache must
 * not import the database layer back: runtime/db provides its connector here when it loads
 * (see runtime/db/cache-connector.ts) and the store looks it up when it opens.
 */
import { CacheError, CacheErrorCode } from "./errors.js";

export type SqlCacheValue = string | number | bigint | null;

/**
 * The cache table's statements in one database's SQL (`?` placeholders). The table has the
 * columns cache_id (the entry's hash, primary key), cache_ns, cache_value (JSON text, or a
 * counter as decimal text) and expires_at (epoch ms, 0 = never); the store writes its plain
 * SELECT and DELETE statements itself, everything engine-specific comes from here.
 */
export interface SqlCacheStatements {
  /** CREATE TABLE, then CREATE INDEX on (cache_ns, expires_at). */
  readonly create: readonly [string, string];
  /** Insert or replace an entry; params [id, namespace, value, expiresAt]. */
  readonly upsert: string;
  readonly increment: SqlCacheIncrement;
}

/**
 * How this database adds 1 to a live counter (keeping its expiry) or restarts an expired or
 * missing one at 1, atomically.
 */
export type SqlCacheIncrement =
  /** One statement; params [id, namespace, expiresAt, now, now]; the new count comes back as cache_value. */
  | { readonly kind: "returning"; readonly sql: string }
  /** One statement; the same params; the new count is the driver's last insert id. */
  | { readonly kind: "lastInsertId"; readonly sql: string }
  /**
   * `update` (params [now, now, expiresAt, id]) returns cache_value when the counter exists;
   * otherwise `insert` (params [id, namespace, expiresAt]) starts it at 1, and a racing insert
   * that fails means: update again.
   */
  | { readonly kind: "updateThenInsert"; readonly update: string; readonly insert: string };

/** One open database, autocommit on, with no query cache of its own. */
export interface SqlCacheConnection {
  /** The engine-specific statements for the cache table named `table`. */
  cacheTable(table: string): SqlCacheStatements;
  fetchOne(sql: string, params: readonly SqlCacheValue[]): Promise<Record<string, unknown> | null>;
  /** `records`: rows a RETURNING/OUTPUT clause gave back; `lastId`: MySQL's insert id (LAST_INSERT_ID(expr) included). */
  execute(sql: string, params?: readonly SqlCacheValue[]): Promise<{ affected: number; lastId?: number | bigint | null; records?: ReadonlyArray<Record<string, unknown>> }>;
  tableExists(table: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface SqlCacheConnector {
  /** Opens a connection; rejects with a CacheError (BAD_URL, DRIVER_MISSING or UNREACHABLE). */
  connect(url: string, connectTimeoutMs: number): Promise<SqlCacheConnection>;
  /** True when `error` means the server is gone rather than one statement failing. */
  isOutage(error: unknown): boolean;
}

let provided: SqlCacheConnector | undefined;

/** Called by the database layer when it loads. */
export function provideSqlCacheConnector(connector: SqlCacheConnector): void {
  provided = connector;
}

/** The database layer's connector; DRIVER_MISSING (so the factory falls back to `file`) when it was never loaded. */
export function sqlCacheConnector(): SqlCacheConnector {
  if (provided === undefined) {
    throw new CacheError(CacheErrorCode.DRIVER_MISSING,
      'the database cache backend needs tina4\'s database layer: import it (import { Database } from "tina4") before creating the cache');
  }
  return provided;
}
