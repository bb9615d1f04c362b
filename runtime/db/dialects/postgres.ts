import { Dialect, type SchemaObject } from "./dialect.js";
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
  /**
   * Tables (partitions go with their parent), views, materialized views, sequences no column
   * owns, enum/range/composite types, domains, functions and procedures of current_schema():
   * not those an extension installed (pg_depend 'e') nor those another object owns and drops
   * with itself ('a'/'i': a SERIAL's or identity's sequence, a range type's constructors).
   */
  override appObjectsSql(): string {
    const own = (catalog: string, oid: string, owned: string) =>
      `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND (d.deptype = 'e' OR (${owned} AND d.deptype IN ('a', 'i'))))`;
    return `SELECT c.relname AS name, CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' ELSE 'table' END AS kind, NULL AS args
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition AND ${own("pg_class", "c.oid", "c.relkind = 'S'")}
      UNION ALL
      SELECT t.typname, CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, NULL
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema() AND ${own("pg_type", "t.oid", "TRUE")}
          AND (t.typtype IN ('e', 'r', 'd') OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c')))
      UNION ALL
      SELECT p.proname, CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, pg_get_function_identity_arguments(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p') AND ${own("pg_proc", "p.oid", "TRUE")}`;
  }
  /** CASCADE: a view, default or constraint of another object that depends on it goes too (it is dropped anyway). */
  protected override dropSql(object: SchemaObject): string {
    const kind = object.kind === "table" ? "TABLE" : object.kind.toUpperCase();
    const args = object.args === null ? "" : `(${object.args})`;
    return `DROP ${kind} IF EXISTS ${this.quoteExact(object.name)}${args} CASCADE`;
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
