/**
 * `generate model` field options on the live engines: the migration the CLI writes (its own
 * engine's file or the migrations/<engine>/ variant) is run by `tina4 migrate` on a fresh
 * database of each engine, and the constraints must hold there: a duplicate unique value is
 * refused, defaults fill omitted columns, a required column refuses NULL, a nullable one takes
 * it. `migrate:rollback` then drops the table with its indexes (migrating again recreates the
 * same index names, which PostgreSQL would refuse if one were left behind).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, rmSync } from "node:fs";
import { Database } from "../../runtime/db/index.js";
import { appWithMigrations, engineAvailable, ENGINES, freshDatabase } from "../migrate/engines.js";
import { runCli } from "../support/cli.js";

const FIELDS = [
  "name:string:required",
  "email:string:unique",
  "slug:string:index",
  "age:int:default=0",
  "bio:text:nullable:default=\"it's a \\ b, c:d\"",
  "active:bool:default=true",
  "joined:datetime:default=now",
  "price:decimal:8:2:default=1.5",
  "code:string:required:unique:default=none",
];

/** Columns added to the members table later, by `generate migration add_contact_to_members …`. */
const ADDED = ["phone:string:unique", "nickname:string:index:default=anon", "points:int:required:default=0"];

let app: string;
/** The same app with the add-columns migration too (the first migrate runs in `app`, so the addition is its own batch). */
let laterApp: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  app = appWithMigrations({});
  const made = runCli(["generate", "model", "Member", ...FIELDS], app);
  expect(made.code, made.stderr).toBe(0);
  laterApp = `${app}-later`;
  cpSync(app, laterApp, { recursive: true });
  const added = runCli(["generate", "migration", "add contact to members", ...ADDED], laterApp);
  expect(added.code, added.stderr).toBe(0);
  expect(added.stdout).toContain('points: { type: "int", required: true, default: 0 },');
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(app, { recursive: true, force: true });
  rmSync(laterApp, { recursive: true, force: true });
});

/** The error a statement fails with ("" when it succeeds). */
async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "";
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

describe("generate model field options: each engine runs the migration and keeps its constraints", () => {
  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: unique, index, default, NOT NULL / NULL, and rollback`, async () => {
      const fresh = await freshDatabase(engine, "fieldopts");
      cleanups.push(() => fresh.drop());
      const env = { TINA4_DATABASE_URL: fresh.url };
      const up = runCli(["migrate"], app, env);
      expect(up.code, up.stdout + up.stderr).toBe(0);

      const db = await Database.connect(fresh.url);
      try {
        expect(db.engine).toBe(engine);
        // only the required columns (and one unique): every default fills in
        await db.execute("INSERT INTO members (name, email, code) VALUES (?, ?, ?)", ["Ann", "ann@example.com", "a1"]);
        const row = await db.fetchOne("SELECT age, bio, active, joined, price, slug FROM members WHERE email = ?", ["ann@example.com"], { cache: false });
        expect(row).not.toBeNull();
        expect(Number(row!.age)).toBe(0);
        expect(String(row!.bio)).toBe("it's a \\ b, c:d");
        expect([true, 1, "1"]).toContain(row!.active);
        expect(row!.joined).not.toBeNull();
        expect(Number(row!.price)).toBe(1.5);
        expect(row!.slug).toBeNull();

        // a default on a required column fills it too
        await db.execute("INSERT INTO members (name, email) VALUES (?, ?)", ["Cy", "cy@example.com"]);
        expect((await db.fetchOne("SELECT code FROM members WHERE email = ?", ["cy@example.com"], { cache: false }))!.code).toBe("none");

        // unique: the same email twice is refused, and the same code too
        expect(await failure(() => db.execute("INSERT INTO members (name, email, code) VALUES (?, ?, ?)", ["Bob", "ann@example.com", "b1"]))).not.toBe("");
        expect(await failure(() => db.execute("INSERT INTO members (name, email, code) VALUES (?, ?, ?)", ["Bob", "bob@example.com", "a1"]))).not.toBe("");
        // ... while NULL emails are not duplicates of each other (nullable unique column)
        expect(await failure(() => db.execute("INSERT INTO members (name, code) VALUES (?, ?)", ["Nil1", "n1"]))).toBe("");
        expect(await failure(() => db.execute("INSERT INTO members (name, code) VALUES (?, ?)", ["Nil2", "n2"]))).toBe("");
        // required: NOT NULL; nullable: NULL is fine
        expect(await failure(() => db.execute("INSERT INTO members (name, email, code) VALUES (?, ?, ?)", [null, "nul@example.com", "c1"]))).not.toBe("");
        expect(await failure(() => db.execute("INSERT INTO members (name, email, code, bio) VALUES (?, ?, ?, ?)", ["Dee", "dee@example.com", "d1", null]))).toBe("");
        // the plain index is there under its generated name: two equal slugs are fine
        await db.execute("UPDATE members SET slug = ? WHERE code IN (?, ?)", ["same", "a1", "d1"]);
        expect((await db.fetch("SELECT id FROM members WHERE slug = ?", ["same"], { cache: false })).count).toBe(2);
        expect(await indexExists(db, "ix_members_slug")).toBe(true);
        expect(await indexExists(db, "ux_members_email")).toBe(true);
      } finally {
        await db.close();
      }

      const down = runCli(["migrate:rollback"], app, env);
      expect(down.code, down.stdout + down.stderr).toBe(0);
      const after = await Database.connect(fresh.url);
      try {
        expect(await after.tableExists("members")).toBe(false);
        expect(await indexExists(after, "ux_members_email")).toBe(false);
      } finally {
        await after.close();
      }
      const again = runCli(["migrate"], app, env);
      expect(again.code, again.stdout + again.stderr).toBe(0);
    }, 120_000);
  }
});

describe("generate migration add_<what>_to_<table> with field options: each engine adds and drops the columns", () => {
  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: ALTER TABLE ADD with unique, index, defaults for rows already there; the down file drops them`, async () => {
      const fresh = await freshDatabase(engine, "addcols");
      cleanups.push(() => fresh.drop());
      const env = { TINA4_DATABASE_URL: fresh.url };
      const first = runCli(["migrate"], app, env);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      let db = await Database.connect(fresh.url);
      try {
        await db.execute("INSERT INTO members (name, email, code) VALUES (?, ?, ?)", ["Old", "old@example.com", "o1"]);
      } finally {
        await db.close();
      }
      const later = runCli(["migrate"], laterApp, env);
      expect(later.code, later.stdout + later.stderr).toBe(0);
      db = await Database.connect(fresh.url);
      try {
        // the row already there gets the required column's default
        expect(Number((await db.fetchOne("SELECT points FROM members WHERE code = ?", ["o1"], { cache: false }))!.points)).toBe(0);
        await db.execute("INSERT INTO members (name, email, code, phone) VALUES (?, ?, ?, ?)", ["New", "new@example.com", "n1", "555"]);
        const row = await db.fetchOne("SELECT nickname, points FROM members WHERE code = ?", ["n1"], { cache: false });
        expect(row).toMatchObject({ nickname: "anon" });
        expect(await failure(() => db.execute("INSERT INTO members (name, email, code, phone) VALUES (?, ?, ?, ?)", ["Dup", "dup@example.com", "d1", "555"]))).not.toBe("");
        expect(await failure(() => db.execute("INSERT INTO members (name, email, code, points) VALUES (?, ?, ?, ?)", ["Nul", "nul@example.com", "u1", null]))).not.toBe("");
        expect(await indexExists(db, "ux_members_phone")).toBe(true);
        expect(await indexExists(db, "ix_members_nickname")).toBe(true);
      } finally {
        await db.close();
      }
      const down = runCli(["migrate:rollback"], laterApp, env);
      expect(down.code, down.stdout + down.stderr).toBe(0);
      db = await Database.connect(fresh.url);
      try {
        const columns = (await db.getColumns("members")).map((c) => c.name.toLowerCase());
        expect(columns).toContain("email");
        expect(columns).not.toContain("phone");
        expect(columns).not.toContain("nickname");
        expect(columns).not.toContain("points");
        expect(await indexExists(db, "ux_members_phone")).toBe(false);
        expect(await indexExists(db, "ix_members_nickname")).toBe(false);
      } finally {
        await db.close();
      }
      const again = runCli(["migrate"], laterApp, env);
      expect(again.code, again.stdout + again.stderr).toBe(0);
    }, 120_000);
  }
});

/** Whether an index of that name exists, asked the engine's catalogue. */
async function indexExists(db: Database, name: string): Promise<boolean> {
  const sql = {
    sqlite: "SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?",
    postgres: "SELECT indexname FROM pg_indexes WHERE indexname = ?",
    mysql: "SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?",
    firebird: "SELECT RDB$INDEX_NAME FROM RDB$INDICES WHERE TRIM(RDB$INDEX_NAME) = UPPER(?)",
    mssql: "SELECT name FROM sys.indexes WHERE name = ?",
  }[db.engine];
  return (await db.fetch(sql, [name], { cache: false })).count > 0;
}
