import { parseDatabaseUrl } from "../../runtime/db/url.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import { DatabaseError } from "../../runtime/db/errors.js";
import { ENGINES } from "../../runtime/db/engines.js";
import type { Engine } from "../../runtime/db/types.js";
import { CliError } from "../errors.js";
import { DEFAULT_DATABASE_URL } from "../settings.js";
import type { FieldType } from "./fields.js";
import { DECIMAL_DEFAULTS } from "../../runtime/orm/fields.js";
import { SQL_RESERVED } from "./sql-reserved.js";

export type { Engine };

/**
 * The engine a database URL names, parsed by the runtime's own parser, so every scheme and
 * alias it accepts (pgsql, postgresql, mariadb, sqlserver, sqlite3) means the same engine
 * here; a URL the runtime would refuse is refused here too.
 */
export function engineOf(url: string | undefined): Engine {
  try {
    return parseDatabaseUrl(url === undefined || url === "" ? DEFAULT_DATABASE_URL : url).engine;
  } catch (error) {
    if (error instanceof DatabaseError) throw new CliError(`TINA4_DATABASE_URL: ${error.message}`, error.code);
    throw error;
  }
}

/** The engine's column type for a generated field type (the runtime dialect's; one home for engine SQL). */
export function columnType(engine: Engine, type: Exclude<FieldType, "decimal">): string {
  return dialectFor(engine).columnType(type);
}

/** A field's column type, with a decimal's size: DECIMAL(12,2) unless it says otherwise. */
export function fieldColumnType(engine: Engine, field: { type: FieldType; precision?: number | undefined; scale?: number | undefined }): string {
  if (field.type !== "decimal") return columnType(engine, field.type);
  return dialectFor(engine).decimalType(field.precision ?? DECIMAL_DEFAULTS.precision, field.scale ?? DECIMAL_DEFAULTS.scale);
}

/** The most decimal digits `engine` keeps exactly, and why (SQLite: 15, its DECIMAL columns hold floats). */
export function exactDecimal(engine: Engine): { digits: number; reason: string } {
  return dialectFor(engine).exactDecimal;
}

/**
 * A table or column name as generated DDL writes it: bare, or quoted the way the runtime
 * dialect (and so the ORM) quotes it when it is an SQL keyword on any supported engine
 * (`order` → "order" on PostgreSQL, `order` on MySQL, "ORDER" on Firebird).
 */
export function sqlName(engine: Engine, name: string): string {
  return SQL_RESERVED.has(name.toLowerCase()) ? dialectFor(engine).quote(name) : name;
}

/** The engine's generated-integer primary key column definition. */
export function primaryKeyColumn(engine: Engine): string {
  return dialectFor(engine).autoIncrementPrimaryKey;
}

/** What follows the closing parenthesis of a generated CREATE TABLE (MySQL: InnoDB, utf8mb4). */
export function tableOptions(engine: Engine): string {
  return dialectFor(engine).appTableOptions;
}

/**
 * Every engine but `engine`: generated create-table migrations get a variant for each in
 * migrations/<engine>/, so an app made on SQLite migrates unchanged on PostgreSQL and the rest.
 */
export function otherEngines(engine: Engine): Engine[] {
  return (Object.keys(ENGINES) as Engine[]).filter((e) => e !== engine);
}
