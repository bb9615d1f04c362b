/**
 * An app's generated migrations run unchanged on every engine: a model and the auth users
 * table generated while the app is on SQLite (the default) migrate, roll back and hold data on
 * PostgreSQL, MariaDB and Firebird (and the other way round), through `migrations/<engine>/`
 * variants that `tina4 migrate` picks by the database's engine.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { Model, type ModelFields } from "../../runtime/orm/index.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import { discoverMigrations } from "../../runtime/migrate/index.js";
import { appWithMigrations, engineAvailable, ENGINES, expectRolledBack, freshDatabase, migrateIntoFresh, runCliAsync } from "./engines.js";

const FIELDS = "name:string:required,price:float,inStock:bool,releasedAt:datetime,meta:json,notes:text,total:decimal:10:2";

/** The generated table's money column through the ORM: exact text on every engine. */
class Priced extends Model {
  static override tableName = "products";
  static override fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, name: { type: "string", required: true }, total: { type: "decimal", precision: 10, scale: 2 } };
  declare id: number;
  declare total: string | null;
}
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function generatedApp(generatedOn: string): Promise<string> {
  const root = appWithMigrations({});
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  const env = { TINA4_DATABASE_URL: generatedOn };
  const model = await runCliAsync(["generate", "model", "Product", "--fields", FIELDS], root, env);
  expect(model.code, model.stderr).toBe(0);
  const auth = await runCliAsync(["generate", "auth"], root, env);
  expect(auth.code, auth.stderr).toBe(0);
  return root;
}

describe("generated migrations on every engine", () => {
  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`a model and auth generated on ${engine === "sqlite" ? "PostgreSQL" : "SQLite"} migrate, hold data and roll back on ${engine}`, async () => {
      const root = await generatedApp(engine === "sqlite" ? "postgres://app@db.example/shop" : "sqlite:data/app.db");
      const { fresh, env, db } = await migrateIntoFresh(engine, "port", root, 2, cleanups);
      try {
        const releasedAt = new Date("2026-01-02T03:04:05.678Z");
        const { lastId } = await db.insert("products", { name: "Lamp", price: 19.5, in_stock: true, released_at: releasedAt, meta: { a: [1, 2] }, notes: "x".repeat(5000) });
        const row = await db.fetchOne("SELECT * FROM products WHERE id = ?", [lastId], { cache: false });
        expect(row?.name).toBe("Lamp");
        expect(row?.in_stock).toBe(true);
        expect(row?.price).toBe(19.5);
        expect(String(row?.notes)).toHaveLength(5000);
        // the DECIMAL(10,2) column: exact values that compare and sort as numbers (text would sort "100.00" before "9.99")
        Priced.useDatabase(db);
        for (const total of ["9.99", "100.00", "-0.05", "99999999.99", "10.50"]) await Priced.create({ name: total, total });
        expect((await Priced.where("total > ?", ["10.00"], { orderBy: "total" })).map((p) => p.total)).toEqual(["10.50", "100.00", "99999999.99"]);
        expect((await Priced.where("total IS NOT NULL", [], { orderBy: "-total", limit: 2 })).map((p) => p.total)).toEqual(["99999999.99", "100.00"]);
        await db.insert("users", { email: "ann@example.com", password_hash: "h" });
        await expect(db.insert("users", { email: "ann@example.com", password_hash: "h" })).rejects.toMatchObject({ code: "T4_ERR_DB_CONSTRAINT" });
      } finally {
        await db.close();
      }

      await expectRolledBack(root, env, fresh.url, ["products", "users"]);
    }, 60_000);
  }
});

describe("generated MySQL tables hold any Unicode text whatever the server's default charset", () => {
  // MySQL 5.7 and MariaDB before 11.6 default to latin1 without a config file (the CI server runs
  // with --no-defaults): a table created without a charset then refuses "茶" and emoji.
  // Skipped only locally when the MariaDB URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
  it.skipIf(!engineAvailable("mysql"))("a model and auth generated on SQLite store and read back 茶, ü and 🍵 in a latin1 database", async () => {
    const root = await generatedApp("sqlite:data/app.db");
    const fresh = await freshDatabase("mysql", "utf8");
    cleanups.push(() => fresh.drop());
    const admin = await Database.connect(fresh.url);
    try {
      const name = (await admin.fetchOne("SELECT DATABASE() AS name"))?.name;
      await admin.execute(`ALTER DATABASE \`${String(name)}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`);
    } finally {
      await admin.close();
    }
    const up = await runCliAsync(["migrate"], root, { TINA4_DATABASE_URL: fresh.url });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const db = await Database.connect(fresh.url);
    try {
      const text = "Tea 茶 — Zoë 🍵";
      const { lastId } = await db.insert("products", { name: text, notes: `${text} `.repeat(100) });
      const row = await db.fetchOne("SELECT name, notes FROM products WHERE id = ?", [lastId], { cache: false });
      expect(row?.name).toBe(text);
      expect(row?.notes).toBe(`${text} `.repeat(100));
      await db.insert("users", { email: "zoë@例え.jp", name: text, password_hash: "h" });
      expect((await db.fetchOne("SELECT name FROM users WHERE email = ?", ["zoë@例え.jp"], { cache: false }))?.name).toBe(text);
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe("a generated migration without the engine's variant (an app made before variants)", () => {
  // Skipped only locally when the PostgreSQL URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
  it.skipIf(!engineAvailable("postgres"))("fails on PostgreSQL naming the engine it was generated for and where the PostgreSQL form goes", async () => {
    const root = await generatedApp("sqlite:data/app.db");
    rmSync(join(root, "migrations", "postgres"), { recursive: true });
    const fresh = await freshDatabase("postgres", "hint");
    cleanups.push(() => fresh.drop());
    const db = await Database.connect(fresh.url);
    expect(db.engine).toBe("postgres");
    await db.close();
    const run = await runCliAsync(["migrate"], root, { TINA4_DATABASE_URL: fresh.url });
    expect(run.code).toBe(1);
    const name = /(\d{14}_create_products)/.exec(run.stdout + run.stderr)?.[1];
    expect(name).toBeDefined();
    expect(run.stderr).toContain("AUTOINCREMENT");
    expect(run.stderr).toContain(`${name}.sql was generated for sqlite; put its postgres form in migrations/postgres/${name}.sql`);
  }, 60_000);
});

describe("the generators' column types hold the same values on every engine", () => {
  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: bool reads back as a boolean, datetime keeps its milliseconds, raw and through fetch`, async () => {
      const fresh = await freshDatabase(engine, "types");
      cleanups.push(() => fresh.drop());
      const d = dialectFor(engine);
      const db = await Database.connect(fresh.url);
      try {
        expect(db.engine).toBe(engine);
        await db.execute(`CREATE TABLE typed (id ${d.autoIncrementPrimaryKey}, flag ${d.columnType("bool")}, at_time ${d.columnType("datetime")}, price ${d.columnType("float")}, n ${d.columnType("int")})${d.tableOptions}`);
        const at = new Date("2026-01-02T03:04:05.678Z");
        await db.insert("typed", [{ flag: true, at_time: at, price: 19.5, n: 7 }, { flag: false, at_time: null, price: null, n: null }]);
        const rows = (await db.fetch("SELECT flag, at_time, price, n FROM typed ORDER BY id", [], { cache: false })).records;
        expect(rows).toEqual([{ flag: true, at_time: at, price: 19.5, n: 7 }, { flag: false, at_time: null, price: null, n: null }]);
      } finally {
        await db.close();
      }
    }, 30_000);
  }
});

describe("engine variants of a migration", () => {
  it("the file in migrations/<engine>/ replaces the top-level one on that engine only, under the top-level name", () => {
    const root = appWithMigrations({ "1_a.sql": "SELECT 1;", "1_a.down.sql": "SELECT 2;", "2_b.sql": "SELECT 3;" });
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
    const dir = join(root, "migrations");
    mkdirSync(join(dir, "postgres"));
    for (const [file, sql] of [["postgres/1_a.sql", "SELECT 10;"], ["postgres/2_b.down.sql", "SELECT 30;"], ["postgres/3_orphan.sql", "SELECT 4;"]] as const) {
      writeFileSync(join(dir, file), sql);
    }
    const onPostgres = discoverMigrations(dir, "postgres").files;
    expect(onPostgres.map((f) => [f.name, f.label])).toEqual([["1_a", "postgres/1_a.sql"], ["2_b", "2_b.sql"]]);
    expect(readFileSync(onPostgres[0]!.path, "utf8")).toBe("SELECT 10;");
    expect(onPostgres[0]!.downPath).toBe(join(dir, "1_a.down.sql"));
    expect(onPostgres[1]!.downPath).toBe(join(dir, "postgres", "2_b.down.sql"));
    const onMysql = discoverMigrations(dir, "mysql").files;
    expect(onMysql.map((f) => f.label)).toEqual(["1_a.sql", "2_b.sql"]);
    expect(onMysql[1]!.downPath).toBeNull();
  });
});
