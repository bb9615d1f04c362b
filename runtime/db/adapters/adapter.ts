import { loadDriver } from "../../drivers.js";
import { DatabaseError, DbErrorCode, redact } from "../errors.js";
import type { Dialect } from "../dialects/dialect.js";
import type { ParsedDatabaseUrl } from "../url.js";
import type { Engine, Row, SqlParams } from "../types.js";

/** What one driver call returns, normalised. */
export interface RawResult {
  rows: Row[];
  columns: string[];
  affected: number;
  lastId: number | bigint | null;
}

/**
 * "all" returns every row, "one" may stop at the first, "exec" may run several
 * statements when there are no params (migrations) and need not report columns.
 */
export type QueryMode = "all" | "one" | "exec";

/** One physical connection. SQL given here is already in the driver's native form. */
export interface DriverConnection {
  query(sql: string, params: SqlParams, mode: QueryMode): Promise<RawResult>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
  /** Called after DDL so cached statement metadata is dropped. */
  schemaChanged?(): void;
  /** Set when the connection failed at the transport level and must not be reused. */
  broken: boolean;
  /**
   * True when autocommit statements from many callers may be pipelined on this connection
   * (sent without waiting for earlier answers, each its own implicit transaction), so it need
   * not be held exclusively for them. Transactions still hold a connection exclusively.
   */
  readonly pipelined?: boolean;
  /** Statements sent and not yet answered (pipelined connections): the pool spreads load by it. */
  readonly inflight?: number;
}

/** SQLite can answer without a round trip; the Database uses this on its hot path. */
export interface SyncConnection extends DriverConnection {
  querySync(sql: string, params: SqlParams, mode: QueryMode): RawResult;
  fetchOneSync(sql: string, params: SqlParams): Row | null;
}

export interface Adapter {
  readonly engine: Engine;
  readonly dialect: Dialect;
  /** Largest useful pool (SQLite: 1). */
  readonly maxPool: number;
  connect(): Promise<DriverConnection>;
  /** Converts a driver error into a DatabaseError (never containing the password). */
  mapError(error: unknown, sql: string | undefined): DatabaseError;
}

export const EMPTY: readonly Row[] = Object.freeze([]) as readonly Row[];

export async function requireDriver<T>(pkg: string, engine: Engine): Promise<T> {
  const mod = await loadDriver<T>(pkg);
  if (mod === null) {
    throw new DatabaseError(
      DbErrorCode.DRIVER_MISSING,
      `The ${engine} driver is not installed: run \`npm install ${pkg}\` in your project`,
      { engine },
    );
  }
  return mod;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE",
  "EAI_AGAIN", "ECONNABORTED", "PROTOCOL_CONNECTION_LOST", "ESOCKET", "ETIMEOUT",
]);

export function isNetworkError(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
  const msg = typeof e.message === "string" ? e.message : "";
  return /connection (terminated|closed|is closed|lost)|socket hang up|Connection refused|read ECONNRESET|Client has encountered a connection error|Cannot enqueue|Can't add new command when connection is in closed state/i.test(msg);
}

/** Builds the DatabaseError for a driver failure. */
export function dbError(
  code: (typeof DbErrorCode)[keyof typeof DbErrorCode],
  engine: Engine,
  error: unknown,
  sql: string | undefined,
  driverCode: string | number | undefined,
  url: ParsedDatabaseUrl,
): DatabaseError {
  const raw = error instanceof Error ? error.message : String(error);
  const secrets = [url.password];
  const message = redact(raw, secrets) + (sql ? ` — SQL: ${truncate(redact(sql, secrets))}` : "");
  return new DatabaseError(code, `[${engine}] ${message}`, {
    engine,
    sql: sql === undefined ? undefined : redact(sql, secrets),
    driverCode,
    cause: error instanceof Error ? sanitizeCause(error, secrets) : undefined,
  });
}

function truncate(sql: string): string {
  const one = sql.replace(/\s+/g, " ").trim();
  return one.length > 500 ? `${one.slice(0, 500)}…` : one;
}

/** Drivers sometimes keep the connection config on their errors: keep only name, message, code. */
function sanitizeCause(error: Error, secrets: string[]): Error {
  const copy = new Error(redact(error.message, secrets));
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (copy as Error & { code?: unknown }).code = code;
  copy.stack = redact(error.stack ?? "", secrets);
  return copy;
}

/** Integer column value → number when exact, bigint otherwise. */
export function toSafeInt(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (typeof value === "string") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : BigInt(value);
  }
  return value;
}

/** The error of a driver call that never answered: ETIMEDOUT, so it maps like a network failure. */
export function timedOut(what: string, ms: number): () => Error {
  return () => Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: "ETIMEDOUT" });
}

/**
 * Parameters as the pg, mysql2 and node-firebird drivers take them: those drivers bind
 * Buffers themselves, and Dates too unless `isoDates` (then ISO-8601 UTC text, for a driver
 * that would otherwise write the process's local time); `undefined` becomes NULL, bigints
 * their decimal text, other typed arrays Buffers and plain objects/arrays JSON text. Copies
 * only when needed.
 */
export function driverParams(params: SqlParams, isoDates = false): unknown[] {
  let out: unknown[] | null = null;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    if (v === null || typeof v !== "object" && typeof v !== "bigint" && v !== undefined) continue;
    out ??= params.slice();
    if (v === undefined) out[i] = null;
    else if (typeof v === "bigint") out[i] = v.toString();
    else if (v instanceof Date) {
      if (isoDates) out[i] = Number.isNaN(v.getTime()) ? v : v.toISOString();
    } else if (Buffer.isBuffer(v)) continue;
    else if (v instanceof Uint8Array) out[i] = Buffer.from(v);
    else out[i] = JSON.stringify(v);
  }
  return (out ?? params) as unknown[];
}
