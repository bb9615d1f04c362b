/**
 * `/__ready` checks every database the app opened, and the configured one (TINA4_DATABASE_URL)
 * even before anything opened it:
 *
 * - `database`: the TINA4_DATABASE_URL database (also a `Database.connect()` without a URL when
 *   the variable is unset, i.e. the SQLite default);
 * - `database:<name>`: each other database opened with `Database.connect(url)` (a reports
 *   database, a read replica), named by `options.name` or by its database name (file name for
 *   SQLite; `#2`, `#3` added when two servers hold databases of one name). Never a URL: the
 *   body is public. Several `Database` objects on one database share one check; the check
 *   leaves when the last of them is closed for good (`db.close()`; a graceful shutdown's
 *   release keeps it, since the next query reopens).
 *
 * Each check opens one connection of its own and closes it. Not through the app's pool: a pool
 * busy with slow queries would make an instance look down exactly when it is loaded, and the
 * balancer would then move its load onto the others. At most once a second per database
 * (runtime/ready.ts). A failure's state says what kind it is ("authentication failed",
 * "database not found", "host not found", "unavailable"), its reason (log, dev) what to fix.
 */
import { basename } from "node:path";
import { isSet, setting } from "../config/settings.js";
import { SharedReadinessChecks, addReadinessCheck, hasReadinessCheck, type ReadinessCheck } from "../ready.js";
import { createAdapter } from "./adapters/index.js";
import { connectFailure } from "./connect-failure.js";
import { DatabaseError, type DbErrorCodeValue } from "./errors.js";
import { databaseIdentity } from "./query-cache/keys.js";
import { parseDatabaseUrl, type ParsedDatabaseUrl } from "./url.js";

/** The check of the app's database (TINA4_DATABASE_URL). */
export const DEFAULT_CHECK = "database";

/** Databases opened by the app, by identity (engine, server, database, user, options — no password). */
const watched = new SharedReadinessChecks();

function identityOf(parsed: ParsedDatabaseUrl): string {
  return databaseIdentity(parsed).entries;
}

let configuredText: string | undefined;
let configuredParsed: { parsed: ParsedDatabaseUrl; identity: string } | null = null;

/** TINA4_DATABASE_URL (or the SQLite default), parsed once per value; null when it does not parse. */
function configured(): { parsed: ParsedDatabaseUrl; identity: string } | null {
  const text = setting("TINA4_DATABASE_URL");
  if (text !== configuredText) {
    configuredText = text;
    try {
      const parsed = parseDatabaseUrl(text);
      configuredParsed = { parsed, identity: identityOf(parsed) };
    } catch {
      configuredParsed = null; // the check itself then reports the bad URL
    }
  }
  return configuredParsed;
}

/** Whether the app names its database, or opened the default one. */
function defaultChecked(): boolean {
  if (isSet("TINA4_DATABASE_URL") && setting("TINA4_DATABASE_URL").trim() !== "") return true;
  const current = configured();
  return current !== null && watched.has(current.identity);
}

/** Connects and disconnects; rejects with a DatabaseError (its message never holds the password) that says what to fix. */
async function reach(parsed: ParsedDatabaseUrl): Promise<void> {
  const adapter = createAdapter(parsed, Math.min(setting("TINA4_DB_CONNECT_TIMEOUT"), 1500));
  try {
    const connection = await adapter.connect();
    await connection.close();
  } catch (error) {
    const failure = connectFailure(error);
    if (!(error instanceof DatabaseError) || failure === null) throw error;
    throw new DatabaseError(error.code as DbErrorCodeValue, `${error.message} — ${failure.hint}`, { engine: error.engine, driverCode: error.driverCode, cause: error });
  }
}

/** The `/__ready` state of a failed database check. */
function stateOf(error: unknown): string {
  return connectFailure(error)?.state ?? "unavailable";
}

async function reachConfigured(): Promise<void> {
  await reach(parseDatabaseUrl(setting("TINA4_DATABASE_URL")));
}

addReadinessCheck(DEFAULT_CHECK, reachConfigured, { enabled: defaultChecked, describe: stateOf });

/** `database:<label>`, with `#2`, `#3` when another database already has that name. */
function freeName(parsed: ParsedDatabaseUrl, name: string | undefined): string {
  const label = name ?? (parsed.engine === "sqlite" ? basename(parsed.database) : parsed.database);
  const base = `database:${label}`;
  let candidate = base;
  for (let n = 2; hasReadinessCheck(candidate); n++) candidate = `${base}#${n}`;
  return candidate;
}

/**
 * Adds the database `parsed` (opened by `Database.connect`) to the readiness checks; returns
 * the function that takes it out again (its `close()`). `sqlite::memory:` is left out: it
 * lives inside the process and cannot be down.
 */
export function watchDatabase(parsed: ParsedDatabaseUrl, name?: string): () => void {
  if (parsed.engine === "sqlite" && parsed.database === ":memory:") return () => undefined;
  const identity = identityOf(parsed);
  return watched.acquire(identity, () => {
    const check: ReadinessCheck = () => reach(parsed);
    const label = freeName(parsed, name);
    // the app's own database is the "database" check; this one only for the others
    const isDefault = (): boolean => configured()?.identity === identity;
    return addReadinessCheck(label, check, { enabled: () => !isDefault(), describe: stateOf });
  });
}
