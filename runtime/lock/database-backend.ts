/**
 * `lock()` on the app's database: advisory locks on PostgreSQL/MySQL, rows in `tina4_lock`
 * elsewhere (runtime/lock/database.ts, the mechanism the migration lock uses too). The lock
 * module opens its own Database (pool of 10), so a held lock never takes a connection from
 * the app's pool and an app transaction never contains a lock.
 */
import { createHash } from "node:crypto";
import { Database, DatabaseError, DbErrorCode } from "../db/index.js";
import type { Held, LockBackend } from "./backend.js";
import { acquireDatabaseLock, usesAdvisory, type DatabaseLockKey } from "./database.js";
import { LockError, LockErrorCode } from "./errors.js";

export const LOCK_ROW_TABLE = "tina4_lock";
const POOL = 10;

/** A signed 64-bit advisory key for `name` (pg's single-bigint key space, apart from the migration lock's). */
function pgKey(name: string): string {
  return createHash("sha256").update(`tina4-lock:${name}`).digest().readBigInt64BE(0).toString();
}

export function lockKey(name: string): DatabaseLockKey {
  return {
    name,
    table: LOCK_ROW_TABLE,
    pg: { sql: "SELECT pg_try_advisory_xact_lock(CAST(? AS BIGINT)) AS ok", params: [pgKey(name)] },
    // lock names are server-wide: scope them to the database
    mysql: { name: "CONCAT('t4l:', MD5(CONCAT(DATABASE(), ':', ?)))", params: [name] },
  };
}

function lockErrorOf(error: unknown, what: string, location: string): unknown {
  if (error instanceof DatabaseError) {
    if (error.unavailable || error.code === DbErrorCode.CLOSED) {
      return new LockError(LockErrorCode.UNAVAILABLE, `${what}: the lock database ${location} is unavailable (${error.message})`, { cause: error });
    }
    if (error.code === DbErrorCode.DRIVER_MISSING) return new LockError(LockErrorCode.DRIVER_MISSING, error.message, { cause: error });
  }
  return error;
}

export class DatabaseLockBackend implements LockBackend {
  readonly kind: "advisory" | "row";
  readonly location: string;

  private constructor(private readonly db: Database) {
    this.kind = usesAdvisory(db) ? "advisory" : "row";
    this.location = db.url;
  }

  static async open(url: string): Promise<DatabaseLockBackend> {
    try {
      return new DatabaseLockBackend(await Database.connect(url, { pool: POOL, autocommit: true, queryCache: { request: false, persistent: false } }));
    } catch (error) {
      throw lockErrorOf(error, "cannot open the lock database", url.replace(/(:\/\/[^:/@]*:)[^@]*@/, "$1***@"));
    }
  }

  async tryAcquire(name: string, ttlMs: number): Promise<Held | null> {
    try {
      return await acquireDatabaseLock(this.db, lockKey(name), { waitMs: 0, ttlMs });
    } catch (error) {
      throw lockErrorOf(error, `cannot take lock "${name}"`, this.location);
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
