import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_DATABASE_URL, readSetting } from "./settings.js";
import type { Project } from "./project.js";

/**
 * Names the migrations in migrations/ that the app's database has not applied (dev `serve`
 * start), so a forgotten `tina4 migrate` after `generate model` or `generate auth` is said
 * up front instead of as a "no such table" 500 on the first request. null when none are
 * pending or the database cannot be asked (its own problems are reported elsewhere: the
 * start's reachability warnings, /__ready and the first query).
 */
export async function pendingMigrations(project: Pick<Project, "root" | "envSources">): Promise<string[] | null> {
  const dir = join(project.root, "migrations");
  if (!existsSync(dir) || !readdirSync(dir).some((name) => name.endsWith(".sql") && !name.endsWith(".down.sql"))) return null;
  const { Database } = await import("../runtime/db/index.js");
  const { migrationStatus } = await import("../runtime/migrate/index.js");
  let db;
  try {
    db = await Database.connect(readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL).value);
  } catch {
    return null; // unreachable or misconfigured: reported by the reachability check and the first query
  }
  try {
    const status = await migrationStatus(db, { dir });
    const pending = status.entries.filter((entry) => entry.state === "pending").map((entry) => entry.name);
    return pending.length > 0 ? pending : null;
  } finally {
    await db.close();
  }
}
