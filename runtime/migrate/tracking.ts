import type { Database, Engine } from "../db/index.js";
import { dialectFor } from "../db/dialects/index.js";

/** The tracking table: the same four columns on every engine. */
export const TRACKING_TABLE = "tina4_migration";

/** One applied migration as recorded in tina4_migration. */
export interface AppliedMigration {
  id: number;
  name: string;
  batch: number;
  executedAt: Date;
}

/** The tracking table's DDL in the engine's column types (identical to the hand-written DDL of earlier versions). */
export function trackingDdl(engine: Engine): string {
  const d = dialectFor(engine);
  return `CREATE TABLE ${TRACKING_TABLE} (id ${d.autoIncrementPrimaryKey}, migration_name ${d.columnType("string")} NOT NULL UNIQUE, ` +
    `batch ${d.columnType("int")} NOT NULL, executed_at ${d.columnType("datetime")} NOT NULL)${d.tableOptions}`;
}

/**
 * Creates `table` with `ddl` unless it exists. Runs outside any transaction (MySQL would commit
 * implicitly); when two processes race, the loser's CREATE fails and the table exists: fine.
 */
export async function ensureTable(db: Database, table: string, ddl: string): Promise<void> {
  if (await db.tableExists(table)) return;
  try {
    await db.execute(ddl);
  } catch (error) {
    if (!(await db.tableExists(table))) throw error;
  }
}

export function ensureTrackingTable(db: Database): Promise<void> {
  return ensureTable(db, TRACKING_TABLE, trackingDdl(db.engine));
}

/** Every recorded migration, oldest first. */
export async function appliedMigrations(db: Database): Promise<AppliedMigration[]> {
  if (!(await db.tableExists(TRACKING_TABLE))) return [];
  const result = await db.fetch(`SELECT id, migration_name, batch, executed_at FROM ${TRACKING_TABLE} ORDER BY batch, id`, [], { cache: false });
  return result.records.map((r) => ({
    id: Number(r.id),
    name: String(r.migration_name).trim(),
    batch: Number(r.batch),
    executedAt: r.executed_at instanceof Date ? r.executed_at : new Date(String(r.executed_at)),
  }));
}

/** True when `name` is recorded (read inside the caller's transaction, if any). */
export async function isRecorded(db: Database, name: string): Promise<boolean> {
  return (await db.fetchOne(`SELECT id FROM ${TRACKING_TABLE} WHERE migration_name = ?`, [name], { cache: false })) !== null;
}

export async function record(db: Database, name: string, batch: number): Promise<void> {
  await db.insert(TRACKING_TABLE, { migration_name: name, batch, executed_at: new Date() });
}

export async function unrecord(db: Database, name: string): Promise<void> {
  await db.delete(TRACKING_TABLE, { migration_name: name });
}
