import { Dialect, type SchemaObject } from "./dialect.js";
import type { ScanFlavour } from "../sql.js";

export class MysqlDialect extends Dialect {
  readonly engine = "mysql" as const;
  readonly flavour: ScanFlavour = { backslashEscapes: true, hashComments: true, dashNeedsSpace: true };
  readonly maxParams = 65_000;
  readonly maxInsertRows = 1000;
  override readonly maxIdentifier = 64;
  readonly beginSql = "START TRANSACTION";
  /** mysql2 reports insertId itself: no RETURNING. */
  override readonly insertReturnsPk = false;
  override readonly schemaCommitsApart = "MySQL/MariaDB commit each CREATE, ALTER, DROP and RENAME at once";
  override readonly eachSchemaStatementCommits = true;

  // mysql2 speaks `?` and LIMIT natively.
  override prepare(sql: string): { sql: string; swapLastTwo: boolean } {
    return { sql, swapLastTwo: false };
  }
  protected quotePart(part: string): string {
    return `\`${part}\``;
  }
  protected readonly columnTypes = {
    string: "VARCHAR(255)", text: "TEXT", int: "INT", bigint: "BIGINT", float: "DOUBLE", bool: "TINYINT(1)",
    datetime: "DATETIME(3)", json: "JSON", document: "LONGTEXT CHARACTER SET utf8mb4",
  } as const;
  readonly autoIncrementPrimaryKey = "INT AUTO_INCREMENT PRIMARY KEY";
  readonly exactDecimal = { digits: 65, reason: "MySQL and MariaDB DECIMAL columns hold at most 65 digits" };
  /** InnoDB: transactions and row locks, whatever the server's default engine is. */
  override readonly tableOptions = " ENGINE=InnoDB";
  override readonly appTableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  override upsertSql(table: string, columns: readonly string[], key: readonly string[]): string {
    const updates = columns.filter((c) => !key.includes(c)).map((c) => `${c} = VALUES(${c})`);
    return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ON DUPLICATE KEY UPDATE ${updates.join(", ")}`;
  }
  tableExistsSql(): string {
    return "SELECT 1 AS found FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?";
  }
  override tableExistsParams(table: string) {
    const [schema, name] = table.includes(".") ? table.split(".") : [null, table];
    return [schema ?? null, name ?? ""];
  }
  columnsSql(table: string) {
    const [schema, name] = table.includes(".") ? table.split(".") : [null, table];
    return {
      sql: `SELECT column_name AS name, data_type AS type, is_nullable = 'NO' AS nn, NULLIF(column_default, 'NULL') AS dflt,
        column_key = 'PRI' AS pk FROM information_schema.columns
        WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? ORDER BY ordinal_position`,
      params: [schema ?? null, name ?? ""],
    };
  }
  /** Tables, views and (MariaDB) sequences of DATABASE(); triggers go with their table. */
  override appObjectsSql(): string {
    return "SELECT table_name AS name, CASE table_type WHEN 'VIEW' THEN 'view' WHEN 'SEQUENCE' THEN 'sequence' ELSE 'table' END AS kind, NULL AS args " +
      "FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type IN ('BASE TABLE', 'VIEW', 'SEQUENCE')";
  }
  /** Foreign keys would refuse dropping a referenced table first: checks off for this session, then on again. */
  override dropObjectsSql(objects: readonly SchemaObject[]) {
    const plan = super.dropObjectsSql(objects);
    return { before: ["SET FOREIGN_KEY_CHECKS = 0"], groups: plan.groups, after: ["SET FOREIGN_KEY_CHECKS = 1"] };
  }
  override quoteExact(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
  }
  sequenceTableSql(): string {
    return "CREATE TABLE IF NOT EXISTS tina4_sequence (seq_name VARCHAR(200) PRIMARY KEY, next_id BIGINT NOT NULL) ENGINE=InnoDB";
  }
  sequenceSeedSql(): string {
    return "INSERT IGNORE INTO tina4_sequence (seq_name, next_id) VALUES (?, 1)";
  }
  /** LAST_INSERT_ID(expr) makes the driver report the new value as insertId, atomically. */
  sequenceNextSql(table: string, pk: string): string {
    return `UPDATE tina4_sequence SET next_id = LAST_INSERT_ID(GREATEST(next_id, (SELECT COALESCE(MAX(${pk}), 0) + 1 FROM ${table})) + 1) ` +
      "WHERE seq_name = ?";
  }
}
