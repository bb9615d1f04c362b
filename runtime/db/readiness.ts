/**
 * `/__ready` checks the configured database (TINA4_DATABASE_URL) by opening one connection of
 * its own and closing it. Not through the app's pool: a pool busy with slow queries would make
 * an instance look down exactly when it is loaded, and the balancer would then move its load
 * onto the others. The check runs at most once a second (runtime/ready.ts).
 */
import { setting, isSet } from "../config/settings.js";
import { addReadinessCheck } from "../ready.js";
import { createAdapter } from "./adapters/index.js";
import { parseDatabaseUrl } from "./url.js";

/** Whether the app names its database (the SQLite default is a local file, not a server). */
function databaseConfigured(): boolean {
  return isSet("TINA4_DATABASE_URL") && setting("TINA4_DATABASE_URL").trim() !== "";
}

/** Connects and disconnects; rejects with a DatabaseError (its message never holds the password). */
async function reachDatabase(): Promise<void> {
  const parsed = parseDatabaseUrl(isSet("TINA4_DATABASE_URL") ? setting("TINA4_DATABASE_URL") : "");
  const adapter = createAdapter(parsed, Math.min(setting("TINA4_DB_CONNECT_TIMEOUT"), 1500));
  const connection = await adapter.connect();
  await connection.close();
}

addReadinessCheck("database", reachDatabase, { enabled: databaseConfigured });
