import { Tina4Error } from "../errors.js";

/** Every migration failure carries one of these codes; callers branch on `code`, never on the message. */
export const MigrateErrorCode = {
  /** A statement of an up migration failed; the file was rolled back and not recorded. */
  FAILED: "T4_ERR_MIGRATE_FAILED",
  /** A statement of a down migration failed; that migration stays recorded. */
  ROLLBACK_FAILED: "T4_ERR_MIGRATE_ROLLBACK_FAILED",
  /** Rollback needs `<name>.down.sql` and it does not exist; nothing was rolled back. */
  NO_DOWN: "T4_ERR_MIGRATE_NO_DOWN",
  /** A migration (or its down file) holds no statements. */
  EMPTY: "T4_ERR_MIGRATE_EMPTY",
  /** A file holds its own BEGIN / COMMIT / ROLLBACK: tina4 runs each file in a transaction already. */
  TRANSACTION: "T4_ERR_MIGRATE_TRANSACTION",
  /** SQL that cannot be split: an unterminated string, quoted name, comment or dollar-quoted body. */
  SPLIT: "T4_ERR_MIGRATE_SPLIT",
  /** Another process held the migration lock longer than the wait timeout. */
  LOCKED: "T4_ERR_MIGRATE_LOCKED",
  /** The lock was taken over while this run was still working (it stalled past the lock TTL). */
  LOCK_LOST: "T4_ERR_MIGRATE_LOCK_LOST",
  /** `migrate:fresh` cannot list what to drop on this engine (SQL Server): nothing was dropped. */
  FRESH_UNSUPPORTED: "T4_ERR_MIGRATE_FRESH_UNSUPPORTED",
  /** Dropping the app's tables failed: the drops were rolled back where the engine can (not MySQL/MariaDB). */
  FRESH_FAILED: "T4_ERR_MIGRATE_FRESH_FAILED",
  /** A bad argument (steps not a positive integer, unreadable folder, ...). */
  ARGUMENT: "T4_ERR_MIGRATE_ARGUMENT",
} as const;

export type MigrateErrorCodeValue = (typeof MigrateErrorCode)[keyof typeof MigrateErrorCode];

export interface MigrationErrorDetails {
  /** The migration file (base name, e.g. `20240101120000_create_products.sql`). */
  file?: string | undefined;
  /** 1-based index of the failing statement within the file. */
  statementIndex?: number | undefined;
  /** 1-based line where the failing statement starts. */
  line?: number | undefined;
  /** The failing statement's SQL. */
  statement?: string | undefined;
  cause?: unknown;
}

export class MigrationError extends Tina4Error {
  readonly file: string | undefined;
  readonly statementIndex: number | undefined;
  readonly line: number | undefined;
  readonly statement: string | undefined;

  constructor(code: MigrateErrorCodeValue, message: string, details: MigrationErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.file = details.file;
    this.statementIndex = details.statementIndex;
    this.line = details.line;
    this.statement = details.statement;
  }
}
