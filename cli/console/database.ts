/**
 * The console's `db`: the app's Database, opened on first use so that starting the console
 * connects to nothing and creates no SQLite file. It is the connection the models share
 * (Model.database()), so `db.transaction(() => Product.create(...))` is one transaction and
 * one close on exit covers both.
 */
import { existsSync } from "node:fs";
import { inspect } from "node:util";
import { Database } from "../../runtime/db/index.js";
import { parseDatabaseUrl, type ParsedDatabaseUrl } from "../../runtime/db/url.js";
import { Model } from "../../runtime/orm/index.js";
import kleur from "kleur";
import { CliError } from "../errors.js";
import { describeSource, type Setting } from "../settings.js";
import { ConsoleErrorCode } from "./errors.js";

export interface LazyDatabase {
  /** What the console binds as `db`: Database's methods, each opening the database first. */
  readonly handle: Database;
  readonly url: ParsedDatabaseUrl;
  /** Closes the shared connection if it was opened (exit and `.reload`). */
  close(): Promise<void>;
}

/** A SQLite database file that does not exist yet (never `sqlite::memory:`). */
export function missingSqliteFile(url: ParsedDatabaseUrl): boolean {
  return url.engine === "sqlite" && url.database !== ":memory:" && !existsSync(url.database);
}

/** `setting`: TINA4_DATABASE_URL as readSetting() found it (its source is named when the file is missing). */
export function lazyDatabase(setting: Setting): LazyDatabase {
  const url = parseDatabaseUrl(setting.value);
  let database: Database | null = null;
  let opening: Promise<Database> | null = null;
  const open = (): Promise<Database> => {
    if (database) return Promise.resolve(database);
    if (opening) return opening;
    if (missingSqliteFile(url)) {
      // Database.connect({ create: false }) semantics: a mistyped path must not leave an empty database behind
      const message = `No SQLite database at ${url.database} (${setting.shown}, ${describeSource(setting)}). Run ${kleur.cyan("tina4 migrate")} to create it, or fix the path in TINA4_DATABASE_URL.`;
      return Promise.reject(new CliError(message, ConsoleErrorCode.NO_DATABASE));
    }
    opening = Model.database().then(
      (db) => (database = db),
      (error: unknown) => {
        opening = null;
        throw error;
      },
    );
    return opening;
  };
  const describe = () => `Database ${url.redacted} (${database ? "open" : "opens on first use"})`;
  const close = async () => {
    database = null;
    opening = null;
    await Model.closeDatabase();
  };
  return { handle: forwarder(() => database, open, { engine: url.engine, url: url.redacted }, describe), url, close };
}

/**
 * An object with Database's methods, each calling the open database (opening it first when
 * needed: the call's result is then a promise, as nearly every Database method's is anyway).
 * A plain object rather than a Proxy, so that the REPL prints and completes it as one.
 */
function forwarder(current: () => Database | null, open: () => Promise<Database>, fixed: { engine: string; url: string }, describe: () => string): Database {
  const handle: Record<string | symbol, unknown> = { [inspect.custom]: describe };
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(Database.prototype))) {
    if (name === "constructor") continue;
    if (typeof descriptor.value === "function") {
      handle[name] = (...args: unknown[]) => {
        const db = current();
        const call = (target: Database) => (Reflect.get(target, name) as (...a: unknown[]) => unknown).apply(target, args);
        return db ? call(db) : open().then(call);
      };
    } else if (descriptor.get) {
      Object.defineProperty(handle, name, { get: () => (current() ? Reflect.get(current()!, name) : undefined) });
    }
  }
  for (const name of ["engine", "url", "autocommit"] as const) {
    Object.defineProperty(handle, name, { get: () => current()?.[name] ?? (name === "autocommit" ? undefined : fixed[name]) });
  }
  return handle as unknown as Database;
}
