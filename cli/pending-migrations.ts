import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { MigrationStatusEntry } from "../runtime/migrate/index.js";
import { DEFAULT_DATABASE_URL, readSetting } from "./settings.js";
import type { Project } from "./project.js";

type ProjectDb = Pick<Project, "root" | "envSources">;

/**
 * Names the migrations in migrations/ that the app's database has not applied (dev `serve`
 * start), so a forgotten `tina4 migrate` after `generate model` or `generate auth` is said
 * up front instead of as a "no such table" 500 on the first request. null when none are
 * pending or the database cannot be asked (its own problems are reported elsewhere: the
 * start's reachability warnings, /__ready and the first query).
 */
export async function pendingMigrations(project: ProjectDb): Promise<string[] | null> {
  const dir = join(project.root, "migrations");
  if (!existsSync(dir) || !readdirSync(dir).some((name) => name.endsWith(".sql") && !name.endsWith(".down.sql"))) return null;
  const pending = (await migrationEntries(project))?.filter((entry) => entry.state === "pending").map((entry) => entry.name) ?? [];
  return pending.length > 0 ? pending : null;
}

/**
 * Of `names` (migrations whose file was just deleted), those the database recorded as applied:
 * deleting the file did not undo them (dev `serve` says so). null when the database cannot be asked.
 */
export async function appliedWithoutFile(project: ProjectDb, names: string[]): Promise<string[] | null> {
  const entries = await migrationEntries(project);
  return entries && entries.filter((entry) => entry.state === "missing" && names.includes(entry.name)).map((entry) => entry.name);
}

async function migrationEntries(project: ProjectDb): Promise<MigrationStatusEntry[] | null> {
  const { Database } = await import("../runtime/db/index.js");
  const { migrationStatus } = await import("../runtime/migrate/index.js");
  let db;
  try {
    db = await Database.connect(readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL).value, { failFast: true });
  } catch {
    return null; // unreachable or misconfigured: reported by the reachability check and the first query
  }
  try {
    return (await migrationStatus(db, { dir: join(project.root, "migrations") })).entries;
  } finally {
    await db.close();
  }
}
