/** Public API of the tina4 database layer. */
import "./readiness.js"; // registers the "database" check of GET /__ready
export { Database } from "./database.js";
export { DatabaseResult, type DatabaseResultJSON, type Paginated } from "./result.js";
export { DatabaseError, DbErrorCode, redact, type DbErrorCodeValue, type DatabaseErrorDetails } from "./errors.js";
export { parseDatabaseUrl, type ParsedDatabaseUrl } from "./url.js";
export type {
  ColumnInfo, DatabaseCacheStats, DatabaseOptions, Engine, ExecuteResult, FetchOneOptions, FetchOptions,
  InsertResult, Row, SqlParams, SqlValue, WhereClause, WriteResult,
} from "./types.js";
export type { QueryCacheOptions } from "./query-cache/config.js";
export { runInRequestScope } from "./query-cache/request-scope.js";
