import { AsyncLocalStorage } from "node:async_hooks";
import { setting } from "../config/settings.js";
import type { Database } from "./database.js";
import { databaseIdentity } from "./query-cache/keys.js";
import { parseDatabaseUrl } from "./url.js";

/**
 * Which `Database` objects have a transaction open in the calling async context, whichever
 * instance opened it. A route that opens its own `Database.connect()` and runs models inside
 * `db.transaction(fn)` expects the models' writes to be part of it; the models hold another
 * `Database` (their shared connection), so they ask here for an open transaction on the same
 * database and join it instead of writing beside it (committed on their own, or on SQLite
 * waiting for the transaction's write lock until busy_timeout).
 */
interface Frame {
  readonly db: Database;
  readonly identity: string;
  readonly parent: Frame | undefined;
}

const frames = new AsyncLocalStorage<Frame>();
const identities = new WeakMap<Database, string>();
const urlIdentities = new Map<string, string | null>();

/** Records what database `db` connects to (engine, server, database, user, options — never the password). */
export function registerDatabase(db: Database, identity: string): void {
  identities.set(db, identity);
}

function frameFor(db: Database): Frame {
  return { db, identity: identities.get(db) ?? "", parent: frames.getStore() };
}

/** Runs `fn` (which opens a transaction on `db`) with `db` listed as open in its async context. */
export function runListed<T>(db: Database, fn: () => T): T {
  return frames.run(frameFor(db), fn);
}

/** Lists `db` as open for the rest of the calling async context (startTransaction, implicit transactions). */
export function enterListed(db: Database): void {
  frames.enterWith(frameFor(db));
}

function identityOfUrl(url: string): string | null {
  const key = `${process.cwd()}\u0000${url}`; // relative SQLite paths resolve against the working directory
  let identity = urlIdentities.get(key);
  if (identity === undefined) {
    try {
      identity = databaseIdentity(parseDatabaseUrl(url)).entries;
    } catch {
      identity = null; // connect() reports the bad URL
    }
    if (urlIdentities.size > 100) urlIdentities.clear();
    urlIdentities.set(key, identity);
  }
  return identity;
}

/**
 * The `Database` with a transaction open in the calling async context on the same database as
 * `target` (default: the database `Database.connect()` opens, TINA4_DATABASE_URL), innermost
 * first; undefined when there is none. Costs one AsyncLocalStorage read when no transaction is open.
 */
export function openTransactionOn(target: Database | undefined): Database | undefined {
  let frame = frames.getStore();
  if (frame === undefined) return undefined;
  const identity = target === undefined ? identityOfUrl(setting("TINA4_DATABASE_URL")) : identities.get(target);
  if (identity === null || identity === undefined) return undefined;
  for (; frame !== undefined; frame = frame.parent) {
    if (frame.identity === identity && frame.db.inTransaction()) return frame.db;
  }
  return undefined;
}
