/**
 * The SQL tina4 writes for its own tables and for generated migrations comes from the dialects
 * (runtime/db/dialects), the one home for engine knowledge. These pin it to the statements that
 * were written out per engine before (migration tracking, lock and cache tables, generator
 * column types, ORM quoting), so moving them changed nothing. Two deliberate exceptions in the
 * cache table's CREATE are pinned as such (see docs/decisions.md).
 */
import { describe, expect, it } from "vitest";
import { cacheTableStatements } from "../../runtime/db/cache-table.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import type { Engine } from "../../runtime/db/types.js";
import { lockTableDdl } from "../../runtime/lock/database.js";
import { trackingDdl } from "../../runtime/migrate/tracking.js";
import { fieldColumnType, primaryKeyColumn } from "../../cli/generate/sql-types.js";
import { FIELD_TYPES } from "../../cli/generate/fields.js";

interface Expected {
  tracking: string;
  lock: string;
  cacheCreate: string;
  cacheUpsert: string;
  cacheIncrement: string;
  columns: Record<(typeof FIELD_TYPES)[number], string>;
  primaryKey: string;
  quoted: string;
}

const expected: Record<Engine, Expected> = {
  sqlite: {
    tracking: "CREATE TABLE tina4_migration (id INTEGER PRIMARY KEY AUTOINCREMENT, migration_name VARCHAR(255) NOT NULL UNIQUE, batch INTEGER NOT NULL, executed_at TIMESTAMP NOT NULL)",
    lock: "CREATE TABLE tina4_lock (lock_name VARCHAR(200) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)",
    cacheCreate: "CREATE TABLE tina4_cache (cache_id VARCHAR(64) NOT NULL PRIMARY KEY, cache_ns VARCHAR(64) NOT NULL, cache_value TEXT NOT NULL, expires_at BIGINT NOT NULL)",
    cacheUpsert: "INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (cache_id) DO UPDATE SET cache_ns = excluded.cache_ns, cache_value = excluded.cache_value, expires_at = excluded.expires_at",
    cacheIncrement: "INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, '1', ?) ON CONFLICT (cache_id) DO UPDATE SET cache_value = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN '1' ELSE CAST(CAST(tina4_cache.cache_value AS BIGINT) + 1 AS TEXT) END, expires_at = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN excluded.expires_at ELSE tina4_cache.expires_at END RETURNING cache_value",
    columns: {"string": "VARCHAR(255)", "text": "TEXT", "int": "INTEGER", "float": "REAL", "decimal": "DECIMAL(12,2)", "bool": "BOOLEAN", "datetime": "TIMESTAMP", "json": "TEXT"},
    primaryKey: "INTEGER PRIMARY KEY AUTOINCREMENT",
    quoted: "\"app\".\"Product_Items\"",
  },
  postgres: {
    tracking: "CREATE TABLE tina4_migration (id SERIAL PRIMARY KEY, migration_name VARCHAR(255) NOT NULL UNIQUE, batch INTEGER NOT NULL, executed_at TIMESTAMP NOT NULL)",
    lock: "CREATE TABLE tina4_lock (lock_name VARCHAR(200) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)",
    cacheCreate: "CREATE TABLE tina4_cache (cache_id VARCHAR(64) NOT NULL PRIMARY KEY, cache_ns VARCHAR(64) NOT NULL, cache_value TEXT NOT NULL, expires_at BIGINT NOT NULL)",
    cacheUpsert: "INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (cache_id) DO UPDATE SET cache_ns = excluded.cache_ns, cache_value = excluded.cache_value, expires_at = excluded.expires_at",
    cacheIncrement: "INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, '1', ?) ON CONFLICT (cache_id) DO UPDATE SET cache_value = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN '1' ELSE CAST(CAST(tina4_cache.cache_value AS BIGINT) + 1 AS TEXT) END, expires_at = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN excluded.expires_at ELSE tina4_cache.expires_at END RETURNING cache_value",
    columns: {"string": "VARCHAR(255)", "text": "TEXT", "int": "INTEGER", "float": "DOUBLE PRECISION", "decimal": "DECIMAL(12,2)", "bool": "BOOLEAN", "datetime": "TIMESTAMP", "json": "JSONB"},
    primaryKey: "SERIAL PRIMARY KEY",
    quoted: "\"app\".\"product_items\"",
  },
  mysql: {
    tracking: "CREATE TABLE tina4_migration (id INT AUTO_INCREMENT PRIMARY KEY, migration_name VARCHAR(255) NOT NULL UNIQUE, batch INT NOT NULL, executed_at DATETIME(3) NOT NULL) ENGINE=InnoDB",
    lock: "CREATE TABLE tina4_lock (lock_name VARCHAR(200) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL) ENGINE=InnoDB",
    cacheCreate: "CREATE TABLE tina4_cache (cache_id VARCHAR(64) NOT NULL PRIMARY KEY, cache_ns VARCHAR(64) NOT NULL, cache_value LONGTEXT CHARACTER SET utf8mb4 NOT NULL, expires_at BIGINT NOT NULL) ENGINE=InnoDB",
    cacheUpsert: "INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE cache_ns = VALUES(cache_ns), cache_value = VALUES(cache_value), expires_at = VALUES(expires_at)",
    cacheIncrement: "INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, '1', ?) ON DUPLICATE KEY UPDATE cache_value = IF(tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ?, LAST_INSERT_ID(1), LAST_INSERT_ID(CAST(cache_value AS SIGNED) + 1)), expires_at = IF(tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ?, VALUES(expires_at), expires_at)",
    columns: {"string": "VARCHAR(255)", "text": "TEXT", "int": "INT", "float": "DOUBLE", "decimal": "DECIMAL(12,2)", "bool": "TINYINT(1)", "datetime": "DATETIME(3)", "json": "JSON"},
    primaryKey: "INT AUTO_INCREMENT PRIMARY KEY",
    quoted: "`app`.`Product_Items`",
  },
  mssql: {
    tracking: "CREATE TABLE tina4_migration (id INT IDENTITY(1,1) PRIMARY KEY, migration_name NVARCHAR(255) NOT NULL UNIQUE, batch INT NOT NULL, executed_at DATETIME2 NOT NULL)",
    lock: "CREATE TABLE tina4_lock (lock_name NVARCHAR(200) NOT NULL PRIMARY KEY, owner NVARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)",
    cacheCreate: "CREATE TABLE tina4_cache (cache_id NVARCHAR(64) NOT NULL PRIMARY KEY, cache_ns NVARCHAR(64) NOT NULL, cache_value NVARCHAR(MAX) NOT NULL, expires_at BIGINT NOT NULL)",
    cacheUpsert: "MERGE tina4_cache WITH (HOLDLOCK) AS t USING (SELECT ? AS cache_id, ? AS cache_ns, ? AS cache_value, ? AS expires_at) AS s ON t.cache_id = s.cache_id WHEN MATCHED THEN UPDATE SET cache_ns = s.cache_ns, cache_value = s.cache_value, expires_at = s.expires_at WHEN NOT MATCHED THEN INSERT (cache_id, cache_ns, cache_value, expires_at) VALUES (s.cache_id, s.cache_ns, s.cache_value, s.expires_at);",
    cacheIncrement: "UPDATE tina4_cache SET cache_value = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN '1' ELSE CAST(CAST(cache_value AS BIGINT) + 1 AS NVARCHAR(32)) END, expires_at = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN ? ELSE expires_at END OUTPUT inserted.cache_value WHERE cache_id = ?",
    columns: {"string": "NVARCHAR(255)", "text": "NVARCHAR(MAX)", "int": "INT", "float": "FLOAT", "decimal": "DECIMAL(12,2)", "bool": "BIT", "datetime": "DATETIME2", "json": "NVARCHAR(MAX)"},
    primaryKey: "INT IDENTITY(1,1) PRIMARY KEY",
    quoted: "[app].[Product_Items]",
  },
  firebird: {
    tracking: "CREATE TABLE tina4_migration (id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, migration_name VARCHAR(255) NOT NULL UNIQUE, batch INTEGER NOT NULL, executed_at TIMESTAMP NOT NULL)",
    lock: "CREATE TABLE tina4_lock (lock_name VARCHAR(200) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)",
    cacheCreate: "CREATE TABLE tina4_cache (cache_id VARCHAR(64) NOT NULL PRIMARY KEY, cache_ns VARCHAR(64) NOT NULL, cache_value BLOB SUB_TYPE TEXT CHARACTER SET UTF8 NOT NULL, expires_at BIGINT NOT NULL)",
    cacheUpsert: "UPDATE OR INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, ?, ?) MATCHING (cache_id)",
    cacheIncrement: "UPDATE tina4_cache SET cache_value = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN '1' ELSE CAST(CAST(CAST(cache_value AS VARCHAR(32)) AS BIGINT) + 1 AS VARCHAR(32)) END, expires_at = CASE WHEN tina4_cache.expires_at <> 0 AND tina4_cache.expires_at <= ? THEN ? ELSE expires_at END WHERE cache_id = ? RETURNING cache_value",
    columns: {"string": "VARCHAR(255)", "text": "BLOB SUB_TYPE TEXT", "int": "INTEGER", "float": "DOUBLE PRECISION", "decimal": "DECIMAL(12,2)", "bool": "BOOLEAN", "datetime": "TIMESTAMP", "json": "BLOB SUB_TYPE TEXT"},
    primaryKey: "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    quoted: "\"APP\".\"PRODUCT_ITEMS\"",
  },
};

describe.each(Object.keys(expected) as Engine[])("%s dialect", (engine) => {
  const want = expected[engine];
  const dialect = dialectFor(engine);

  it("writes the migration tracking and lock tables as before", () => {
    expect(trackingDdl(engine)).toBe(want.tracking);
    expect(lockTableDdl(engine, "tina4_lock")).toBe(want.lock);
  });

  it("writes the cache table's statements", () => {
    const sql = cacheTableStatements(dialect, "tina4_cache");
    expect(sql.create).toEqual([want.cacheCreate, "CREATE INDEX tina4_cache_ns ON tina4_cache (cache_ns, expires_at)"]);
    expect(sql.upsert).toBe(want.cacheUpsert);
    const increment = sql.increment;
    expect(increment.kind === "updateThenInsert" ? increment.update : increment.sql).toBe(want.cacheIncrement);
    if (increment.kind === "updateThenInsert") {
      expect(increment.insert).toBe("INSERT INTO tina4_cache (cache_id, cache_ns, cache_value, expires_at) VALUES (?, ?, '1', ?)");
    }
  });

  it("gives the generators their column types and primary key", () => {
    for (const type of FIELD_TYPES) expect(fieldColumnType(engine, { type }), type).toBe(want.columns[type]);
    expect(fieldColumnType(engine, { type: "decimal", precision: 10, scale: 2 })).toBe("DECIMAL(10,2)");
    expect(primaryKeyColumn(engine)).toBe(want.primaryKey);
  });

  it("quotes names as unquoted DDL folds them (what the ORM's SQL uses)", () => {
    expect(dialect.quote("app.Product_Items")).toBe(want.quoted);
    expect(() => dialect.quote('x"; DROP TABLE t; --')).toThrow(expect.objectContaining({ code: "T4_ERR_DB_IDENTIFIER" }));
  });
});

it("the increment kinds match what each engine can answer in one statement", () => {
  const kinds = Object.fromEntries((Object.keys(expected) as Engine[]).map((e) => [e, cacheTableStatements(dialectFor(e), "t").increment.kind]));
  expect(kinds).toEqual({ sqlite: "returning", postgres: "returning", mysql: "lastInsertId", mssql: "updateThenInsert", firebird: "updateThenInsert" });
});
