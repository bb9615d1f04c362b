/**
 * One fresh, empty database per test file and engine, so parallel files never share a
 * tina4_migration table: SQLite in a temp folder, CREATE DATABASE on PostgreSQL and MariaDB,
 * a new .fdb file on Firebird (next to the configured test database).
 */
import { expect } from "vitest";
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import mysql from "mysql2/promise";
import firebird from "node-firebird";
import { Database } from "../../runtime/db/index.js";
import { serviceUrl } from "../support/services.js";
import { bin, cliEnv, tempDir } from "../support/cli.js";

export type TestEngine = "sqlite" | "postgres" | "mysql" | "firebird";
export const ENGINES: readonly TestEngine[] = ["sqlite", "postgres", "mysql", "firebird"];

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

const SERVICE = { postgres: "POSTGRES", mysql: "MYSQL", firebird: "FIREBIRD" } as const;

/** The server URL for `engine`, or undefined (the suite is skipped with a printed reason). */
export function engineAvailable(engine: TestEngine): boolean {
  return engine === "sqlite" || serviceUrl(SERVICE[engine]) !== undefined;
}

function uniqueDbName(label: string): string {
  return `t4_${label}_${process.pid}_${Math.floor(Math.random() * 1e6)}`.toLowerCase().slice(0, 40);
}

function fbOptions(url: URL, database: string): firebird.Options {
  return { host: url.hostname, port: Number(url.port || 3050), database, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** A database created through an admin connection (`run` opens one, runs one statement, closes it). */
async function serverDatabase(base: URL, name: string, dropSql: string, run: (sql: string) => Promise<void>): Promise<FreshDatabase> {
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  // Cleanup after a test: a database that is already gone is fine.
  return { url: url.toString(), drop: () => run(dropSql).catch(() => undefined) };
}

export async function freshDatabase(engine: TestEngine, label: string): Promise<FreshDatabase> {
  const name = uniqueDbName(label);
  if (engine === "sqlite") {
    const dir = tempDir("tina4-mig-");
    return { url: `sqlite:${join(dir, "app.db")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = new URL(serviceUrl(SERVICE[engine])!);
  if (engine === "postgres") {
    return serverDatabase(base, name, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, async (sql) => {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    });
  }
  if (engine === "mysql") {
    return serverDatabase(base, name, `DROP DATABASE IF EXISTS ${name}`, async (sql) => {
      const connection = await mysql.createConnection(base.toString());
      try {
        await connection.query(sql);
      } finally {
        await connection.end();
      }
    });
  }

  // firebird: firebird://user:pass@host:port//abs/path/test.fdb → a sibling file
  const path = decodeURIComponent(base.pathname).replace(/^\/(?=\/)/, "");
  const file = join(path.slice(0, path.lastIndexOf("/")), `${name}.fdb`);
  await new Promise<void>((resolve, reject) =>
    firebird.create(fbOptions(base, file), (err, db) => (err ? reject(err) : db.detach(() => resolve()))),
  );
  const url = `firebird://${base.username}:${base.password}@${base.host}/${file}`;
  return {
    url,
    drop: () =>
      new Promise<void>((resolve) =>
        firebird.attach(fbOptions(base, file), (err, db) => (err ? resolve() : db.drop(() => resolve()))),
      ),
  };
}

/** A minimal tina4 app folder (the CLI wants src/routes) with the given migration files. */
export function appWithMigrations(files: Record<string, string>): string {
  const root = tempDir("tina4-migapp-");
  mkdirSync(join(root, "src", "routes"), { recursive: true });
  mkdirSync(join(root, "migrations"), { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(root, "migrations", name), sql);
  return root;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI asynchronously (so two can run at once). */
export function runCliAsync(args: string[], cwd: string, env: Record<string, string> = {}, onStarted?: (pid: number) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (child.pid !== undefined) onStarted?.(child.pid);
  });
}

/** Per-engine SQL used by the suites. */
export interface EngineSql {
  id: string;
  text: string;
  int: string;
  bool: string;
  timestamp: string;
  json: string;
  float: string;
  suffix: string;
  /** A statement that runs for a few seconds (used to kill a migration mid-run). */
  slow: string;
  /** Whether a failed file's DDL is rolled back (MySQL commits DDL implicitly; Firebird commits schema statements before data statements). */
  transactionalDdl: boolean;
}

export const SQL: Record<TestEngine, EngineSql> = {
  sqlite: {
    id: "INTEGER PRIMARY KEY AUTOINCREMENT", text: "VARCHAR(200)", int: "INTEGER", bool: "BOOLEAN", timestamp: "TIMESTAMP", json: "TEXT", float: "REAL", suffix: "",
    slow: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) SELECT COUNT(*) FROM c", transactionalDdl: true,
  },
  postgres: {
    id: "SERIAL PRIMARY KEY", text: "VARCHAR(200)", int: "INTEGER", bool: "BOOLEAN", timestamp: "TIMESTAMP", json: "JSONB", float: "DOUBLE PRECISION", suffix: "",
    slow: "SELECT pg_sleep(3)", transactionalDdl: true,
  },
  mysql: {
    id: "INT AUTO_INCREMENT PRIMARY KEY", text: "VARCHAR(200)", int: "INT", bool: "TINYINT(1)", timestamp: "DATETIME", json: "JSON", float: "DOUBLE", suffix: " ENGINE=InnoDB",
    slow: "SELECT SLEEP(3)", transactionalDdl: false,
  },
  firebird: {
    id: "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text: "VARCHAR(200)", int: "INTEGER", bool: "BOOLEAN", timestamp: "TIMESTAMP", json: "BLOB SUB_TYPE TEXT", float: "DOUBLE PRECISION", suffix: "",
    slow: "SELECT COUNT(*) FROM RDB$FIELDS a, RDB$FIELDS b, RDB$RELATIONS c, (SELECT 1 AS x FROM RDB$DATABASE UNION ALL SELECT 1 AS x FROM RDB$DATABASE UNION ALL SELECT 1 AS x FROM RDB$DATABASE UNION ALL SELECT 1 AS x FROM RDB$DATABASE UNION ALL SELECT 1 AS x FROM RDB$DATABASE UNION ALL SELECT 1 AS x FROM RDB$DATABASE) d", transactionalDdl: false,
  },
};

/** `tina4 migrate:rollback` in `root` succeeds and leaves none of `tables` in the database at `url`. */
export async function expectRolledBack(root: string, env: Record<string, string>, url: string, tables: string[]): Promise<void> {
  const down = await runCliAsync(["migrate:rollback"], root, env);
  expect(down.code, down.stdout + down.stderr).toBe(0);
  const check = await Database.connect(url);
  try {
    for (const table of tables) expect(await check.tableExists(table), table).toBe(false);
  } finally {
    await check.close();
  }
}

/**
 * A fresh `engine` database (dropped through `cleanups`), `tina4 migrate` of the app at `root`
 * into it (expected: `applied` migrations), and a connection that is asserted to be on `engine`.
 */
export async function migrateIntoFresh(engine: TestEngine, label: string, root: string, applied: number, cleanups: Array<() => Promise<void>>): Promise<{ fresh: FreshDatabase; env: Record<string, string>; db: Database }> {
  const fresh = await freshDatabase(engine, label);
  cleanups.push(() => fresh.drop());
  const env = { TINA4_DATABASE_URL: fresh.url };
  const up = await runCliAsync(["migrate"], root, env);
  expect(up.code, up.stdout + up.stderr).toBe(0);
  expect(up.stdout).toContain(`Applied ${applied} migrations`);
  const db = await Database.connect(fresh.url);
  expect(db.engine).toBe(engine);
  return { fresh, env, db };
}
