/**
 * Locks held in a database, shared by `lock()` and the migration runner.
 *
 * PostgreSQL and MySQL/MariaDB use the server's advisory locks, taken by one pooled
 * connection inside an open transaction that parks until release: the server frees them the
 * moment a killed process's connection drops. SQLite, Firebird, SQL Server — and any database
 * opened with a pool of one connection (the holder's transaction would starve its own work) —
 * use a row in a lock table that expires `ttlMs` after its holder stops renewing it.
 */
import { DatabaseError, DbErrorCode, type Database, type Engine, type SqlParams } from "../db/index.js";
import { dialectFor } from "../db/dialects/index.js";
import { newOwnerId, ownerIsDeadLocal } from "./local-owner.js";

/** How one lock is named on each kind of server. */
export interface DatabaseLockKey {
  /** The row's `lock_name` in `table`. */
  name: string;
  table: string;
  /** PostgreSQL: a `SELECT pg_try_advisory_xact_lock(…) AS ok`. */
  pg: { sql: string; params: SqlParams };
  /** MySQL/MariaDB: the GET_LOCK name as an SQL expression (≤ 64 characters) and its params. */
  mysql: { name: string; params: SqlParams };
}

export interface AcquireOptions {
  /** Longest wait for the lock; 0 = one attempt. */
  waitMs: number;
  /** Row locks: expiry when not renewed (the holder renews every ttl/3). */
  ttlMs: number;
  /** Called once when the lock is busy and this caller starts waiting. */
  onWait?: ((holder: string | null) => void) | undefined;
}

/** A held lock. `lost` turns true (and `signal` aborts) if a row lock was taken over after this process stalled past the TTL. */
export interface HeldLock {
  readonly kind: "advisory" | "row";
  readonly lost: boolean;
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The lock table's DDL (the same three columns everywhere, in the engine's types). */
export function lockTableDdl(engine: Engine, table: string): string {
  const d = dialectFor(engine);
  return `CREATE TABLE ${table} (lock_name ${d.varchar(200)} NOT NULL PRIMARY KEY, owner ${d.varchar(200)} NOT NULL, expires_at ${d.columnType("bigint")} NOT NULL)${d.tableOptions}`;
}

/** Whether `db` takes advisory locks (PostgreSQL/MySQL with a pool of at least two). */
export function usesAdvisory(db: Database): boolean {
  return (db.engine === "postgres" || db.engine === "mysql") && db.poolSize >= 2;
}

/** Takes the lock, waiting up to `waitMs`; null when it stayed busy. */
export function acquireDatabaseLock(db: Database, key: DatabaseLockKey, options: AcquireOptions): Promise<HeldLock | null> {
  return usesAdvisory(db) ? advisoryLock(db, key, options) : rowLock(db, key, options);
}

/** Who holds a row lock (for messages), or null. */
export async function lockHolder(db: Database, key: DatabaseLockKey): Promise<string | null> {
  if (usesAdvisory(db) || !(await db.tableExists(key.table))) return null;
  const row = await db.fetchOne(`SELECT owner FROM ${key.table} WHERE lock_name = ?`, [key.name], { cache: false }).catch(() => null);
  return row ? String(row.owner).trim() : null;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === 1n || value === "t";
}

/**
 * The transaction's callback parks until release() while the caller's work runs outside
 * its async context on other connections.
 */
async function advisoryLock(db: Database, key: DatabaseLockKey, options: AcquireOptions): Promise<HeldLock | null> {
  const pg = db.engine === "postgres";
  const trySql = pg ? key.pg.sql : `SELECT GET_LOCK(${key.mysql.name}, 0) AS ok`;
  const params = pg ? key.pg.params : key.mysql.params;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let signal!: (acquired: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (signal = resolve));
  const deadline = Date.now() + options.waitMs;

  const held = db.transaction(async () => {
    let waited = false;
    for (;;) {
      const row = await db.fetchOne(trySql, params, { cache: false });
      if (isTrue(row?.ok)) break;
      if (Date.now() >= deadline) {
        signal(false);
        return;
      }
      if (!waited) {
        waited = true;
        options.onWait?.(null);
      }
      await sleep(50 + Math.random() * 100);
    }
    signal(true);
    await released;
    if (!pg) await db.fetchOne(`SELECT RELEASE_LOCK(${key.mysql.name}) AS ok`, key.mysql.params, { cache: false });
  });
  held.catch(() => signal(false));
  const acquired = await Promise.race([decided, held.then(() => false)]);
  if (!acquired) {
    await held; // rethrows a database error, if that is why
    return null;
  }
  const controller = new AbortController();
  let done = false;
  return {
    kind: "advisory",
    lost: false,
    signal: controller.signal,
    async release() {
      if (done) return;
      done = true;
      release();
      await held;
    },
  };
}

async function ensureLockTable(db: Database, table: string): Promise<void> {
  if (await db.tableExists(table)) return;
  try {
    await db.execute(lockTableDdl(db.engine, table));
  } catch (error) {
    // two processes racing on CREATE TABLE: fine if it now exists
    if (!(await db.tableExists(table))) throw error;
  }
}

async function rowLock(db: Database, key: DatabaseLockKey, options: AcquireOptions): Promise<HeldLock | null> {
  const { table, name } = key;
  const ttlMs = Math.max(1000, options.ttlMs);
  await ensureLockTable(db, table);
  const owner = newOwnerId();
  const deadline = Date.now() + options.waitMs;
  let waited = false;
  for (;;) {
    const now = Date.now();
    let got = false;
    try {
      await db.insert(table, { lock_name: name, owner, expires_at: now + ttlMs });
      got = true;
    } catch (error) {
      // taken: a duplicate key, or (Firebird, a holder inserting at the same moment) an update conflict
      if (!(error instanceof DatabaseError) || (error.code !== DbErrorCode.CONSTRAINT && error.code !== DbErrorCode.CONFLICT && error.code !== DbErrorCode.QUERY)) throw error;
    }
    if (!got) {
      // a row whose holder stopped renewing it (killed process) is taken over
      const stale = await db.update(table, { owner, expires_at: now + ttlMs }, "lock_name = ? AND expires_at < ?", [name, now]);
      got = stale.affected > 0;
    }
    if (!got) {
      // a holder of this machine whose process is gone (Ctrl-C, a crash) is not waited out: local-owner.ts
      const holder = await lockHolder(db, key);
      if (holder !== null && ownerIsDeadLocal(holder)) {
        got = (await db.update(table, { owner, expires_at: now + ttlMs }, "lock_name = ? AND owner = ?", [name, holder])).affected > 0;
      }
    }
    if (got) break;
    if (Date.now() >= deadline) return null;
    if (!waited) {
      waited = true;
      options.onWait?.(await lockHolder(db, key));
    }
    await sleep(50 + Math.random() * 100);
  }

  const controller = new AbortController();
  let lost = false;
  let done = false;
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = db
      .update(table, { expires_at: Date.now() + ttlMs }, { lock_name: name, owner })
      .then((r) => {
        if (r.affected === 0 && !done && !lost) {
          lost = true;
          controller.abort(new Error(`lock "${name}" was taken over: this process stopped renewing it for over ${ttlMs} ms`));
        }
      })
      .catch(() => undefined);
  }, Math.max(250, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    kind: "row",
    get lost() {
      return lost;
    },
    signal: controller.signal,
    async release() {
      if (done) return;
      done = true;
      clearInterval(timer);
      await renewing;
      await db.delete(table, { lock_name: name, owner });
    },
  };
}
