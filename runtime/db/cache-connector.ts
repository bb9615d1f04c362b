/**
 * The database layer's side of the `database` cache backend: it opens the cache table's
 * connection and says which errors are outages. Provided to runtime/cache (which must not
 * import this layer) by database.ts when it loads.
 */
import { CacheError, CacheErrorCode } from "../cache/errors.js";
import { redactUrl } from "../cache/shared.js";
import type { SqlCacheConnection, SqlCacheConnector } from "../cache/sql-connector.js";
import { DatabaseError, DbErrorCode } from "./errors.js";
import type { QueryCacheOptions } from "./query-cache/config.js";

/**
 * The cache table's own connection never has a query cache: with TINA4_DB_CACHE_BACKEND=database
 * it would otherwise open the same cache store again, which waits for this very connection.
 */
export const NO_QUERY_CACHE: QueryCacheOptions = Object.freeze({ request: false, persistent: false });

export type OpenForCache = (url: string, connectTimeoutMs: number) => Promise<SqlCacheConnection>;

export function databaseCacheConnector(open: OpenForCache): SqlCacheConnector {
  return {
    async connect(url, connectTimeoutMs) {
      try {
        return await open(url, connectTimeoutMs);
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
