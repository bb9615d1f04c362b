/**
 * `tina4 migrate` against a running server that has no database of the URL's name says to
 * create it, not "is the server running" (it is).
 */
import { describe, expect, it } from "vitest";
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
