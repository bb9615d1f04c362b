import { isAbsolute, resolve } from "node:path";
import { ENGINES } from "./engines.js";
import { DatabaseError, DbErrorCode, redact } from "./errors.js";
import type { Engine } from "./types.js";

export interface ParsedDatabaseUrl {
  engine: Engine;
  host: string;
  port: number;
  user: string;
  password: string;
  /** Database name (network engines), absolute file path (SQLite file) or ":memory:". */
  database: string;
  /** Query-string options (`?ssl=true&encrypt=false`). */
  options: Record<string, string>;
  /** The URL with its password replaced by `***` — safe for logs and errors. */
  redacted: string;
}

const SCHEMES: Record<string, Engine> = {
  sqlite: "sqlite", sqlite3: "sqlite",
  postgres: "postgres", postgresql: "postgres", pgsql: "postgres",
  mysql: "mysql", mariadb: "mysql",
  mssql: "mssql", sqlserver: "mssql",
  firebird: "firebird",
};

export const EXPECTED_FORMS =
  "sqlite:data/app.db | sqlite::memory: | sqlite:///abs/path.db | postgres://user:pass@host:5432/db | " +
  "mysql://user:pass@host:3306/db | mssql://user:pass@host:1433/db | firebird://user:pass@host:3050//abs/path.fdb";

function bad(raw: string, why: string): DatabaseError {
  return new DatabaseError(
    DbErrorCode.URL,
    `Invalid database URL "${redact(raw)}": ${why}. Expected one of: ${EXPECTED_FORMS}`,
  );
}

/** Parses a tina4 database URL. Relative SQLite paths resolve against `cwd`. */
export function parseDatabaseUrl(raw: string, cwd: string = process.cwd()): ParsedDatabaseUrl {
  const text = raw.trim();
  const colon = text.indexOf(":");
  if (colon <= 0) throw bad(raw, "no scheme");
  const scheme = text.slice(0, colon).toLowerCase();
  const engine = SCHEMES[scheme];
  if (!engine) throw bad(raw, `unknown engine "${scheme}"`);

  if (engine === "sqlite") {
    let rest = text.slice(colon + 1);
    const q = rest.indexOf("?");
    const options = q >= 0 ? Object.fromEntries(new URLSearchParams(rest.slice(q + 1))) : {};
    if (q >= 0) rest = rest.slice(0, q);
    let file: string;
    if (rest === ":memory:" || rest === "//:memory:") file = ":memory:";
    else if (rest.startsWith("///")) file = rest.slice(2);
    else if (rest.startsWith("//")) file = rest.slice(2);
    else file = rest;
    if (!file) throw bad(raw, "missing SQLite file path");
    if (file !== ":memory:") file = isAbsolute(file) ? file : resolve(cwd, decodeURIComponent(file));
    return { engine, host: "", port: 0, user: "", password: "", database: file, options, redacted: text };
  }

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(raw, "not a URL");
  }
  if (!url.hostname) throw bad(raw, "missing host");
  const port = url.port ? Number(url.port) : ENGINES[engine].defaultPort;
  let database = decodeURIComponent(url.pathname);
  // firebird://host:3050//abs/path.fdb → "/abs/path.fdb"; firebird://host/alias → "alias"
  database = database.startsWith("/") ? database.slice(1) : database;
  if (!database) throw bad(raw, "missing database name");
  const password = decodeURIComponent(url.password);
  const redactedUrl = new URL(url.href);
  if (redactedUrl.password) redactedUrl.password = "***";
  return {
    engine,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port,
    user: decodeURIComponent(url.username),
    password,
    database,
    options: Object.fromEntries(url.searchParams),
    redacted: redactedUrl.href,
  };
}
