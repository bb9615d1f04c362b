import { Dialect, type SchemaObject } from "./dialect.js";
import type { ScanFlavour } from "../sql.js";

export class SqliteDialect extends Dialect {
  readonly engine = "sqlite" as const;
  readonly flavour: ScanFlavour = {};
  readonly maxParams = 32_000;
  readonly maxInsertRows = 500;
  override readonly maxIdentifier = 128;
  readonly beginSql = "BEGIN IMMEDIATE";
  /** better-sqlite3 reports lastInsertRowid itself: no RETURNING. */
  override readonly insertReturnsPk = false;

  protected quotePart(part: string): string {
    return `"${part}"`;
  }
  protected readonly columnTypes = {
    string: "VARCHAR(255)", text: "TEXT", int: "INTEGER", bigint: "BIGINT", float: "REAL", bool: "BOOLEAN",
    datetime: "TIMESTAMP", json: "TEXT", document: "TEXT",
  } as const;
  readonly autoIncrementPrimaryKey = "INTEGER PRIMARY KEY AUTOINCREMENT";
  readonly exactDecimal = { digits: 15, reason: "SQLite has no exact decimal type: a DECIMAL column keeps numbers as 64-bit floats, exact to 15 digits" };
  // better-sqlite3 speaks `?` and LIMIT natively: prepare is the identity.
  override prepare(sql: string): { sql: string; swapLastTwo: boolean } {
    return { sql, swapLastTwo: false };
  }
  tableExistsSql(): string {
    return "SELECT 1 AS found FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?";
  }
  columnsSql(table: string) {
    return {
      sql: `SELECT name, type, "notnull" AS nn, dflt_value AS dflt, pk FROM pragma_table_info(?)`,
      params: [table],
    };
  }
  /** Tables and views of the file (sqlite_* are SQLite's own; indexes and triggers go with their table). */
  override appObjectsSql(): string {
    return "SELECT name, type AS kind, NULL AS args FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
  }
  /**
   * Foreign keys are on (the adapter's PRAGMA): dropping a referenced table first would fail.
   * Deferred, they are checked at commit, when no table is left to violate them.
   */
  override dropObjectsSql(objects: readonly SchemaObject[]) {
    const plan = super.dropObjectsSql(objects);
    return { ...plan, before: ["PRAGMA defer_foreign_keys = ON"] };
  }
  sequenceTableSql(): string {
    return "CREATE TABLE IF NOT EXISTS tina4_sequence (seq_name VARCHAR(200) PRIMARY KEY, next_id BIGINT NOT NULL)";
  }
  sequenceSeedSql(): string {
    return "INSERT OR IGNORE INTO tina4_sequence (seq_name, next_id) VALUES (?, 1)";
  }
  sequenceNextSql(table: string, pk: string): string {
    return `UPDATE tina4_sequence SET next_id = max(next_id, (SELECT COALESCE(MAX(${pk}), 0) + 1 FROM ${table})) + 1 ` +
      "WHERE seq_name = ? RETURNING next_id - 1 AS id";
  }
}
