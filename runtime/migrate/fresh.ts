import { DatabaseError, type Database } from "../db/index.js";
import { dialectFor } from "../db/dialects/index.js";
import type { SchemaObject, SchemaObjectKind } from "../db/dialects/dialect.js";
import { MigrateErrorCode, MigrationError } from "./errors.js";

export type { SchemaObject, SchemaObjectKind };

const KINDS = new Set<string>(["foreign key", "table", "view", "materialized view", "sequence", "function", "procedure", "type", "domain"]);

/**
 * The app's own objects where `db` points: the current schema on PostgreSQL, the current
 * database on MySQL/MariaDB, the file on SQLite (tina4's tables among them), in catalog order.
 */
export async function listAppObjects(db: Database): Promise<SchemaObject[]> {
  const sql = dialectFor(db.engine).appObjectsSql();
  if (sql === null) {
    throw new MigrationError(
      MigrateErrorCode.FRESH_UNSUPPORTED,
      `migrate:fresh cannot list the tables of a ${db.engine} database yet; nothing was dropped (drop them yourself, then run tina4 migrate)`,
    );
  }
  const result = await db.fetch(sql, [], { cache: false });
  return result.records
    .map((row) => ({ kind: String(row.kind ?? row.KIND).trim(), name: String(row.name ?? row.NAME).trim(), args: (row.args ?? row.ARGS ?? null) as string | null }))
    .filter((o): o is SchemaObject => KINDS.has(o.kind));
}

/**
 * Drops every object listAppObjects names, in one transaction on one connection (foreign-key
 * checks relaxed for it where the engine needs that), and returns them. PostgreSQL and SQLite
 * drop all or nothing; MySQL/MariaDB commit each DROP at once, and Firebird drops its foreign
 * keys first and each object in its own transaction, so a failure there leaves the objects
 * dropped before it dropped.
 */
export async function dropAppObjects(db: Database): Promise<SchemaObject[]> {
  const objects = await listAppObjects(db);
  if (objects.length === 0) return objects;
  const plan = dialectFor(db.engine).dropObjectsSql(objects);
  let current = "";
  try {
    for (const group of plan.groups) {
      await db.transaction(async () => {
        for (const sql of plan.before) await db.execute((current = sql));
        try {
          for (const sql of group) await db.execute((current = sql));
        } finally {
          for (const sql of plan.after) await db.execute(sql);
        }
      });
    }
  } catch (error) {
    const message = error instanceof DatabaseError ? error.message.replace(/ — SQL: [\s\S]*$/, "") : (error as Error)?.message ?? String(error);
    throw new MigrationError(MigrateErrorCode.FRESH_FAILED, `Dropping the app's tables failed at "${current}": ${message}`, { statement: current, cause: error });
  }
  return objects;
}
