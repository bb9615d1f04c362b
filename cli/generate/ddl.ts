/**
 * The DDL a generated field needs beyond its type, per engine: DEFAULT, NULL / NOT NULL and its
 * unique or plain index. Index names are deterministic (`ux_<table>_<column>`,
 * `ix_<table>_<column>`) and at most 31 characters, Firebird 3's limit, so every engine's
 * variant names the same index the same way.
 */
import { createHash } from "node:crypto";
import type { Engine } from "./sql-types.js";
import { fieldColumnType, sqlName } from "./sql-types.js";
import type { FieldSpec } from "./fields.js";
import type { FieldDefault } from "./field-options.js";

/** Firebird 3 names hold 31 characters; the others more (PostgreSQL 63, MySQL 64, SQL Server 128). */
export const MAX_INDEX_NAME = 31;

/** `ux_users_email`; a name over 31 characters keeps its start and ends in a hash of the whole, so it stays unique and stable. */
export function indexName(kind: "unique" | "index", table: string, column: string): string {
  return shortName(kind === "unique" ? "ux" : "ix", table, column);
}

/** A foreign key constraint's name, `fk_orders_customer_id`, within 31 characters as index names are. */
export function foreignKeyName(table: string, column: string): string {
  return shortName("fk", table, column);
}

function shortName(prefix: string, table: string, column: string): string {
  const name = `${prefix}_${table}_${column}`.toLowerCase();
  if (name.length <= MAX_INDEX_NAME) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_INDEX_NAME - hash.length - 1)}_${hash}`;
}

/** A text literal: quotes doubled; MySQL also reads backslashes as escapes, SQL Server wants N'' for NVARCHAR. */
function textLiteral(engine: Engine, text: string): string {
  const body = text.replace(/'/g, "''");
  if (engine === "mysql") return `'${body.replace(/\\/g, "\\\\")}'`;
  if (engine === "mssql") return `N'${body}'`;
  return `'${body}'`;
}

/** Where the column type is BOOLEAN (PostgreSQL, Firebird 3) the literal is TRUE/FALSE; elsewhere 1/0 (SQLite, TINYINT(1), BIT). */
const BOOLEAN_WORDS: ReadonlySet<Engine> = new Set<Engine>(["postgres", "firebird"]);

/** The SQL literal of a default on `engine` (`DEFAULT` not included). */
export function defaultLiteral(engine: Engine, field: Pick<FieldSpec, "type">, value: FieldDefault): string {
  // MySQL's DATETIME(3) needs the same fractional precision in its default
  if ("now" in value) return engine === "mysql" ? "CURRENT_TIMESTAMP(3)" : "CURRENT_TIMESTAMP";
  const v = value.value;
  if (typeof v === "boolean") return BOOLEAN_WORDS.has(engine) ? (v ? "TRUE" : "FALSE") : v ? "1" : "0";
  if (typeof v === "number") return String(v);
  if (field.type === "decimal") return v; // canonical decimal text (-12.50): a numeric literal
  const literal = textLiteral(engine, v);
  // MySQL 8 takes a TEXT column's default only as an expression (MariaDB takes both)
  return engine === "mysql" && field.type === "text" ? `(${literal})` : literal;
}

/**
 * Whether the column says NULL or NOT NULL: `required` → NOT NULL everywhere. Otherwise NULL when
 * `nullable` was written, and always on SQL Server (whose default nullability is a session
 * setting, ANSI_NULL_DFLT_ON); never on Firebird, whose column definitions have no NULL keyword.
 */
function nullness(engine: Engine, field: Pick<FieldSpec, "required" | "nullable">): string {
  if (field.required) return " NOT NULL";
  if (engine === "firebird") return "";
  return field.nullable || engine === "mssql" ? " NULL" : "";
}

/** `email VARCHAR(255) DEFAULT 'x' NOT NULL`: DEFAULT before the null constraint, the one order Firebird accepts. */
export function columnDefinition(engine: Engine, field: FieldSpec): string {
  const fallback = field.default === undefined ? "" : ` DEFAULT ${defaultLiteral(engine, field, field.default)}`;
  return `${sqlName(engine, field.column)} ${fieldColumnType(engine, field)}${fallback}${nullness(engine, field)}`;
}

/**
 * A foreign key as a table constraint, `CONSTRAINT fk_orders_customer_id FOREIGN KEY (customer_id)
 * REFERENCES customers (id)`: the one form every engine enforces (Oracle MySQL before 9 parses
 * and ignores a column's own `REFERENCES`), named so a later migration can drop it.
 */
export function foreignKeyConstraint(engine: Engine, table: string, field: Pick<FieldSpec, "column" | "references">): string {
  return `CONSTRAINT ${foreignKeyName(table, field.column)} FOREIGN KEY (${sqlName(engine, field.column)}) REFERENCES ${sqlName(engine, field.references!)} (id)`;
}

/**
 * Engines that index a foreign key's column themselves when the constraint is made (InnoDB,
 * Firebird); on SQLite, PostgreSQL and SQL Server the migration adds `ix_<table>_<column>`, so
 * loading a relation and deleting a referenced row do not scan the table.
 */
const INDEXES_FOREIGN_KEYS: ReadonlySet<Engine> = new Set<Engine>(["mysql", "firebird"]);

/** The index a field gets on `engine`: its own (unique/index), its foreign key's where the engine makes none, or none. */
function indexKind(engine: Engine, field: FieldSpec): "unique" | "index" | null {
  if (field.unique) return "unique";
  if (field.index || (field.references !== undefined && !INDEXES_FOREIGN_KEYS.has(engine))) return "index";
  return null;
}

/** The index names a migration creates on `engine`, with the kind of each, for the down file. */
export function indexesOn(engine: Engine, table: string, fields: readonly FieldSpec[]): Array<{ field: FieldSpec; name: string }> {
  return fields.flatMap((field) => {
    const kind = indexKind(engine, field);
    return kind === null ? [] : [{ field, name: indexName(kind, table, field.column) }];
  });
}

/**
 * The CREATE [UNIQUE] INDEX statements of the fields that ask for one (and of foreign keys the engine does not index). On SQL Server a unique
 * index on a nullable column counts NULL as a value (one row only), so it is filtered to the
 * non-NULL rows there, as the other engines behave.
 */
export function indexStatements(engine: Engine, table: string, fields: readonly FieldSpec[]): string[] {
  return fields.flatMap((field) => {
    const kind = indexKind(engine, field);
    if (kind === null) return [];
    const column = sqlName(engine, field.column);
    const filter = engine === "mssql" && field.unique && !field.required ? ` WHERE ${column} IS NOT NULL` : "";
    return [`CREATE ${field.unique ? "UNIQUE " : ""}INDEX ${indexName(kind, table, field.column)} ON ${sqlName(engine, table)} (${column})${filter};`];
  });
}

/** The index names `indexStatements` creates, for the down file's note. */
export function indexNames(table: string, fields: readonly FieldSpec[]): string[] {
  return fields.filter((f) => f.unique || f.index).map((f) => indexName(f.unique ? "unique" : "index", table, f.column));
}
