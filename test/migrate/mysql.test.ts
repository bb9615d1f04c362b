import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { migrate, MigrationError } from "../../runtime/migrate/index.js";
import { appWithMigrations, engineAvailable, freshDatabase, SQL, type FreshDatabase } from "./engines.js";
import { defineBodySuite, defineLockSuite, defineMigrationSuite } from "./suite.js";

defineMigrationSuite("mysql");
defineBodySuite("mysql");
defineLockSuite("mysql");

// Skipped only locally when the MariaDB URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
describe.skipIf(!engineAvailable("mysql"))("mysql: a file's implicit commits", () => {
  const s = SQL.mysql;
  let fresh: FreshDatabase;
  let db: Database;
  let root: string;
  const write = (name: string, sql: string) => writeFileSync(join(root, "migrations", name), sql);
  beforeAll(async () => {
    fresh = await freshDatabase("mysql", "implicit");
    db = await Database.connect(fresh.url);
    root = appWithMigrations({});
  });
  afterAll(async () => {
    await db?.close();
    await fresh?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("session variables set before a schema statement still apply after it (one connection per file)", async () => {
    write("1_probe.sql", `SET @tina4_probe = 42;\nCREATE TABLE probes (id ${s.id}, v ${s.int})${s.suffix};\nINSERT INTO probes (v) VALUES (@tina4_probe);\n`);
    expect((await migrate(db, { dir: join(root, "migrations") })).applied).toEqual(["1_probe"]);
    expect((await db.fetch("SELECT v FROM probes")).records.map((r) => Number(r.v))).toEqual([42]);
  });

  it("data before a failing schema statement is committed with it and named; data after the last one is rolled back", async () => {
    write("2_mixed.sql", "INSERT INTO probes (v) VALUES (1);\nALTER TABLE probes ADD w INT;\nINSERT INTO probes (v) VALUES (2);\nALTER TABLE no_such_table ADD x INT;\n");
    const err = await migrate(db, { dir: join(root, "migrations") }).then(() => null, (e: unknown) => e as MigrationError);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err!.statementIndex).toBe(4);
    expect(err!.message).toMatch(/\(statements 1–3 were already committed: MySQL\/MariaDB commit each CREATE, ALTER, DROP and RENAME at once\)/);
    expect((await db.fetch("SELECT v FROM probes ORDER BY v")).records.map((r) => Number(r.v))).toEqual([1, 2, 42]);
  });
});
