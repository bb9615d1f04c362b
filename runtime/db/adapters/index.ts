import { DatabaseError, DbErrorCode } from "../errors.js";
import type { ParsedDatabaseUrl } from "../url.js";
import type { Adapter } from "./adapter.js";
import { FirebirdAdapter } from "./firebird.js";
import { MssqlAdapter } from "./mssql.js";
import { MysqlAdapter } from "./mysql.js";
import { PostgresAdapter } from "./postgres.js";
import { SqliteAdapter } from "./sqlite.js";

/** `create`: SQLite only — false opens an existing file only (see DatabaseOptions.create). */
export function createAdapter(url: ParsedDatabaseUrl, connectTimeoutMs: number, create = true): Adapter {
  switch (url.engine) {
    case "sqlite": return new SqliteAdapter(url, create);
    case "postgres": return new PostgresAdapter(url, connectTimeoutMs);
    case "mysql": return new MysqlAdapter(url, connectTimeoutMs);
    case "mssql": return new MssqlAdapter(url, connectTimeoutMs);
    case "firebird": return new FirebirdAdapter(url, connectTimeoutMs);
    default: throw new DatabaseError(DbErrorCode.URL, `Unsupported engine ${String(url.engine)}`);
  }
}
