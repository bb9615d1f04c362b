/**
 * The database layer's side of the `database` cache backend: it opens the cache table's
 * connection, writes the table's engine-specific SQL (cache-table.ts) and says which errors
 * are outages. Provided to runtime/cache (which must not import this layer) by database.ts
 * when it loads.
 */
import { CacheError, CacheErrorCode } from "../cache/errors.js";
import { redactUrl } from "../cache/shared.js";
import type { SqlCacheConnection, SqlCacheConnector } from "../cache/sql-connector.js";
import { cacheTableStatements } from "./cache-table.js";
import { dialectFor } from "./dialects/index.js";
import { DatabaseError, DbErrorCode } from "./errors.js";
import type { QueryCacheOptions } from "./query-cache/config.js";
import type { Engine } from "./types.js";

/**
 * The cache table's own connection never has a query cache: with TINA4_DB_CACHE_BACKEND=database
 * it would otherwise open the same cache store again, which waits for this very connection.
 */
export const NO_QUERY_CACHE: QueryCacheOptions = Object.freeze({ request: false, persistent: false });

/** What the connector needs of an open Database. */
export type CacheDatabase = Omit<SqlCacheConnection, "cacheTable"> & { readonly engine: Engine };
export type OpenForCache = (url: string, connectTimeoutMs: number) => Promise<CacheDatabase>;

function cacheConnection(db: CacheDatabase): SqlCacheConnection {
  const dialect = dialectFor(db.engine);
  return {
    cacheTable: (table) => cacheTableStatements(dialect, table),
    fetchOne: (sql, params) => db.fetchOne(sql, params),
    execute: (sql, params) => db.execute(sql, params),
    tableExists: (table) => db.tableExists(table),
    close: () => db.close(),
  };
}

export function databaseCacheConnector(open: OpenForCache): SqlCacheConnector {
  return {
    async connect(url, connectTimeoutMs) {
      try {
        return cacheConnection(await open(url, connectTimeoutMs));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const code = error instanceof DatabaseError ? error.code : undefined;
        if (code === DbErrorCode.URL) throw new CacheError(CacheErrorCode.BAD_URL, message, { cause: error });
        if (code === DbErrorCode.DRIVER_MISSING) throw new CacheError(CacheErrorCode.DRIVER_MISSING, message, { cause: error });
        throw new CacheError(CacheErrorCode.UNREACHABLE, `database ${redactUrl(url)} is unreachable: ${message}`, { cause: error });
      }
    },
    isOutage(error) {
      return !(error instanceof DatabaseError) || error.unavailable;
    },
  };
}
