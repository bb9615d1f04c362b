/**
 * The migration suite every engine runs (see <engine>.test.ts): ordering, batches, failure
 * mid-run, re-run, status, rollback, missing/failing down files, engine-specific bodies,
 * stale locks and two concurrent `tina4 migrate` processes.
 */
import { rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { migrate, migrationStatus, rollback, MigrationError, type MigrationEvent } from "../../runtime/migrate/index.js";
import { appWithMigrations, engineAvailable, freshDatabase, runCliAsync, SQL, type FreshDatabase, type TestEngine } from "./engines.js";

const E = (e: unknown) => e as MigrationError;

async function expectMigrationError(p: Promise<unknown>): Promise<MigrationError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(MigrationError);
  return E(e);
}

export function defineMigrationSuite(engine: TestEngine): void {
  const available = engineAvailable(engine);
  const s = SQL[engine];

  // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!available)(`migrations on ${engine}`, () => {
    let fresh: FreshDatabase;
    let db: Database;
    let root: string;
    let dir: string;
    const write = (name: string, sql: string) => writeFileSync(join(dir, name), sql);
    const names = async () => (await db.fetch("SELECT migration_name, batch FROM tina4_migration ORDER BY id")).records.map((r) => `${String(r.migration_name).trim()}@${Number(r.batch)}`);
    const itemNames = async () => (await db.fetch("SELECT name FROM items ORDER BY id")).records.map((r) => String(r.name));

    beforeAll(async () => {
      fresh = await freshDatabase(engine, "mig");
      db = await Database.connect(fresh.url);
      root = appWithMigrations({});
      dir = join(root, "migrations");
    });
    afterAll(async () => {
      await db?.close();
      await fresh?.drop();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("applies files in numeric order (9_ before 10_) as one batch; .down.sql never runs as up; a re-run does nothing", async () => {
      write("9_create_items.sql", `-- the items table\nCREATE TABLE items (id ${s.id}, name ${s.text} NOT NULL, note ${s.text})${s.suffix};\nINSERT INTO items (name) VALUES ('nine');\n`);
      write("9_create_items.down.sql", "DROP TABLE items;\n");
      // needs the table from 9_: fails if sorted as text ("10_" < "9_")
      write("10_seed_items.sql", "INSERT INTO items (name, note) VALUES ('ten', 'a; semicolon, -- not a comment, /* nor this */ and https://example.com/x');\n");
      write("10_seed_items.down.sql", "DELETE FROM items WHERE name = 'ten';\n");
      write("11_orphan.down.sql", "DROP TABLE nothing_here;\n");
      const events: MigrationEvent[] = [];
      const result = await migrate(db, { dir, onEvent: (e) => events.push(e) });
      expect(result).toEqual({ batch: 1, applied: ["9_create_items", "10_seed_items"] });
      expect(await names()).toEqual(["9_create_items@1", "10_seed_items@1"]);
      expect(await itemNames()).toEqual(["nine", "ten"]);
      expect((await db.fetchOne("SELECT note FROM items WHERE name = 'ten'"))?.note).toBe("a; semicolon, -- not a comment, /* nor this */ and https://example.com/x");
      expect(events.filter((e) => e.type === "done").map((e) => (e as { name: string }).name)).toEqual(["9_create_items", "10_seed_items"]);
      expect(await migrate(db, { dir })).toEqual({ batch: null, applied: [] });
      expect(await names()).toHaveLength(2);
      // same four columns on every engine
      const cols = (await db.getColumns("tina4_migration")).map((c) => c.name.toLowerCase()).sort();
      expect(cols).toEqual(["batch", "executed_at", "id", "migration_name"]);
    });

    it("a failing file is rolled back and not recorded, stops the run, and a re-run after the fix continues", async () => {
      write("20_ok.sql", "INSERT INTO items (name) VALUES ('twenty');\n");
      write("20_ok.down.sql", "DELETE FROM items WHERE name = 'twenty';\n");
      const ddl = s.transactionalDdl ? `CREATE TABLE t21 (id ${s.int})${s.suffix};\n` : "";
      write("21_bad.sql", `${ddl}INSERT INTO items (name) VALUES ('twenty-one');\n\nINSERT INTO no_such_table (x) VALUES (1);\n`);
      write("21_bad.down.sql", "DELETE FROM items WHERE name = 'twenty-one';\n");
      write("22_after.sql", "INSERT INTO items (name) VALUES ('twenty-two');\n");
      write("22_after.down.sql", "DELETE FROM items WHERE name = 'twenty-two';\n");
      const err = await expectMigrationError(migrate(db, { dir }));
      expect(err.code).toBe("T4_ERR_MIGRATE_FAILED");
      expect(err.file).toBe("21_bad.sql");
      expect(err.statementIndex).toBe(s.transactionalDdl ? 3 : 2);
      expect(err.line).toBe(s.transactionalDdl ? 4 : 3);
      expect(err.statement).toContain("no_such_table");
      expect(err.message).toMatch(/21_bad\.sql: statement \d of \d \(line \d\) failed: \[/);
      expect(err.message.toLowerCase()).toMatch(/no_such_table|table unknown|does not exist|doesn't exist/);
      expect(await names()).toEqual(["9_create_items@1", "10_seed_items@1", "20_ok@2"]);
      expect(await itemNames()).toEqual(["nine", "ten", "twenty"]);
      if (s.transactionalDdl) expect(await db.tableExists("t21")).toBe(false);

      write("21_bad.sql", `${ddl}INSERT INTO items (name) VALUES ('twenty-one');\n`);
      write("21_bad.down.sql", `DELETE FROM items WHERE name = 'twenty-one';\n${s.transactionalDdl ? "DROP TABLE t21;\n" : ""}`);
      expect(await migrate(db, { dir })).toEqual({ batch: 3, applied: ["21_bad", "22_after"] });
      expect(await names()).toEqual(["9_create_items@1", "10_seed_items@1", "20_ok@2", "21_bad@3", "22_after@3"]);
      expect(await itemNames()).toEqual(["nine", "ten", "twenty", "twenty-one", "twenty-two"]);
    });

    it("status lists applied migrations with batch and time, then pending ones in run order", async () => {
      write("30_pending.sql", "INSERT INTO items (name) VALUES ('thirty');\n");
      write("README.sql", "-- not a migration: no numeric prefix\n");
      const status = await migrationStatus(db, { dir });
      expect(status.entries.map((e) => `${e.name}:${e.state}:${e.batch ?? "-"}`)).toEqual([
        "9_create_items:applied:1", "10_seed_items:applied:1", "20_ok:applied:2", "21_bad:applied:3", "22_after:applied:3", "30_pending:pending:-",
      ]);
      expect(status.applied).toBe(5);
      expect(status.pending).toBe(1);
      expect(status.ignored).toEqual(["README.sql"]);
      const at = status.entries[0]!.executedAt!;
      expect(at).toBeInstanceOf(Date);
      expect(Math.abs(at.getTime() - Date.now())).toBeLessThan(5 * 60_000);
      expect(status.entries.find((e) => e.name === "30_pending")!.hasDown).toBe(false);
      unlinkSync(join(dir, "30_pending.sql"));
    });

    it("rollback undoes the last batch newest first; steps: 2 undoes two batches", async () => {
      const events: string[] = [];
      const one = await rollback(db, { dir, onEvent: (e) => e.type === "start" && events.push(e.name) });
      expect(one).toEqual({ rolledBack: ["22_after", "21_bad"], batches: [3] });
      expect(events).toEqual(["22_after", "21_bad"]);
      expect(await names()).toEqual(["9_create_items@1", "10_seed_items@1", "20_ok@2"]);
      expect(await itemNames()).toEqual(["nine", "ten", "twenty"]);
      if (s.transactionalDdl) expect(await db.tableExists("t21")).toBe(false);

      const two = await rollback(db, { dir, steps: 2 });
      expect(two).toEqual({ rolledBack: ["20_ok", "10_seed_items", "9_create_items"], batches: [2, 1] });
      expect(await names()).toEqual([]);
      expect(await db.tableExists("items")).toBe(false);
      expect(await rollback(db, { dir })).toEqual({ rolledBack: [], batches: [] });
      await expectMigrationError(rollback(db, { dir, steps: 0 })).then((e) => expect(e.code).toBe("T4_ERR_MIGRATE_ARGUMENT"));
    });

    it("a missing down file is an error: nothing is rolled back and the records stay", async () => {
      expect((await migrate(db, { dir })).applied).toHaveLength(5);
      unlinkSync(join(dir, "21_bad.down.sql"));
      const err = await expectMigrationError(rollback(db, { dir }));
      expect(err.code).toBe("T4_ERR_MIGRATE_NO_DOWN");
      expect(err.message).toContain("21_bad.down.sql");
      expect(await names()).toEqual(["9_create_items@1", "10_seed_items@1", "20_ok@1", "21_bad@1", "22_after@1"]);
      expect(await itemNames()).toContain("twenty-two");
    });

    it("a failing down file stops the rollback and keeps its record", async () => {
      write("21_bad.down.sql", "DELETE FROM no_such_table WHERE 1 = 1;\n");
      const err = await expectMigrationError(rollback(db, { dir }));
      expect(err.code).toBe("T4_ERR_MIGRATE_ROLLBACK_FAILED");
      expect(err.file).toBe("21_bad.down.sql");
      // 22_after (newer) was undone in its own transaction before 21_bad failed
      expect(await names()).toEqual(["9_create_items@1", "10_seed_items@1", "20_ok@1", "21_bad@1"]);
      expect(await itemNames()).toContain("twenty-one");
    });

    it("an empty (comment-only) migration is refused before anything runs", async () => {
      write("40_empty.sql", "-- Migration: todo\n/* nothing yet */\n");
      write("41_fine.sql", "INSERT INTO items (name) VALUES ('forty-one');\n");
      const err = await expectMigrationError(migrate(db, { dir }));
      expect(err.code).toBe("T4_ERR_MIGRATE_EMPTY");
      expect(await itemNames()).not.toContain("forty-one");
      unlinkSync(join(dir, "40_empty.sql"));
      unlinkSync(join(dir, "41_fine.sql"));
    });

    it("a file with its own BEGIN/COMMIT is refused before anything runs (its COMMIT ended tina4's transaction: PostgreSQL kept the table of a file reported as rolled back)", async () => {
      write("41_fine.sql", "INSERT INTO items (name) VALUES ('forty-one');\n");
      write("42_own_tx.sql", `BEGIN;\nCREATE TABLE tx_made (id ${s.int})${s.suffix};\nCOMMIT -- done\n;\nINSERT INTO no_such_table (x) VALUES (1);\n`);
      const err = await expectMigrationError(migrate(db, { dir }));
      expect(err.code).toBe("T4_ERR_MIGRATE_TRANSACTION");
      expect([err.file, err.statementIndex, err.line]).toEqual(["42_own_tx.sql", 1, 1]);
      expect(err.message).toMatch(/^42_own_tx\.sql: statement 1 \(line 1\) is "BEGIN": tina4 runs each migration in its own transaction .*Nothing was run$/);
      expect(await db.tableExists("tx_made")).toBe(false);
      expect(await itemNames()).not.toContain("forty-one");
      for (const [sql, shown] of [["START TRANSACTION;", "START TRANSACTION"], ["/* tx */ BEGIN TRANSACTION;", "BEGIN TRANSACTION"], ["SELECT 1 FROM items;\ncommit work;", "commit work"]]) {
        write("42_own_tx.sql", `${sql}\nINSERT INTO items (name) VALUES ('x');\n`);
        expect((await expectMigrationError(migrate(db, { dir }))).message, sql).toContain(`is "${shown}"`);
      }
      // a down file too: the rollback refuses before undoing anything
      unlinkSync(join(dir, "42_own_tx.sql"));
      unlinkSync(join(dir, "41_fine.sql"));
      write("43_tx_down.sql", `CREATE TABLE tx_down (id ${s.int})${s.suffix};\n`);
      write("43_tx_down.down.sql", "BEGIN;\nDROP TABLE tx_down;\nCOMMIT;\n");
      await migrate(db, { dir });
      const down = await expectMigrationError(rollback(db, { dir }));
      expect([down.code, down.file]).toEqual(["T4_ERR_MIGRATE_TRANSACTION", "43_tx_down.down.sql"]);
      expect(await db.tableExists("tx_down")).toBe(true);
      write("43_tx_down.down.sql", "DROP TABLE tx_down;\n");
      await rollback(db, { dir });
      unlinkSync(join(dir, "43_tx_down.sql"));
      unlinkSync(join(dir, "43_tx_down.down.sql"));
    });

    it("a file failing after a schema change rolls back its data statements on every engine; where DDL commits at once (MySQL, Firebird) the error names the committed statements", async () => {
      write("50_add_flag.sql", `ALTER TABLE items ADD flag ${s.int};\nINSERT INTO items (name) VALUES ('fifty');\nINSERT INTO no_such_table (x) VALUES (1);\n`);
      const err = await expectMigrationError(migrate(db, { dir }));
      expect(err.code).toBe("T4_ERR_MIGRATE_FAILED");
      expect(err.statementIndex).toBe(3);
      expect(await itemNames()).not.toContain("fifty");
      expect((await names()).some((n) => n.startsWith("50_add_flag"))).toBe(false);
      const columns = (await db.getColumns("items")).map((c) => c.name.toLowerCase());
      if (s.transactionalDdl) {
        expect(columns).not.toContain("flag");
        expect(err.message).not.toMatch(/already committed/);
      } else {
        expect(columns).toContain("flag");
        expect(err.message).toMatch(/\(statement 1 was already committed: /);
      }
      unlinkSync(join(dir, "50_add_flag.sql"));
    });
  });
}

/** Engine-specific bodies (dollar quotes, DELIMITER, SET TERM, trigger BEGIN … END) run for real. */
export function defineBodySuite(engine: TestEngine): void {
  // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!engineAvailable(engine))(`migration bodies on ${engine}`, () => {
    let fresh: FreshDatabase;
    let db: Database;
    let root: string;
    beforeAll(async () => {
      fresh = await freshDatabase(engine, "body");
      db = await Database.connect(fresh.url);
    });
    afterAll(async () => {
      await db?.close();
      await fresh?.drop();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("creates a trigger whose body holds ';' and fires it", async () => {
      const s = SQL[engine];
      const table = `CREATE TABLE audit_items (id ${s.id}, name ${s.text}, shout ${s.text})${s.suffix};\n`;
      const bodies: Record<TestEngine, string> = {
        sqlite: `${table}CREATE TRIGGER shout_it AFTER INSERT ON audit_items\nBEGIN\n  UPDATE audit_items SET shout = upper(NEW.name) || '; ok' WHERE id = NEW.id;\nEND;\n`,
        postgres: `${table}CREATE FUNCTION shout_it() RETURNS trigger AS $body$\nBEGIN\n  NEW.shout := upper(NEW.name) || '; ok';\n  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\n\nCREATE TRIGGER shout_it BEFORE INSERT ON audit_items FOR EACH ROW EXECUTE FUNCTION shout_it();\nDO $$ BEGIN PERFORM 1; END $$;\n`,
        mysql: `${table}DELIMITER //\nCREATE TRIGGER shout_it BEFORE INSERT ON audit_items FOR EACH ROW\nBEGIN\n  SET NEW.shout = CONCAT(UPPER(NEW.name), '; ok');\nEND//\nDELIMITER ;\n`,
        firebird: `${table}SET TERM ^ ;\nCREATE TRIGGER shout_it FOR audit_items BEFORE INSERT AS\nBEGIN\n  NEW.shout = UPPER(NEW.name) || '; ok';\nEND^\nSET TERM ; ^\n`,
      };
      root = appWithMigrations({ "1_triggers.sql": bodies[engine] });
      expect((await migrate(db, { dir: join(root, "migrations") })).applied).toEqual(["1_triggers"]);
      await db.insert("audit_items", { name: "hello" });
      expect((await db.fetchOne("SELECT shout FROM audit_items WHERE name = ?", ["hello"]))?.shout).toBe("HELLO; ok");
    });
  });
}

/** Locks: a lock left by a dead process never blocks forever; two CLI processes apply each file once. */
export function defineLockSuite(engine: TestEngine): void {
  // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!engineAvailable(engine))(`migration lock on ${engine}`, () => {
    const s = SQL[engine];
    const cleanups: (() => Promise<void> | void)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    const setup = async (label: string, files: Record<string, string>) => {
      const fresh = await freshDatabase(engine, label);
      const root = appWithMigrations(files);
      cleanups.push(() => fresh.drop(), () => rmSync(root, { recursive: true, force: true }));
      return { url: fresh.url, root };
    };

    it("two `tina4 migrate` processes at once apply each file exactly once", async () => {
      const files: Record<string, string> = {
        "1_log.sql": `CREATE TABLE run_log (id ${s.id}, step ${s.int} NOT NULL UNIQUE)${s.suffix};\n`,
      };
      for (let i = 2; i <= 6; i++) files[`${i}_step.sql`] = `INSERT INTO run_log (step) VALUES (${i});\n`;
      const { url, root } = await setup("conc", files);
      const env = { TINA4_DATABASE_URL: url };
      const [a, b] = await Promise.all([runCliAsync(["migrate"], root, env), runCliAsync(["migrate"], root, env)]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const outputs = [a.stdout, b.stdout];
      expect(outputs.filter((o) => /Applied 6 migrations \(batch 1\)/.test(o))).toHaveLength(1);
      expect(outputs.filter((o) => /Nothing to migrate/.test(o))).toHaveLength(1);
      const db = await Database.connect(url);
      try {
        expect((await db.fetch("SELECT step FROM run_log ORDER BY step")).records.map((r) => Number(r.step))).toEqual([2, 3, 4, 5, 6]);
        const rows = (await db.fetch("SELECT migration_name, batch FROM tina4_migration")).records;
        expect(rows).toHaveLength(6);
        expect(new Set(rows.map((r) => Number(r.batch)))).toEqual(new Set([1]));
        if (await db.tableExists("tina4_migration_lock")) expect((await db.fetch("SELECT * FROM tina4_migration_lock")).records).toEqual([]);
      } finally {
        await db.close();
      }
    });

    it("a migrate process killed mid-run leaves nothing applied and does not block the next run for long", async () => {
      const { url, root } = await setup("kill", {
        "1_table.sql": `CREATE TABLE k_items (id ${s.id}, name ${s.text})${s.suffix};\n`,
        "2_slow.sql": `INSERT INTO k_items (name) VALUES ('slow');\n${s.slow};\n`,
      });
      const env = { TINA4_DATABASE_URL: url, TINA4_MIGRATE_LOCK_TTL: "2" };
      let pid = 0;
      const killed = runCliAsync(["migrate"], root, env, (p) => (pid = p));
      // wait until 2_slow is running, then kill the process without any cleanup
      const db = await Database.connect(url);
      try {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          const applied = (await db.tableExists("tina4_migration")) ? (await db.fetch("SELECT migration_name FROM tina4_migration")).records.length : 0;
          if (applied === 1) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 300));
        process.kill(pid, "SIGKILL");
        const dead = await killed;
        expect(dead.code).toBe(null);
        const started = Date.now();
        const again = await runCliAsync(["migrate"], root, { ...env, TINA4_MIGRATE_LOCK_TIMEOUT: "30" });
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toMatch(/Applied 1 migration \(batch 2\)/);
        expect(Date.now() - started).toBeLessThan(25_000);
        expect((await db.fetch("SELECT name FROM k_items")).records.map((r) => r.name)).toEqual(["slow"]);
      } finally {
        await db.close();
      }
    }, 60_000);

    it("a migrate stopped with Ctrl-C does not make the next run on this machine wait out the lock TTL (60 s): its dead process's lock is taken over at once", async () => {
      const { url, root } = await setup("ctrlc", {
        "1_table.sql": `CREATE TABLE c_items (id ${s.id}, name ${s.text})${s.suffix};\n`,
        "2_slow.sql": `INSERT INTO c_items (name) VALUES ('slow');\n${s.slow};\n`,
      });
      const env = { TINA4_DATABASE_URL: url };
      let pid = 0;
      const stopped = runCliAsync(["migrate"], root, env, (p) => (pid = p));
      const db = await Database.connect(url);
      try {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          const applied = (await db.tableExists("tina4_migration")) ? (await db.fetch("SELECT migration_name FROM tina4_migration")).records.length : 0;
          if (applied === 1) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 300));
        process.kill(pid, "SIGINT");
        await stopped;
        const started = Date.now();
        const again = await runCliAsync(["migrate"], root, { ...env, TINA4_MIGRATE_LOCK_TIMEOUT: "120" });
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toMatch(/Applied 1 migration \(batch 2\)/);
        expect(again.stdout + again.stderr).not.toMatch(/holds the lock/);
        expect(Date.now() - started).toBeLessThan(30_000);
      } finally {
        await db.close();
      }
    }, 90_000);

    it("a live holder makes a second run wait, then fail with T4_ERR_MIGRATE_LOCKED after the timeout", async () => {
      const { url, root } = await setup("wait", { "1_x.sql": `CREATE TABLE w_items (id ${s.id})${s.suffix};\n` });
      const holder = await Database.connect(url);
      const other = await Database.connect(url);
      const { acquireLock } = await import("../../runtime/migrate/index.js");
      try {
        const lock = await acquireLock(holder, { ttlMs: 60_000 });
        const waits: MigrationEvent[] = [];
        const err = await expectMigrationError(migrate(other, { dir: join(root, "migrations"), timeoutMs: 800, onEvent: (e) => waits.push(e) }));
        expect(err.code).toBe("T4_ERR_MIGRATE_LOCKED");
        expect(waits.map((w) => w.type)).toEqual(["waiting"]);
        expect(await other.tableExists("w_items")).toBe(false);
        await lock.release();
        expect((await migrate(other, { dir: join(root, "migrations"), timeoutMs: 5000 })).applied).toEqual(["1_x"]);
      } finally {
        await holder.close();
        await other.close();
      }
    });
  });
}
