/**
 * Cache keys. The database identity is engine, host, port and database name — never the
 * password; it names the generation (invalidation) key, so every instance pointed at one
 * database shares one generation. Entry keys add the user and URL options (two users of one
 * database may see different rows), the query mode, the SQL (paging is part of it) and the
 * params, and are hashed, so no server name, SQL or value is readable in the backend.
 */
import { createHash, randomBytes } from "node:crypto";
import type { SqlParams } from "../types.js";
import type { ParsedDatabaseUrl } from "../url.js";
import { encodeValue } from "./codec.js";

export interface DatabaseIdentity {
  /** engine|host|port|database — shared by every instance of this database. */
  readonly database: string;
  /** database + user + options: the prefix of request-scope keys and hashed entry keys. */
  readonly entries: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"]);
const SECRET_OPTION = /pass|secret|token|key|cert|pfx/i;

export function databaseIdentity(parsed: ParsedDatabaseUrl): DatabaseIdentity {
  let database: string;
  if (parsed.engine === "sqlite") {
    // each sqlite::memory: connection is its own database
    const file = parsed.database === ":memory:" ? `:memory:#${randomBytes(8).toString("hex")}` : parsed.database;
    database = `sqlite|${file}`;
  } else {
    const host = parsed.host.toLowerCase();
    database = `${parsed.engine}|${LOOPBACK.has(host) ? "loopback" : host}|${parsed.port}|${parsed.database}`;
  }
  const options = Object.keys(parsed.options)
    .filter((k) => !SECRET_OPTION.test(k))
    .sort()
    .map((k) => `${k}=${parsed.options[k]}`)
    .join("&");
  return { database, entries: `${database}|${parsed.user}|${options}` };
}

/** A stable text for `params`, or null when a value cannot be keyed (then the read is not cached). */
export function paramsKey(params: SqlParams): string | null {
  if (params.length === 0) return "";
  if (params.length === 1) {
    // the common lookup by one key, without an array and a map: the same text JSON.stringify gives
    const v = params[0];
    if (typeof v === "number" && Number.isFinite(v)) return `[${v}]`;
    if (typeof v === "string") return `[${JSON.stringify(v)}]`;
  }
  try {
    return JSON.stringify(params.map(encodeValue));
  } catch {
    return null;
  }
}

export function hashKey(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** Key of the generation token of one database in the dbcache namespace. */
export function generationKey(identity: DatabaseIdentity): string {
  return `gen:${hashKey(identity.database)}`;
}

/** The local (request-scope) key; the persistent key is its hash. */
export function localKey(identity: DatabaseIdentity, mode: string, sql: string, params: string): string {
  return `${identity.entries}\u0000${mode}\u0000${sql}\u0000${params}`;
}

export function entryKey(local: string): string {
  return `q:${hashKey(local)}`;
}

/** One statement (database, mode, SQL) of the query cache; reads add their params key. */
export interface StatementKey {
  /** localKey(identity, mode, sql, ""): hashed with the params for shared backends. */
  readonly local: string;
  /**
   * The in-process (memory backend) key prefix: a short id per distinct `local` in this
   * process, so a hit looks up a dozen characters instead of the whole SQL. Ids are never
   * reused, so dropping the registry (bounded) can only orphan entries, never mix them up.
   */
  readonly memoryPrefix: string;
}

const statementIds = new Map<string, StatementKey>();
let nextStatementId = 0;

export function statementKey(identity: DatabaseIdentity, mode: string, sql: string): StatementKey {
  const local = localKey(identity, mode, sql, "");
  let found = statementIds.get(local);
  if (found === undefined) {
    if (statementIds.size >= 10_000) statementIds.clear();
    found = Object.freeze({ local, memoryPrefix: `q:${(nextStatementId++).toString(36)}:` });
    statementIds.set(local, found);
  }
  return found;
}

const FIRST_WORD = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*\(?\s*([A-Za-z]+)/;
/**
 * Words that make a statement unsafe to cache: data-modifying CTEs and RETURNING, row locks,
 * SELECT … INTO, sequence and id functions, procedure calls. Matched anywhere in the text,
 * string literals included: a false alarm only costs a cache miss.
 */
const UNSAFE =
  /\b(?:insert|update|delete|merge|upsert|truncate|into|returning|lock|for\s+share|nextval|setval|currval|lastval|gen_id|next\s+value|last_insert_id|scope_identity|identity|newid|uuid|sys_guid|call|exec|execute|sleep|pg_sleep|waitfor|\w*advisory\w*|get_lock|release_lock|tina4_sequence)\b/i;

const verdicts = new Map<string, boolean>();

/** Whether `sql` is a plain read whose result may be cached: SELECT or WITH, nothing unsafe. */
export function cacheableSql(sql: string): boolean {
  let ok = verdicts.get(sql);
  if (ok === undefined) {
    const first = FIRST_WORD.exec(sql)?.[1]?.toUpperCase();
    ok = (first === "SELECT" || first === "WITH") && !UNSAFE.test(sql);
    if (verdicts.size >= 2000) verdicts.clear();
    verdicts.set(sql, ok);
  }
  return ok;
}
