/**
 * The model suite every engine runs (see <engine>.test.ts): CRUD, validation listing every
 * failing field, invalid saves never touching the database, type round-trips, soft delete,
 * paging and ordering, generated and given primary keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { Model, ModelError, ValidationError, type ModelFields } from "../../runtime/orm/index.js";
import { engineAvailable, freshDatabase, SQL, type FreshDatabase, type TestEngine } from "../migrate/engines.js";

class Product extends Model {
  static override tableName = "products";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    name: { type: "string", required: true, maxLength: 40 },
    sku: { type: "string", pattern: "[A-Z]{3}-\\d{3}" },
    price: { type: "float", min: 0, max: 10_000 },
    qty: { type: "integer", min: 0, default: 0 },
    inStock: { type: "boolean", column: "in_stock", default: true },
    releasedAt: { type: "datetime" },
    meta: { type: "json" },
    notes: { type: "text", minLength: 3 },
  };
  declare id: number;
  declare name: string;
  declare sku: string | null;
  declare price: number | null;
  declare qty: number;
  declare inStock: boolean;
  declare releasedAt: Date | null;
  declare meta: unknown;
  declare notes: string | null;
}

class Note extends Model {
  static override tableName = "notes";
  static override softDelete = true;
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    title: { type: "string", required: true },
    sortOrder: { type: "int" },
  };
  declare id: number;
  declare title: string;
  declare sortOrder: number | null;
}

/** A key the app chooses (no autoIncrement): a new int key comes from getNextId. */
class Counter extends Model {
  static override tableName = "counters";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true },
    label: { type: "string", required: true },
  };
  declare id: number;
  declare label: string;
}

class Country extends Model {
  static override tableName = "countries";
  static override fields: ModelFields = {
    code: { type: "string", primaryKey: true, required: true, minLength: 2, maxLength: 2 },
    name: { type: "string", required: true },
  };
  declare code: string;
  declare name: string;
}

/** Money: exact text with 2 decimals on every engine, whatever the driver returns. */
class Price extends Model {
  static override tableName = "prices";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    label: { type: "string" },
    amount: { type: "decimal", precision: 10, scale: 2 },
    /** SQLite's and SQL Server's most exact digits. */
    wide: { type: "decimal", precision: 15, scale: 2 },
    /** Firebird returns NUMERIC of up to 9 digits as a JavaScript number, larger ones as text. */
    rate: { type: "decimal", precision: 6, scale: 4, min: 0, max: "1" },
  };
  declare id: number;
  declare label: string | null;
  declare amount: string | null;
  declare wide: string | null;
  declare rate: string | null;
}

/** Firebird's most digits: refused on SQLite, whose DECIMAL columns hold floats. */
class BigPrice extends Model {
  static override tableName = "big_prices";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    amount: { type: "decimal", precision: 18, scale: 2, max: "9999999999999999.98" },
  };
  declare id: number;
  declare amount: string | null;
}

/** Columns with a DEFAULT in the table: a create that leaves them out must show what was stored. */
class Stocked extends Model {
  static override tableName = "stocked";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    name: { type: "string", required: true },
    qty: { type: "int" },
    status: { type: "string" },
  };
  declare id: number;
  declare name: string;
  declare qty: number | null;
  declare status: string | null;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => null, (e: unknown) => e);
}

export function defineModelSuite(engine: TestEngine): void {
  // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!engineAvailable(engine))(`models on ${engine}`, () => {
    const s = SQL[engine];
    let fresh: FreshDatabase;
    let db: Database;
    const longText = engine === "firebird" ? "BLOB SUB_TYPE TEXT" : "TEXT";

    beforeAll(async () => {
      fresh = await freshDatabase(engine, "orm");
      db = await Database.connect(fresh.url);
      await db.execute(`CREATE TABLE products (id ${s.id}, name ${s.text} NOT NULL, sku ${s.text}, price ${s.float}, qty ${s.int}, in_stock ${s.bool}, released_at ${s.timestamp}, meta ${s.json}, notes ${longText})${s.suffix}`);
      await db.execute(`CREATE TABLE notes (id ${s.id}, title ${s.text} NOT NULL, sort_order ${s.int}, deleted_at ${s.timestamp})${s.suffix}`);
      await db.execute(`CREATE TABLE counters (id ${s.int} NOT NULL PRIMARY KEY, label ${s.text} NOT NULL)${s.suffix}`);
      await db.execute(`CREATE TABLE countries (code VARCHAR(2) NOT NULL PRIMARY KEY, name ${s.text} NOT NULL)${s.suffix}`);
      await db.execute(`CREATE TABLE prices (id ${s.id}, label ${s.text}, amount DECIMAL(10,2), wide DECIMAL(15,2), rate DECIMAL(6,4))${s.suffix}`);
      await db.execute(`CREATE TABLE big_prices (id ${s.id}, amount DECIMAL(18,2))${s.suffix}`);
      await db.execute(`CREATE TABLE stocked (id ${s.id}, name ${s.text} NOT NULL, qty ${s.int} DEFAULT 7 NOT NULL, status ${s.text} DEFAULT 'new')${s.suffix}`);
      Model.useDatabase(db);
    });
    afterAll(async () => {
      Model.db = undefined;
      await db?.close();
      await fresh?.drop();
    });

    it("create, find, fill + save (update), count, delete", async () => {
      const p = await Product.create({ name: "Lamp", price: "19.5", qty: "3", inStock: "false", ignored: "x", id: 999 });
      expect(p).toBeInstanceOf(Product);
      expect(typeof p.id).toBe("number");
      expect(p.id).not.toBe(999);
      expect(p.isNew).toBe(false);
      expect([p.name, p.price, p.qty, p.inStock]).toEqual(["Lamp", 19.5, 3, false]);

      const found = await Product.find(p.id);
      expect(found).toBeInstanceOf(Product);
      expect(found!.toJSON()).toMatchObject({ id: p.id, name: "Lamp", sku: null, price: 19.5, qty: 3, inStock: false, releasedAt: null });
      expect(await Product.find(p.id + 1000)).toBeNull();
      expect(await Product.find("not-a-number")).toBeNull();
      expect((await Product.find(String(p.id)))?.id).toBe(p.id);

      found!.fill({ name: "Desk lamp", in_stock: true, id: 12345 });
      expect(await found!.save()).toBe(found);
      const again = await Product.find(p.id);
      expect([again!.id, again!.name, again!.inStock, again!.price]).toEqual([p.id, "Desk lamp", true, 19.5]);

      const second = new Product({ name: "Chair" });
      expect(second.isNew).toBe(true);
      expect(second.qty).toBe(0);
      await second.save();
      expect(second.id).toBeGreaterThan(p.id);
      expect(await Product.count()).toBe(2);
      expect(await Product.count("name LIKE ?", ["%lamp%"])).toBe(1);

      expect(await again!.delete()).toBe(true);
      expect(await Product.find(p.id)).toBeNull();
      expect(await Product.count()).toBe(1);
      const err = await rejection(new Product({ name: "never saved" }).delete());
      expect((err as ModelError).code).toBe("T4_ERR_ORM_NO_KEY");
    });

    it("create() shows what the database stored for the fields it left out (column DEFAULTs), not null; given values and explicit nulls stay", async () => {
      const made = await Stocked.create({ name: "lamp" });
      expect(made.toJSON()).toEqual({ id: made.id, name: "lamp", qty: 7, status: "new" });
      expect((await Stocked.find(made.id))!.toJSON()).toEqual(made.toJSON());
      const given = await Stocked.create({ name: "chair", qty: 2, status: null });
      expect([given.qty, given.status]).toEqual([2, null]);
      const draft = new Stocked({ name: "desk", status: "draft" });
      await draft.save();
      expect([draft.qty, draft.status]).toEqual([7, "draft"]);
    });

    it("validation lists every failing field and an invalid save never touches the database", async () => {
      const before = await Product.count();
      const bad = { name: "", sku: "abc", price: -1, qty: 1.5, inStock: "maybe", releasedAt: "not a date", notes: "no", meta: { ok: true } };
      const err = await rejection(Product.create(bad));
      expect(err).toBeInstanceOf(ValidationError);
      const v = err as ValidationError;
      expect(v.status).toBe(422);
      expect(v.code).toBe("T4_ERR_VALIDATION_FAILED");
      expect(v.errors).toEqual([
        { field: "name", message: "is required" },
        { field: "sku", message: "must match /^(?:[A-Z]{3}-\\d{3})$/" },
        { field: "price", message: "must be at least 0" },
        { field: "qty", message: "must be a whole number" },
        { field: "inStock", message: "must be true or false" },
        { field: "releasedAt", message: "must be a valid date and time (ISO 8601)" },
        { field: "notes", message: "must be at least 3 characters" },
      ]);
      expect(v.details).toEqual({ errors: v.errors.map((e) => ({ in: "body", path: e.field, message: e.message })) });
      expect(await Product.count()).toBe(before);

      const long = new Product({ name: "x".repeat(41), price: 10_001 });
      expect(long.validate().map((e) => `${e.field} ${e.message}`)).toEqual(["name must be at most 40 characters", "price must be at most 10000"]);
      expect(new Product({ name: "ok", sku: "ABC-123" }).validate()).toEqual([]);
      expect((await rejection(Product.create("not an object")) as ValidationError).errors).toEqual([{ field: "*", message: "must be an object of field values" }]);
      expect((await rejection(Product.create(null)) as ValidationError).status).toBe(422);

      // proof that nothing reaches the database: a model bound to a closed connection still fails with ValidationError
      const closed = await Database.connect(fresh.url);
      await closed.close();
      class Detached extends Product {}
      Detached.useDatabase(closed);
      expect(await rejection(Detached.create({ name: "" }))).toBeInstanceOf(ValidationError);
      expect((await rejection(Detached.create({ name: "valid" })) as { code: string }).code).toBe("T4_ERR_DB_CLOSED");

      // an update with invalid data leaves the row as it was
      const row = await Product.create({ name: "Valid" });
      row.fill({ price: -5 });
      expect(await rejection(row.save())).toBeInstanceOf(ValidationError);
      expect((await Product.find(row.id))!.price).toBeNull();
    });

    it("values round-trip with their types: int, float, bool, datetime, json, long text, null", async () => {
      const when = new Date("2024-05-06T07:08:09.000Z");
      const meta = { tags: ["a", "b"], nested: { n: 1, ok: true, none: null }, text: "ünïcødé ✓" };
      const notes = `long ${"text; ".repeat(2000)}`;
      const p = await Product.create({ name: "Typed", sku: "ABC-123", price: 1234.25, qty: 42, inStock: true, releasedAt: when.toISOString(), meta, notes });
      const q = (await Product.find(p.id))!;
      expect(q.qty).toBe(42);
      expect(q.price).toBe(1234.25);
      expect(q.inStock).toBe(true);
      expect(q.releasedAt).toBeInstanceOf(Date);
      expect(q.releasedAt!.getTime()).toBe(when.getTime());
      expect(q.meta).toEqual(meta);
      expect(q.notes).toBe(notes);
      expect(q.sku).toBe("ABC-123");

      const empty = await Product.create({ name: "Empty", inStock: false, meta: ["x", 1] });
      const e = (await Product.find(empty.id))!;
      expect([e.price, e.releasedAt, e.notes, e.inStock, e.qty]).toEqual([null, null, null, false, 0]);
      expect(e.meta).toEqual(["x", 1]);

      const json = JSON.parse(JSON.stringify(q)) as Record<string, unknown>;
      expect(Object.keys(json)).toEqual(["id", "name", "sku", "price", "qty", "inStock", "releasedAt", "meta", "notes"]);
      expect(json.releasedAt).toBe("2024-05-06T07:08:09.000Z");
      expect(json.inStock).toBe(true);
    });

    it("decimal values round-trip as exact text with `scale` decimals: '0.10', '-0.05', the largest of each precision, numbers 0.1 and 19.5", async () => {
      const texts = ["0.10", "-0.05", "0.00", "99999999.99", "-99999999.99", "1234567.80"];
      for (const amount of texts) {
        const created = await Price.create({ label: amount, amount });
        expect(created.amount).toBe(amount);
        const found = (await Price.find(created.id))!;
        expect(found.amount, amount).toBe(amount);
        // the database holds the value itself: an exact comparison in SQL finds it
        expect(await Price.count("id = ? AND amount = ?", [created.id, amount])).toBe(1);
      }
      const written: Array<[unknown, string]> = [[0.1, "0.10"], [19.5, "19.50"], ["19.5", "19.50"], [7, "7.00"], ["  42.1 ", "42.10"], ["3.500", "3.50"]];
      for (const [amount, text] of written) {
        const created = await Price.create({ amount });
        expect(created.amount).toBe(text);
        expect((await Price.find(created.id))!.amount, String(amount)).toBe(text);
      }
      const wide = await Price.create({ wide: "9999999999999.99", rate: "0.0001" });
      const w = (await Price.find(wide.id))!;
      expect([w.wide, w.rate, w.amount]).toEqual(["9999999999999.99", "0.0001", null]);
      const negative = await Price.create({ wide: "-9999999999999.99", rate: 1 });
      expect([(await Price.find(negative.id))!.wide, (await Price.find(negative.id))!.rate]).toEqual(["-9999999999999.99", "1.0000"]);
      expect(JSON.parse(JSON.stringify(w))).toMatchObject({ wide: "9999999999999.99", rate: "0.0001" });

      // a value set directly (not through fill) is written and then held as its canonical text
      const set = await Price.create({ amount: "1.00" });
      (set as unknown as { amount: number }).amount = 12.3;
      await set.save();
      expect(set.amount).toBe("12.30");
      expect((await Price.find(set.id))!.amount).toBe("12.30");
    });

    it("decimal: too many decimals or digits, 0.1 + 0.2, NaN and text that is no number are validation errors listing the fields; nothing is written", async () => {
      const before = await Price.count();
      const err = await rejection(Price.create({ amount: "19.505", wide: "10000000000000.00", rate: "1.0001" }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).errors).toEqual([
        { field: "amount", message: "must have at most 2 decimals" },
        { field: "wide", message: "must have at most 13 digits before the decimal point (decimal(15,2): up to 9999999999999.99)" },
        { field: "rate", message: "must be at most 1.0000" },
      ]);
      expect(((await rejection(Price.create({ amount: 0.1 + 0.2, rate: -0.0001 }))) as ValidationError).errors).toEqual([
        { field: "amount", message: "must have at most 2 decimals" },
        { field: "rate", message: "must be at least 0.0000" },
      ]);
      expect(((await rejection(Price.create({ amount: "100000000" }))) as ValidationError).errors).toEqual([
        { field: "amount", message: "must have at most 8 digits before the decimal point (decimal(10,2): up to 99999999.99)" },
      ]);
      for (const amount of [Number.NaN, Infinity, "1e3", "12,50", "abc"]) {
        expect(((await rejection(Price.create({ amount }))) as ValidationError).errors, String(amount)).toEqual([{ field: "amount", message: 'must be a decimal number like "19.50"' }]);
      }
      expect(await Price.count()).toBe(before);
    });

    it("decimal columns compare and sort as numbers in SQL: where('amount > ?', ['10.00']) and orderBy across values of different lengths", async () => {
      await db.execute("DELETE FROM prices");
      const amounts = ["9.99", "10.00", "1000.50", "2.50", "-5.00", "10.01", "99.90", "100.00", "-10.50"];
      for (const amount of amounts) await Price.create({ label: amount, amount });
      expect((await Price.where("amount > ?", ["10.00"], { orderBy: "amount" })).map((p) => p.amount)).toEqual(["10.01", "99.90", "100.00", "1000.50"]);
      expect((await Price.where("amount <= ?", ["-5.00"], { orderBy: "amount" })).map((p) => p.amount)).toEqual(["-10.50", "-5.00"]);
      expect((await Price.where("amount BETWEEN ? AND ?", ["2.5", "10"], { orderBy: "-amount" })).map((p) => p.amount)).toEqual(["10.00", "9.99", "2.50"]);
      const ascending = ["-10.50", "-5.00", "2.50", "9.99", "10.00", "10.01", "99.90", "100.00", "1000.50"];
      expect((await Price.all({ orderBy: "amount" })).map((p) => p.amount)).toEqual(ascending);
      expect((await Price.all({ orderBy: "-amount", limit: 3 })).map((p) => p.label)).toEqual(["1000.50", "100.00", "99.90"]);
      expect(await Price.count("amount = ?", ["99.9"])).toBe(1);
    });

    it(engine === "sqlite" ? "decimal(18,2) is refused on SQLite (its DECIMAL columns hold floats: 15 digits), before anything is written or read" : "decimal(18,2), Firebird's most digits, round-trips and compares exactly", async () => {
      if (engine === "sqlite") {
        for (const attempt of [BigPrice.create({ amount: "1.00" }), BigPrice.find(1), BigPrice.all()]) {
          const err = await rejection(attempt);
          expect(err).toBeInstanceOf(ModelError);
          expect((err as ModelError).code).toBe("T4_ERR_ORM_DEFINITION");
          expect((err as Error).message).toMatch(/^BigPrice\.fields\.amount: decimal\(18,2\) has more digits than sqlite keeps exactly \(15: SQLite has no exact decimal type/);
        }
        expect((await db.fetchOne("SELECT COUNT(*) AS n FROM big_prices"))?.n).toBe(0);
        return;
      }
      for (const amount of ["9999999999999999.98", "-9999999999999999.99", "1234567890123456.78", "0.01"]) {
        const created = await BigPrice.create({ amount });
        expect((await BigPrice.find(created.id))!.amount).toBe(amount);
      }
      // 9999999999999999.99 and .98 are the same float: only an exact compare refuses it
      expect(((await rejection(BigPrice.create({ amount: "9999999999999999.99" }))) as ValidationError).errors).toEqual([{ field: "amount", message: "must be at most 9999999999999999.98" }]);
      expect((await BigPrice.where("amount > ?", ["9999999999999999.97"])).map((p) => p.amount)).toEqual(["9999999999999999.98"]);
      expect((await BigPrice.all({ orderBy: "amount", limit: 2 })).map((p) => p.amount)).toEqual(["-9999999999999999.99", "0.01"]);
    });

    it("soft delete hides records from find, where, all and count until restored; forceDelete removes them", async () => {
      const a = await Note.create({ title: "keep", sortOrder: 1 });
      const b = await Note.create({ title: "bin", sortOrder: 2 });
      expect(await b.delete()).toBe(true);
      expect(await Note.find(b.id)).toBeNull();
      expect((await Note.all()).map((n) => n.title)).toEqual(["keep"]);
      expect(await Note.count()).toBe(1);
      expect(await Note.where("title = ?", ["bin"])).toEqual([]);
      expect((await Note.find(b.id, { withDeleted: true }))?.title).toBe("bin");
      expect(await Note.count("", [], { withDeleted: true })).toBe(2);
      const raw = await db.fetchOne("SELECT deleted_at FROM notes WHERE id = ?", [b.id]);
      expect(raw?.deleted_at).toBeInstanceOf(Date);

      expect(await b.restore()).toBe(true);
      expect((await Note.all()).map((n) => n.title)).toEqual(["keep", "bin"]);
      expect(await a.forceDelete()).toBe(true);
      expect(await Note.find(a.id, { withDeleted: true })).toBeNull();
      expect(await rejection(Product.create({ name: "x" }).then((p) => p.restore()))).toBeInstanceOf(ModelError);
    });

    it("where and all page and order: limit, offset, orderBy by property or column, asc/desc", async () => {
      await db.execute("DELETE FROM notes");
      for (let i = 1; i <= 25; i++) await Note.create({ title: `n${String(i).padStart(2, "0")}`, sortOrder: 26 - i });
      const page3 = await Note.all({ limit: 10, offset: 20, orderBy: "id" });
      expect(page3.map((n) => n.title)).toEqual(["n21", "n22", "n23", "n24", "n25"]);
      expect((await Note.all({ limit: 3, orderBy: "sortOrder" })).map((n) => n.sortOrder)).toEqual([1, 2, 3]);
      expect((await Note.all({ limit: 2, orderBy: "-title" })).map((n) => n.title)).toEqual(["n25", "n24"]);
      expect((await Note.all({ limit: 2, offset: 1, orderBy: ["sort_order desc", "id"] })).map((n) => n.sortOrder)).toEqual([24, 23]);
      expect((await Note.where("sort_order <= ?", [5], { orderBy: "title asc" })).map((n) => n.title)).toEqual(["n21", "n22", "n23", "n24", "n25"]);
      expect((await Note.where("sort_order > ?", [10], { limit: 4, offset: 4, orderBy: "sortOrder" })).map((n) => n.sortOrder)).toEqual([15, 16, 17, 18]);
      expect((await Note.all({ offset: 23 })).map((n) => n.title)).toEqual(["n24", "n25"]);
      expect(await Note.all({ limit: 0 })).toEqual([]);
      expect(await Note.count("sort_order > ?", [20])).toBe(5);
      expect(((await rejection(Note.all({ orderBy: "title; DROP TABLE notes" }))) as ModelError).code).toBe("T4_ERR_ORM_ORDER_BY");
      expect(((await rejection(Note.all({ orderBy: "secret" }))) as ModelError).code).toBe("T4_ERR_ORM_ORDER_BY");
      expect(((await rejection(Note.all({ limit: -1 }))) as ModelError).code).toBe("T4_ERR_ORM_ARGUMENT");
      expect(await Note.count()).toBe(25);
    });

    it("primary keys: getNextId for app-chosen int keys, string keys from create(), duplicate keys are database errors", async () => {
      const c1 = await Counter.create({ label: "one" });
      const c2 = await Counter.create({ label: "two" });
      expect(c2.id).toBe(c1.id + 1);
      const given = await Counter.create({ id: 100, label: "hundred" });
      expect((await Counter.find(100))?.label).toBe("hundred");
      expect(given.id).toBe(100);

      const za = await Country.create({ code: "ZA", name: "South Africa" });
      expect((await Country.find("ZA"))?.name).toBe("South Africa");
      za.fill({ name: "RSA", code: "XX" });
      await za.save();
      expect((await Country.find("ZA"))?.name).toBe("RSA");
      expect(await Country.find("XX")).toBeNull();
      expect((await rejection(Country.create({ name: "no code" })) as ValidationError).errors).toEqual([{ field: "code", message: "is required" }]);
      expect(((await rejection(Country.create({ code: "ZA", name: "again" }))) as { code: string }).code).toBe("T4_ERR_DB_CONSTRAINT");
    });

    it("models join a transaction opened on another Database of their database: a throw in a route's db.transaction(fn) rolls every model write back", async () => {
      // what a route writes: its own Database.connect() and db.transaction(fn), models inside
      // (the models use their shared connection to TINA4_DATABASE_URL, another Database object)
      const savedUrl = process.env.TINA4_DATABASE_URL;
      process.env.TINA4_DATABASE_URL = fresh.url;
      Model.db = undefined;
      const route = await Database.connect(fresh.url);
      const elsewhere = await Database.connect("sqlite::memory:");
      try {
        const failed = await rejection(route.transaction(async () => {
          const note = await Note.create({ title: "in tx" });
          await Product.create({ name: "in tx", qty: 1 });
          expect((await Note.find(note.id))?.title).toBe("in tx"); // the transaction sees its own writes
          expect(await Product.count("name = ?", ["in tx"])).toBe(1);
          throw new Error("boom after writes");
        }));
        expect((failed as Error).message).toBe("boom after writes");
        expect(await Note.count("title = ?", ["in tx"], { withDeleted: true })).toBe(0);
        expect(await Product.count("name = ?", ["in tx"])).toBe(0);

        await route.transaction(async () => {
          await Note.create({ title: "kept" });
          await Product.create({ name: "kept" });
        });
        expect(await Note.count("title = ?", ["kept"])).toBe(1);
        expect(await Product.count("name = ?", ["kept"])).toBe(1);

        // a model with its own Database (Model.useDatabase) joins the same way
        Model.useDatabase(db);
        await rejection(route.transaction(async () => {
          await Note.create({ title: "own db" });
          throw new Error("undo");
        }));
        expect(await Note.count("title = ?", ["own db"])).toBe(0);

        // a transaction on another database is not joined: the model writes to its own, committed
        await rejection(elsewhere.transaction(async () => {
          await Note.create({ title: "not joined" });
          throw new Error("undo elsewhere");
        }));
        expect(await Note.count("title = ?", ["not joined"])).toBe(1);
      } finally {
        Model.useDatabase(db);
        await Model.closeDatabase();
        if (savedUrl === undefined) delete process.env.TINA4_DATABASE_URL;
        else process.env.TINA4_DATABASE_URL = savedUrl;
        await route.close();
        await elsewhere.close();
      }
    });
  });
}
