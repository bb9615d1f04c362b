import { Dialect } from "./dialect.js";
import { replacePlaceholders, type ScanFlavour } from "../sql.js";

export class PostgresDialect extends Dialect {
  readonly engine = "postgres" as const;
  readonly flavour: ScanFlavour = { dollarQuotes: true, nestedComments: true };
  readonly maxParams = 65_000;
  readonly maxInsertRows = 1000;
  readonly beginSql = "BEGIN";

  protected override placeholders(sql: string): string {
    return replacePlaceholders(sql, (n) => `$${n}`, this.flavour);
  }
  /** Unquoted names fold to lower case in PostgreSQL; quoting the folded form keeps that meaning. */
  protected quotePart(part: string): string {
    return `"${part.toLowerCase()}"`;
  }
  protected readonly columnTypes = {
    string: "VARCHAR(255)", text: "TEXT", int: "INTEGER", bigint: "BIGINT", float: "DOUBLE PRECISION", bool: "BOOLEAN",
    datetime: "TIMESTAMP", json: "JSONB", document: "TEXT",
  } as const;
  readonly autoIncrementPrimaryKey = "SERIAL PRIMARY KEY";
  readonly exactDecimal = { digits: 1000, reason: "PostgreSQL NUMERIC columns hold at most 1000 digits" };
  tableExistsSql(): string {
    return "SELECT to_regclass(?) IS NOT NULL AS found";
  }
  override tableExistsParams(table: string) {
    return [this.quote(table)];
  }
  columnsSql(table: string) {
    const [schema, name] = table.includes(".") ? table.toLowerCase().split(".") : [null, table.toLowerCase()];
    return {
      sql: `SELECT c.column_name AS name, c.data_type AS type, c.is_nullable = 'NO' AS nn, c.column_default AS dflt,
        EXISTS (SELECT 1 FROM information_schema.table_constraints tc
          JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name
            AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
          WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema
            AND tc.table_name = c.table_name AND k.column_name = c.column_name) AS pk
        FROM information_schema.columns c
        WHERE c.table_schema = COALESCE(?::text, current_schema()) AND c.table_name = ?
        ORDER BY c.ordinal_position`,
      params: [schema ?? null, name ?? ""],
    };
  }
  sequenceTableSql(): string {
    return "CREATE TABLE IF NOT EXISTS tina4_sequence (seq_name VARCHAR(200) PRIMARY KEY, next_id BIGINT NOT NULL)";
  }
  sequenceSeedSql(): string {
    return "INSERT INTO tina4_sequence (seq_name, next_id) VALUES (?, 1) ON CONFLICT (seq_name) DO NOTHING";
  }
  sequenceNextSql(table: string, pk: string): string {
    return `UPDATE tina4_sequence SET next_id = GREATEST(next_id, (SELECT COALESCE(MAX(${pk}), 0) + 1 FROM ${table})) + 1 ` +
      "WHERE seq_name = ? RETURNING next_id - 1 AS id";
  }
}
