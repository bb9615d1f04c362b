/**
 * `tina4 migrate` against a running server that has no database of the URL's name says to
 * create it, not "is the server running" (it is).
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";

// Each case skips only locally when its server's URL is unset: serviceUrl() throws under
// TINA4_TEST_SERVICES=required (CI), so there a missing server fails instead.
const postgres = serviceUrl("POSTGRES");
const mysql = serviceUrl("MYSQL");
const firebird = serviceUrl("FIREBIRD");

function missingDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = "/tina4_no_such_database_x9";
  return parsed.toString();
}

describe("tina4 migrate when the server has no such database", () => {
  const app = join(tempDir("tina4-missing-db-"), "app");
  const init = runCli(["init", app, "--yes"], process.cwd());

  it.skipIf(!postgres)("PostgreSQL: names the database to create", () => {
    expect(init.code, init.stderr).toBe(0);
    const result = runCli(["migrate"], app, { TINA4_DATABASE_URL: missingDatabaseUrl(postgres!) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('database "tina4_no_such_database_x9" does not exist');
    expect(result.stderr).toContain('The server is up but has no database "tina4_no_such_database_x9": create it first (CREATE DATABASE tina4_no_such_database_x9)');
    expect(result.stderr).not.toContain("Is the server running");
  });

  it.skipIf(!mysql)("MySQL/MariaDB: names the database to create", () => {
    expect(init.code, init.stderr).toBe(0);
    const result = runCli(["migrate"], app, { TINA4_DATABASE_URL: missingDatabaseUrl(mysql!) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Unknown database 'tina4_no_such_database_x9'");
    expect(result.stderr).toContain('create it first (CREATE DATABASE tina4_no_such_database_x9)');
    expect(result.stderr).not.toContain("Is the server running");
  });

  it.skipIf(!firebird)("Firebird: names the database file the server cannot open", () => {
    expect(init.code, init.stderr).toBe(0);
    const url = `${firebird!.slice(0, firebird!.indexOf("//", "firebird://".length))}//tmp/tina4_no_such_database_x9.fdb`;
    expect(url).toMatch(/^firebird:.*tina4_no_such_database_x9\.fdb$/);
    const result = runCli(["migrate"], app, { TINA4_DATABASE_URL: url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[firebird]");
    expect(result.stderr).toContain("The server is up but cannot open the database file /tmp/tina4_no_such_database_x9.fdb");
    expect(result.stderr).not.toContain("Is the server running");
  });
});

describe("read-only migrate commands with a SQLite file that does not exist", () => {
  const root = tempDir("tina4-missing-sqlite-");
  const app = join(root, "app");
  const init = runCli(["init", app, "--yes"], process.cwd());
  const folder = join(root, "nonexistent", "dir");
  const url = `sqlite:${folder}/app.db`;

  it("migrate:status names the path and the fix, exits 1, and creates neither the file nor its folder", () => {
    expect(init.code, init.stderr).toBe(0);
    const result = runCli(["migrate:status"], app, { TINA4_DATABASE_URL: url });
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toContain(`No SQLite database at ${folder}/app.db`);
    expect(result.stderr).toContain("Run tina4 migrate to create it");
    expect(result.stdout).not.toContain("0 applied");
    expect(existsSync(join(root, "nonexistent"))).toBe(false);
  });

  it("migrate:rollback has nothing to undo (exit 0, as on an empty database) and creates nothing", () => {
    expect(init.code, init.stderr).toBe(0);
    const result = runCli(["migrate:rollback"], app, { TINA4_DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Nothing to roll back: no migration is applied on sqlite:");
    expect(result.stdout).toContain("there is no database file yet");
    expect(existsSync(join(root, "nonexistent"))).toBe(false);
  });

  it("tina4 migrate still creates the file and its folder; status then reads it", () => {
    expect(init.code, init.stderr).toBe(0);
    const migrated = runCli(["migrate"], app, { TINA4_DATABASE_URL: url });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(existsSync(join(folder, "app.db"))).toBe(true);
    const status = runCli(["migrate:status"], app, { TINA4_DATABASE_URL: url });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("0 applied, 0 pending");
  });
});

describe("tina4 routes / tina4 openapi only look: a route module that connects at import creates no database", () => {
  const app = join(tempDir("tina4-routes-no-db-"), "app");
  const init = runCli(["init", app, "--yes"], process.cwd());

  it("lists the routes and writes the document, and data/app.db still does not exist", () => {
    expect(init.code, init.stderr).toBe(0);
    mkdirSync(join(app, "src", "routes", "stock"), { recursive: true });
    writeFileSync(
      join(app, "src", "routes", "stock", "get.ts"),
      'import { Database } from "tina4";\nconst db = await Database.connect();\nexport default async () => (await db.fetch("SELECT 1 AS one")).records;\n',
    );
    const routes = runCli(["routes"], app);
    expect(routes.code, routes.stderr).toBe(0);
    expect(routes.stdout).toContain("/stock");
    const openapi = runCli(["openapi", "--out", join(app, "openapi.json")], app);
    expect(openapi.code, openapi.stderr).toBe(0);
    expect(existsSync(join(app, "openapi.json"))).toBe(true);
    expect(existsSync(join(app, "data", "app.db"))).toBe(false);
    // serve and migrate still create it as before
    expect(runCli(["migrate"], app).code).toBe(0);
    expect(existsSync(join(app, "data", "app.db"))).toBe(true);
  });
});
