import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { envInt } from "../config/env.js";
import { DatabaseError, DbErrorCode, type Database, type Engine } from "../db/index.js";
import { MigrateErrorCode, MigrationError } from "./errors.js";
import { ensureTable } from "./tracking.js";

/** Held while migrations run; `lost` turns true if a lock row was taken over (this process stalled past the TTL). */
export interface MigrationLock {
  readonly kind: "advisory" | "row";
  readonly lost: boolean;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Longest wait for another run to finish, ms (TINA4_MIGRATE_LOCK_TIMEOUT seconds, default 300). */
  timeoutMs?: number | undefined;
  /** Lock-row expiry when not renewed, ms (TINA4_MIGRATE_LOCK_TTL seconds, default 60); a killed process blocks others at most this long. */
  ttlMs?: number | undefined;
  /** Called once when the lock is busy and this run starts waiting. */
  onWait?: ((holder: string | null) => void) | undefined;
}

export const LOCK_TABLE = "tina4_migration_lock";
const LOCK_NAME = "migrate";
/** pg_advisory lock key: "t4mi" as a 32-bit number (the lock space is per database). */
const PG_KEY = 0x7434_6d69;

const LOCK_DDL: Record<Engine, string> = {
  sqlite: `CREATE TABLE ${LOCK_TABLE} (lock_name VARCHAR(64) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)`,
  postgres: `CREATE TABLE ${LOCK_TABLE} (lock_name VARCHAR(64) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)`,
  mysql: `CREATE TABLE ${LOCK_TABLE} (lock_name VARCHAR(64) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL) ENGINE=InnoDB`,
  firebird: `CREATE TABLE ${LOCK_TABLE} (lock_name VARCHAR(64) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)`,
  mssql: `CREATE TABLE ${LOCK_TABLE} (lock_name NVARCHAR(64) NOT NULL PRIMARY KEY, owner NVARCHAR(200) NOT NULL, expires_at BIGINT NOT NULL)`,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Takes the migration lock for `db`. PostgreSQL and MySQL/MariaDB use the server's advisory
 * locks, held by one pinned connection in an open transaction (the server frees them when a
 * killed process's connection drops). SQLite, Firebird, SQL Server — and any database opened
 * with a pool of one connection — use a row in tina4_migration_lock that expires unless renewed.
 */
export async function acquireLock(db: Database, options: LockOptions = {}): Promise<MigrationLock> {
  const timeoutMs = options.timeoutMs ?? envInt("TINA4_MIGRATE_LOCK_TIMEOUT", 300) * 1000;
  const ttlMs = options.ttlMs ?? envInt("TINA4_MIGRATE_LOCK_TTL", 60) * 1000;
  if ((db.engine === "postgres" || db.engine === "mysql") && db.poolSize >= 2) return advisoryLock(db, timeoutMs, options.onWait);
  return rowLock(db, timeoutMs, Math.max(1000, ttlMs), options.onWait);
}

function lockedError(timeoutMs: number, holder: string | null): MigrationError {
  return new MigrationError(
    MigrateErrorCode.LOCKED,
    `Another migration run${holder ? ` (${holder})` : ""} still holds the lock after ${Math.round(timeoutMs / 1000)} s; ` +
      "wait for it to finish, or raise TINA4_MIGRATE_LOCK_TIMEOUT",
  );
}

/**
 * The lock lives in a transaction on its own pooled connection: the transaction's callback
 * parks until release() while the migrations run outside its async context on other connections.
 */
async function advisoryLock(db: Database, timeoutMs: number, onWait: LockOptions["onWait"]): Promise<MigrationLock> {
  const pg = db.engine === "postgres";
  const trySql = pg ? "SELECT pg_try_advisory_xact_lock(?) AS ok" : "SELECT GET_LOCK(CONCAT('tina4_migrate:', MD5(DATABASE())), 0) AS ok";
  const param = pg ? [PG_KEY] : [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let signal!: (acquired: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (signal = resolve));
  const deadline = Date.now() + timeoutMs;

  const held = db.transaction(async () => {
    let waited = false;
    for (;;) {
      const row = await db.fetchOne(trySql, param, { cache: false });
      const ok = row?.ok;
      if (ok === true || ok === 1 || ok === "1" || ok === 1n) break;
      if (Date.now() >= deadline) {
        signal(false);
        return;
      }
      if (!waited) {
        waited = true;
        onWait?.(null);
      }
      await sleep(150 + Math.random() * 100);
    }
    signal(true);
    await released;
    if (!pg) await db.fetchOne("SELECT RELEASE_LOCK(CONCAT('tina4_migrate:', MD5(DATABASE()))) AS ok", [], { cache: false });
  });
  held.catch(() => signal(false));
  const acquired = await Promise.race([decided, held.then(() => false)]);
  if (!acquired) {
    await held; // rethrows a database error, if that is why
    throw lockedError(timeoutMs, null);
  }
  let done = false;
  return {
    kind: "advisory",
    lost: false,
    async release() {
      if (done) return;
      done = true;
      release();
      await held;
    },
  };
}

async function rowLock(db: Database, timeoutMs: number, ttlMs: number, onWait: LockOptions["onWait"]): Promise<MigrationLock> {
  await ensureTable(db, LOCK_TABLE, LOCK_DDL[db.engine]);
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  for (;;) {
    const now = Date.now();
    let got = false;
    try {
      await db.insert(LOCK_TABLE, { lock_name: LOCK_NAME, owner, expires_at: now + ttlMs });
      got = true;
    } catch (error) {
      if (!(error instanceof DatabaseError) || (error.code !== DbErrorCode.CONSTRAINT && error.code !== DbErrorCode.QUERY)) throw error;
    }
    if (!got) {
      // a row whose holder stopped renewing it (killed process) is taken over
      const stale = await db.update(LOCK_TABLE, { owner, expires_at: now + ttlMs }, "lock_name = ? AND expires_at < ?", [LOCK_NAME, now]);
      got = stale.affected > 0;
    }
    if (got) break;
    if (Date.now() >= deadline) {
      const row = await db.fetchOne(`SELECT owner FROM ${LOCK_TABLE} WHERE lock_name = ?`, [LOCK_NAME], { cache: false });
      throw lockedError(timeoutMs, row ? String(row.owner).trim() : null);
    }
    if (!waited) {
      waited = true;
      const row = await db.fetchOne(`SELECT owner FROM ${LOCK_TABLE} WHERE lock_name = ?`, [LOCK_NAME], { cache: false }).catch(() => null);
      onWait?.(row ? String(row.owner).trim() : null);
    }
    await sleep(150 + Math.random() * 150);
  }

  let lost = false;
  let done = false;
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = db
      .update(LOCK_TABLE, { expires_at: Date.now() + ttlMs }, { lock_name: LOCK_NAME, owner })
      .then((r) => {
        if (r.affected === 0 && !done) lost = true;
      })
      .catch(() => undefined);
  }, Math.max(250, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    kind: "row",
    get lost() {
      return lost;
    },
    async release() {
      if (done) return;
      done = true;
      clearInterval(timer);
      await renewing;
      await db.delete(LOCK_TABLE, { lock_name: LOCK_NAME, owner });
    },
  };
}
