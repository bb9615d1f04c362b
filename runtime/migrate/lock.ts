import { setting } from "../config/settings.js";
import type { Database } from "../db/index.js";
import { acquireDatabaseLock, lockHolder, type DatabaseLockKey } from "../lock/database.js";
import { MigrateErrorCode, MigrationError } from "./errors.js";

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

/**
 * The migration lock: an advisory lock on PostgreSQL and MySQL/MariaDB, a row in
 * tina4_migration_lock elsewhere (see runtime/lock/database.ts, which `lock()` shares).
 * pg key "t4mi" as a 32-bit number (the lock space is per database); MySQL lock names are
 * server-wide, so the name carries a hash of the database.
 */
const MIGRATE_KEY: DatabaseLockKey = {
  name: "migrate",
  table: LOCK_TABLE,
  pg: { sql: "SELECT pg_try_advisory_xact_lock(?) AS ok", params: [0x7434_6d69] },
  mysql: { name: "CONCAT('tina4_migrate:', MD5(DATABASE()))", params: [] },
};

/** Takes the migration lock for `db`, waiting for another run up to the timeout. */
export async function acquireLock(db: Database, options: LockOptions = {}): Promise<MigrationLock> {
  const timeoutMs = options.timeoutMs ?? setting("TINA4_MIGRATE_LOCK_TIMEOUT") * 1000;
  const ttlMs = options.ttlMs ?? setting("TINA4_MIGRATE_LOCK_TTL") * 1000;
  const held = await acquireDatabaseLock(db, MIGRATE_KEY, { waitMs: timeoutMs, ttlMs, onWait: options.onWait });
  if (held === null) {
    const holder = await lockHolder(db, MIGRATE_KEY).catch(() => null);
    throw new MigrationError(
      MigrateErrorCode.LOCKED,
      `Another migration run${holder ? ` (${holder})` : ""} still holds the lock after ${Math.round(timeoutMs / 1000)} s; ` +
        "wait for it to finish, or raise TINA4_MIGRATE_LOCK_TIMEOUT",
    );
  }
  return held;
}
