/**
 * What kind of "cannot connect" a database failure is, told apart so that the operator reads
 * what to fix: a refused login, a server without that database, a host name that does not
 * resolve, or a server that does not answer. `/__ready` shows the short `state` (public, in
 * production too: it never names a host or a secret); logs and dev responses add the `hint`.
 */
import { DbErrorCode, type DbErrorCodeValue } from "./errors.js";

export type ConnectFailureKind = "auth" | "database-missing" | "host-unknown" | "unreachable";

export interface ConnectFailure {
  kind: ConnectFailureKind;
  /** The `/__ready` state: "authentication failed", "database not found", "host not found", "unavailable". */
  state: string;
  /** What to fix, one clause. */
  hint: string;
}

/** Driver codes of "no such database" (PostgreSQL 3D000, MySQL/MariaDB 1049, SQL Server 4060). */
const DATABASE_MISSING = new Set<string | number>(["3D000", "ER_BAD_DB_ERROR", 1049, 4060]);
/** Resolver failures: the host name is unknown (EAI_AGAIN: the resolver did not answer, as often for a bad name). */
const HOST_UNKNOWN = /\b(ENOTFOUND|EAI_AGAIN|EAI_NONAME)\b/;

const FAILURES: Record<ConnectFailureKind, Omit<ConnectFailure, "kind">> = {
  auth: { state: "authentication failed", hint: "the server refused the login: check the user name and password in the database URL" },
  "database-missing": { state: "database not found", hint: "the server answers but has no such database: create it or correct the name in the database URL" },
  "host-unknown": { state: "host not found", hint: "the host name does not resolve: check the host in the database URL (and DNS)" },
  unreachable: { state: "unavailable", hint: "no answer from the server: check that it runs and that the URL's host and port are right" },
};

/** The failure kind from a DatabaseError's code, driver code and message; null when it is no connection failure. */
export function connectFailureOf(code: DbErrorCodeValue | string, driverCode: string | number | undefined, message: string): ConnectFailure | null {
  let kind: ConnectFailureKind;
  if (code === DbErrorCode.AUTH) kind = "auth";
  else if (driverCode !== undefined && DATABASE_MISSING.has(driverCode)) kind = "database-missing";
  else if (HOST_UNKNOWN.test(String(driverCode ?? "")) || HOST_UNKNOWN.test(message)) kind = "host-unknown";
  else if (code === DbErrorCode.UNAVAILABLE || code === DbErrorCode.POOL_TIMEOUT) kind = "unreachable";
  else return null;
  return { kind, ...FAILURES[kind] };
}

/** connectFailureOf for any thrown value (a DatabaseError or not). */
export function connectFailure(error: unknown): ConnectFailure | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, driverCode, message } = error as { code?: unknown; driverCode?: unknown; message?: unknown };
  if (typeof code !== "string") return null;
  const driver = typeof driverCode === "string" || typeof driverCode === "number" ? driverCode : undefined;
  return connectFailureOf(code, driver, typeof message === "string" ? message : "");
}
