/**
 * `tina4 generate migration add_email_to_users email:string:unique`: a migration adding columns
 * (with their options) to an existing table, and its down file dropping what it added (indexes
 * first, then SQL Server's named defaults, then the columns), written for the app's engine and
 * as a variant for every other one, as model migrations are.
 */
import { CliError, CliErrorCode } from "../errors.js";
import type { FieldSpec } from "./fields.js";
import { sqlName, type Engine } from "./sql-types.js";
import { columnDefinition, foreignKeyConstraint, foreignKeyName, indexesOn, indexName, indexStatements } from "./ddl.js";

const bad = (message: string) => new CliError(message, CliErrorCode.BAD_FIELD);

/** The table a migration's description names (`add_email_to_users` → users), or null. */
export function tableFromDescription(slug: string): string | null {
  const match = /^add_.+?_to_([a-z0-9_]+)$/.exec(slug);
  return match ? match[1]! : null;
}

/**
 * Refuses what one engine cannot add to a table that may already have rows: SQLite adds a NOT
 * NULL column only with a default, and a default only when it is a constant (not now).
 */
export function checkAddable(fields: readonly FieldSpec[]): void {
  for (const field of fields) {
    // SQLite adds a REFERENCES column only with a NULL default; the rows already there point at nothing yet
    if (field.references !== undefined && (field.required || field.default !== undefined)) {
      throw bad(`Field "${field.property}": a foreign key added to an existing table must start empty (SQLite cannot add a REFERENCES column that is required or has a default, and the rows already there point at nothing): leave out ${field.required ? "required" : "default="}, fill the column, then make it required in a later migration`);
    }
    if (field.required && field.default === undefined) {
      throw bad(`Field "${field.property}": a required column added to an existing table needs a default for the rows already there (SQLite refuses it otherwise): add default=<value>, or leave out required`);
    }
    if (field.default !== undefined && "now" in field.default) {
      throw bad(`Field "${field.property}": SQLite cannot add a column with default=now to an existing table (only constant defaults); leave the default out and set it in the model`);
    }
  }
}

/** SQL Server's default constraint of an added column, named so the down file can drop it. */
function defaultConstraint(table: string, column: string): string {
  return indexName("index", table, column).replace(/^ix_/, "df_");
}

/** `ADD COLUMN` where the engine spells it so; Firebird and SQL Server write plain `ADD`. */
function addKeyword(engine: Engine): string {
  return engine === "firebird" || engine === "mssql" ? "ADD" : "ADD COLUMN";
}

function dropColumnKeyword(engine: Engine): string {
  return engine === "firebird" ? "DROP" : "DROP COLUMN";
}

/**
 * The up statements: one ALTER TABLE per column (SQLite adds one at a time), the foreign keys, then
 * the indexes. SQLite cannot add a table constraint to a table, so there a foreign key is the
 * column's own `REFERENCES` (which SQLite enforces as the table form); elsewhere it is a named
 * `ADD CONSTRAINT fk_…` the down file can drop.
 */
export function addColumnsSql(engine: Engine, table: string, fields: readonly FieldSpec[]): string[] {
  const tableSql = sqlName(engine, table);
  const columns = fields.map((field) => {
    let definition = columnDefinition(engine, field);
    if (engine === "sqlite" && field.references !== undefined) definition += ` REFERENCES ${sqlName(engine, field.references)} (id)`;
    if (engine === "mssql" && field.default !== undefined) {
      // an unnamed default gets a random name, which a later DROP COLUMN would first have to look up
      definition = definition.replace(" DEFAULT ", ` CONSTRAINT ${defaultConstraint(table, field.column)} DEFAULT `);
    }
    return `ALTER TABLE ${tableSql} ${addKeyword(engine)} ${definition};`;
  });
  const foreignKeys = engine === "sqlite" ? [] : fields.filter((f) => f.references !== undefined).map((f) => `ALTER TABLE ${tableSql} ADD ${foreignKeyConstraint(engine, table, f)};`);
  return [...columns, ...foreignKeys, ...indexStatements(engine, table, fields)];
}

/** The down statements: the foreign keys (MySQL will not drop an index one uses), the indexes, SQL Server's named defaults, then the columns, last added first. */
export function dropColumnsSql(engine: Engine, table: string, fields: readonly FieldSpec[]): string[] {
  const tableSql = sqlName(engine, table);
  const onTable = engine === "mysql" || engine === "mssql" ? ` ON ${tableSql}` : "";
  const reversed = [...fields].reverse();
  const dropForeignKey = engine === "mysql" ? "DROP FOREIGN KEY" : "DROP CONSTRAINT";
  return [
    // SQLite's foreign key is part of its column and goes with it
    ...(engine === "sqlite" ? [] : reversed.filter((f) => f.references !== undefined).map((f) => `ALTER TABLE ${tableSql} ${dropForeignKey} ${foreignKeyName(table, f.column)};`)),
    ...indexesOn(engine, table, reversed).map(({ name }) => `DROP INDEX ${name}${onTable};`),
    ...(engine === "mssql" ? reversed.filter((f) => f.default !== undefined).map((f) => `ALTER TABLE ${tableSql} DROP CONSTRAINT ${defaultConstraint(table, f.column)};`) : []),
    ...reversed.map((f) => `ALTER TABLE ${tableSql} ${dropColumnKeyword(engine)} ${sqlName(engine, f.column)};`),
  ];
}
