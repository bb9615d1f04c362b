import { Tina4Error } from "../errors.js";
import type { Engine } from "./types.js";

/**
 * Every database failure is a DatabaseError carrying a stable `code` from this registry.
 * Callers branch on `code`, never on the message; `status` tells the HTTP layer 503 or 500.
 */
export const DbErrorCode = {
  /** The connection URL could not be parsed or names an unknown engine. */
  URL: "T4_ERR_DB_URL",
  /** The engine's npm driver is not installed. */
  DRIVER_MISSING: "T4_ERR_DB_DRIVER_MISSING",
  /** The server could not be reached or the connection dropped. */
  UNAVAILABLE: "T4_ERR_DB_UNAVAILABLE",
  /** The database does not exist and the caller asked not to create it (SQLite `{ create: false }`). */
  NOT_FOUND: "T4_ERR_DB_NOT_FOUND",
  /** The server refused the credentials. */
  AUTH: "T4_ERR_DB_AUTH",
  /** The SQL failed (syntax, unknown table, type mismatch, ...). */
  QUERY: "T4_ERR_DB_QUERY",
  /** A unique / foreign key / not-null / check constraint rejected a write. */
  CONSTRAINT: "T4_ERR_DB_CONSTRAINT",
  /** A concurrent transaction holds or changed the same rows (deadlock, update conflict, serialization failure): this one was rolled back; retrying it can succeed. */
  CONFLICT: "T4_ERR_DB_CONFLICT",
  /** No pooled connection became free within the acquire timeout. */
  POOL_TIMEOUT: "T4_ERR_DB_POOL_TIMEOUT",
  /** A table or column name given to insert/update/delete/getNextId is not a plain identifier. */
  IDENTIFIER: "T4_ERR_DB_IDENTIFIER",
  /** update/delete called without a WHERE condition. */
  NO_WHERE: "T4_ERR_DB_NO_WHERE",
  /** Transaction misuse (overlapping nested savepoints, use after finish). */
  TRANSACTION: "T4_ERR_DB_TRANSACTION",
  /** The Database was closed. */
  CLOSED: "T4_ERR_DB_CLOSED",
  /** A bad argument (empty rows, negative limit, ...). */
  ARGUMENT: "T4_ERR_DB_ARGUMENT",
} as const;

export type DbErrorCodeValue = (typeof DbErrorCode)[keyof typeof DbErrorCode];

export interface DatabaseErrorDetails {
  engine?: Engine | undefined;
  sql?: string | undefined;
  /** The driver's own code (SQLSTATE, errno, gdscode, SQLITE_*), when there is one. */
  driverCode?: string | number | undefined;
  cause?: unknown;
}

export class DatabaseError extends Tina4Error {
  readonly engine: Engine | undefined;
  readonly sql: string | undefined;
  readonly driverCode: string | number | undefined;

  constructor(code: DbErrorCodeValue, message: string, details: DatabaseErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.engine = details.engine;
    this.sql = details.sql;
    this.driverCode = details.driverCode;
  }

  /** True when the failure means "database unreachable". */
  get unavailable(): boolean {
    return this.code === DbErrorCode.UNAVAILABLE || this.code === DbErrorCode.POOL_TIMEOUT;
  }

  /**
   * The HTTP status of a request that fails with this error: 503 while the database is
   * unreachable or refuses the login (a configuration fault of this instance, not of the
   * request: the balancer's retry elsewhere may succeed, and `/__ready` says so), 409 Conflict when a constraint (duplicate key, foreign key, ...) refused a write
   * — the client asked for a state the data cannot take, so a retry as sent fails the same way —
   * or when a concurrent transaction won a deadlock or update conflict (a retry may succeed).
   */
  get status(): 409 | 500 | 503 {
    if (this.unavailable || this.code === DbErrorCode.AUTH || this.code === DbErrorCode.NOT_FOUND) return 503;
    return this.code === DbErrorCode.CONSTRAINT || this.code === DbErrorCode.CONFLICT ? 409 : 500;
  }
}

/** Removes credentials from any text: `scheme://user:secret@` → `scheme://user:***@`, and literal secrets. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@");
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join("***");
  }
  return out;
}
