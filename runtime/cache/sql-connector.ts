/**
 * What the `database` cache store needs from a SQL database, and nothing more. The database
 * layer depends on the cache (its query cache is stored in cache backends), so the cache must
 * not import the database layer back: runtime/db provides its connector here when it loads
 * (see runtime/db/cache-connector.ts) and the store looks it up when it opens.
 */
import { CacheError, CacheErrorCode } from "./errors.js";

export type SqlCacheEngine = "sqlite" | "postgres" | "mysql" | "mssql" | "firebird";
export type SqlCacheValue = string | number | bigint | null;

/** One open database, autocommit on, with no query cache of its own. */
export interface SqlCacheConnection {
  readonly engine: SqlCacheEngine;
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
