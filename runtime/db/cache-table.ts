/**
 * The `database` cache store's table in each engine's SQL (the store itself lives in
 * runtime/cache and must not import this layer; it gets these through the SqlCacheConnector).
 * Column types, table options and the upsert come from the dialect; the counter increment is
 * the one statement with no generic form, so each engine's is written out here.
 */
import type { SqlCacheIncrement, SqlCacheStatements } from "../cache/sql-connector.js";
import type { Dialect } from "./dialects/dialect.js";
import type { Engine } from "./types.js";

const COLUMNS = ["cache_id", "cache_ns", "cache_value", "expires_at"] as const;

function increment(engine: Engine, table: string): SqlCacheIncrement {
  const cols = COLUMNS.join(", ");
  // the row being updated has expired (0 = never expires)
  const expired = `${table}.expires_at <> 0 AND ${table}.expires_at <= ?`;
  const insert = `INSERT INTO ${table} (${cols}) VALUES (?, ?, '1', ?)`;
  switch (engine) {
    case "sqlite":
    case "postgres":
      return {
        kind: "returning",
        sql: `${insert} ON CONFLICT (cache_id) DO UPDATE SET ` +
          `cache_value = CASE WHEN ${expired} THEN '1' ELSE CAST(CAST(${table}.cache_value AS BIGINT) + 1 AS TEXT) END, ` +
          `expires_at = CASE WHEN ${expired} THEN excluded.expires_at ELSE ${table}.expires_at END RETURNING cache_value`,
      };
    case "mysql":
      // LAST_INSERT_ID(expr) hands the new count back in the OK packet (an inserted row reports 0 → 1).
      // MySQL assigns left to right: expires_at's test still sees the old expiry.
      return {
        kind: "lastInsertId",
        sql: `${insert} ON DUPLICATE KEY UPDATE ` +
          `cache_value = IF(${expired}, LAST_INSERT_ID(1), LAST_INSERT_ID(CAST(cache_value AS SIGNED) + 1)), ` +
          `expires_at = IF(${expired}, VALUES(expires_at), expires_at)`,
      };
    case "firebird":
      return {
        kind: "updateThenInsert",
        update: `UPDATE ${table} SET cache_value = CASE WHEN ${expired} THEN '1' ELSE CAST(CAST(CAST(cache_value AS VARCHAR(32)) AS BIGINT) + 1 AS VARCHAR(32)) END, ` +
          `expires_at = CASE WHEN ${expired} THEN ? ELSE expires_at END WHERE cache_id = ? RETURNING cache_value`,
        insert,
      };
    case "mssql":
      return {
        kind: "updateThenInsert",
        update: `UPDATE ${table} SET cache_value = CASE WHEN ${expired} THEN '1' ELSE CAST(CAST(cache_value AS BIGINT) + 1 AS NVARCHAR(32)) END, ` +
          `expires_at = CASE WHEN ${expired} THEN ? ELSE expires_at END OUTPUT inserted.cache_value WHERE cache_id = ?`,
        insert,
      };
  }
}

export function cacheTableStatements(dialect: Dialect, table: string): SqlCacheStatements {
  const id = dialect.varchar(64);
  return {
    create: [
      `CREATE TABLE ${table} (cache_id ${id} NOT NULL PRIMARY KEY, cache_ns ${id} NOT NULL, ` +
        `cache_value ${dialect.columnType("document")} NOT NULL, expires_at ${dialect.columnType("bigint")} NOT NULL)${dialect.tableOptions}`,
      `CREATE INDEX ${table}_ns ON ${table} (cache_ns, expires_at)`,
    ],
    upsert: dialect.upsertSql(table, COLUMNS, ["cache_id"]),
    increment: increment(dialect.engine, table),
  };
}
