/**
 * `references` field options on the live engines: `tina4 migrate` runs the generated migrations
 * (the app's own engine's file or its migrations/<engine>/ variant) on a fresh database of each
 * engine, and the database then refuses an orphan (a key into no row, in the table's own
 * migration and in one adding the column later), refuses deleting a row still referenced, and
 * has an index on the key (the migration's ix_ where the engine makes none itself).
 * `migrate:rollback` of the added key drops its constraint, index and column, and migrating
 * again recreates them under the same names.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, rmSync } from "node:fs";
import { Database } from "../../runtime/db/index.js";
import { appWithMigrations, engineAvailable, ENGINES, freshDatabase } from "../migrate/engines.js";
import { runCli } from "../support/cli.js";

let app: string;
/** The same app plus `generate migration add_customer_to_invoices customer_id:int:references` (its own batch). */
let laterApp: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  app = appWithMigrations({});
  for (const args of [
    ["Customer", "name:string:required"],
    ["Order", "customer_id:int:references:required", "parent_id:int:references=orders", "note:string"],
    ["Invoice", "total:int"],
  ]) {
    const made = runCli(["generate", "model", ...args], app);
    expect(made.code, made.stderr).toBe(0);
  }
  laterApp = `${app}-later`;
  cpSync(app, laterApp, { recursive: true });
  const added = runCli(["generate", "migration", "add_customer_to_invoices", "customer_id:int:references"], laterApp);
  expect(added.code, added.stderr).toBe(0);
  expect(added.stdout).toContain('static relations = { customer: belongsTo(() => Customer, "customerId") };');
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

/** Whether the column has an index (any name: MySQL and Firebird make their own for a foreign key). */
async function indexedColumn(db: Database, table: string, column: string): Promise<boolean> {
  const sql = {
    sqlite: `SELECT il.name FROM pragma_index_list('${table}') il JOIN pragma_index_info(il.name) ii WHERE ii.name = ?`,
    postgres: "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey) WHERE t.relname = '" + table + "' AND a.attname = ?",
    mysql: `SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}' AND COLUMN_NAME = ?`,
    firebird: `SELECT s.RDB$INDEX_NAME FROM RDB$INDEX_SEGMENTS s JOIN RDB$INDICES i ON i.RDB$INDEX_NAME = s.RDB$INDEX_NAME WHERE TRIM(i.RDB$RELATION_NAME) = '${table.toUpperCase()}' AND TRIM(s.RDB$FIELD_NAME) = UPPER(?)`,
    mssql: "",
  }[db.engine];
  return (await db.fetch(sql, [column], { cache: false })).count > 0;
}

describe("generate model/migration references: each engine enforces the foreign key", () => {
  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: an orphan is refused (create table and add column), the key is indexed, rollback drops it`, async () => {
      const fresh = await freshDatabase(engine, "fkeys");
      cleanups.push(() => fresh.drop());
      const env = { TINA4_DATABASE_URL: fresh.url };
      const up = runCli(["migrate"], app, env);
      expect(up.code, up.stdout + up.stderr).toBe(0);

      let db = await Database.connect(fresh.url);
      try {
        await db.execute("INSERT INTO customers (name) VALUES (?)", ["Ada"]);
        const ada = Number((await db.fetchOne("SELECT id FROM customers WHERE name = ?", ["Ada"], { cache: false }))!.id);
        expect(await failure(() => db.execute("INSERT INTO orders (customer_id, note) VALUES (?, ?)", [ada, "first"]))).toBe("");
        // an orphan: no customer 999999
        expect(await failure(() => db.execute("INSERT INTO orders (customer_id, note) VALUES (?, ?)", [999999, "orphan"]))).not.toBe("");
        // the self-reference: a parent order that does not exist is refused, NULL (no parent) is fine
        expect(await failure(() => db.execute("INSERT INTO orders (customer_id, parent_id) VALUES (?, ?)", [ada, 999999]))).not.toBe("");
        const first = Number((await db.fetchOne("SELECT id FROM orders WHERE note = ?", ["first"], { cache: false }))!.id);
        expect(await failure(() => db.execute("INSERT INTO orders (customer_id, parent_id) VALUES (?, ?)", [ada, first]))).toBe("");
        // a customer with orders cannot be deleted from under them
        expect(await failure(() => db.execute("DELETE FROM customers WHERE id = ?", [ada]))).not.toBe("");
        expect(await indexedColumn(db, "orders", "customer_id")).toBe(true);
        expect(await indexedColumn(db, "orders", "parent_id")).toBe(true);
        expect(await indexedColumn(db, "invoices", "customer_id")).toBe(false);
        await db.execute("INSERT INTO invoices (total) VALUES (?)", [10]);
      } finally {
        await db.close();
      }

      const later = runCli(["migrate"], laterApp, env);
      expect(later.code, later.stdout + later.stderr).toBe(0);
      db = await Database.connect(fresh.url);
      try {
        // the invoice already there has no customer; a new one must name a real one
        expect((await db.fetchOne("SELECT customer_id FROM invoices WHERE total = ?", [10], { cache: false }))!.customer_id).toBeNull();
        expect(await failure(() => db.execute("INSERT INTO invoices (total, customer_id) VALUES (?, ?)", [20, 999999]))).not.toBe("");
        const ada = Number((await db.fetchOne("SELECT id FROM customers WHERE name = ?", ["Ada"], { cache: false }))!.id);
        expect(await failure(() => db.execute("INSERT INTO invoices (total, customer_id) VALUES (?, ?)", [30, ada]))).toBe("");
        expect(await indexedColumn(db, "invoices", "customer_id")).toBe(true);
      } finally {
        await db.close();
      }

      const down = runCli(["migrate:rollback"], laterApp, env);
      expect(down.code, down.stdout + down.stderr).toBe(0);
      db = await Database.connect(fresh.url);
      try {
        expect((await db.getColumns("invoices")).map((c) => c.name.toLowerCase())).not.toContain("customer_id");
        expect(await indexedColumn(db, "invoices", "customer_id")).toBe(false);
      } finally {
        await db.close();
      }
      const again = runCli(["migrate"], laterApp, env);
      expect(again.code, again.stdout + again.stderr).toBe(0);
    }, 180_000);
  }
});
