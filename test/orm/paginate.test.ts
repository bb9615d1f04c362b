/**
 * Model.paginate on every engine: one COUNT and one page query (only the COUNT past the last
 * page), totals and lastPage with where/params, order and soft delete, relations loaded with
 * one more query each; bad page/perPage refused before any query (PaginationError, HTTP 400).
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { Model, ModelError, PaginationError, hasMany, type ModelFields, type PageInput } from "../../runtime/orm/index.js";
import { ENGINES, engineAvailable, freshDatabase, SQL, type FreshDatabase } from "../migrate/engines.js";
import { statementsOf } from "./statements.js";

class Item extends Model {
  static override tableName = "items";
  static override softDelete = true;
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true },
    name: { type: "string", required: true },
    category: { type: "string", required: true },
  };
  static override relations = { notes: hasMany(() => ItemNote, "itemId") };
  declare id: number;
  declare name: string;
  declare category: string;
}

class ItemNote extends Model {
  static override tableName = "item_notes";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    itemId: { type: "int", required: true },
    body: { type: "string", required: true },
  };
  declare id: number;
  declare itemId: number;
  declare body: string;
}

const ids = (items: Item[]) => items.map((i) => i.id);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

for (const engine of ENGINES) {
  describe.skipIf(!engineAvailable(engine))(`paginate on ${engine}`, () => {
    const s = SQL[engine];
    let fresh: FreshDatabase;
    let db: Database;

    beforeAll(async () => {
      fresh = await freshDatabase(engine, "page");
      db = await Database.connect(fresh.url);
      await db.execute(`CREATE TABLE items (id ${s.int} NOT NULL PRIMARY KEY, name ${s.text} NOT NULL, category ${s.text} NOT NULL, deleted_at ${s.timestamp})${s.suffix}`);
      await db.execute(`CREATE TABLE item_notes (id ${s.id}, item_id ${s.int} NOT NULL, body ${s.text} NOT NULL)${s.suffix}`);
      Model.useDatabase(db);
      // 25 items, odd ids in category "a"; 24 and 25 soft-deleted: 23 visible
      await db.insert("items", range(1, 25).map((id) => ({ id, name: `item ${id}`, category: id % 2 === 1 ? "a" : "b" })));
      for (const id of [24, 25]) await (await Item.find(id))!.delete();
      await db.insert("item_notes", [{ item_id: 2, body: "two" }, { item_id: 4, body: "four" }, { item_id: 4, body: "four again" }]);
    });
    afterAll(async () => {
      Model.db = undefined;
      await db?.close();
      await fresh?.drop();
    });

    it("defaults: page 1 of 20, with the total and last page; one COUNT and one page query", async () => {
      const { value: page, statements } = await statementsOf(() => Item.paginate());
      expect(statements).toEqual(["select", "select"]);
      expect(page.meta).toEqual({ page: 1, perPage: 20, total: 23, lastPage: 2 });
      expect(ids(page.data)).toEqual(range(1, 20));
      expect(page.data[0]).toBeInstanceOf(Item);
    });

    it("page and perPage as a request gives them (text); the last page holds the rest; past it, no records and only the COUNT", async () => {
      expect(ids((await Item.paginate({ page: "2", perPage: "5" })).data)).toEqual(range(6, 10));
      const last = await Item.paginate({ page: 5, perPage: 5 });
      expect(last.meta).toEqual({ page: 5, perPage: 5, total: 23, lastPage: 5 });
      expect(ids(last.data)).toEqual([21, 22, 23]);
      const { value: past, statements } = await statementsOf(() => Item.paginate({ page: 6, perPage: 5 }));
      expect(past).toEqual({ data: [], meta: { page: 6, perPage: 5, total: 23, lastPage: 5 } });
      expect(statements).toEqual(["select"]);
      const exact = await Item.paginate({ perPage: 23 });
      expect(exact.meta.lastPage).toBe(1);
      expect(exact.data).toHaveLength(23);
    });

    it("where/params and orderBy: the total counts the matching records only", async () => {
      const page = await Item.paginate({ where: "category = ?", params: ["a"], orderBy: "-id", page: 3, perPage: 5 });
      expect(page.meta).toEqual({ page: 3, perPage: 5, total: 12, lastPage: 3 });
      expect(ids(page.data)).toEqual([3, 1]);
      expect(ids((await Item.paginate({ where: "category = ?", params: ["b"], orderBy: ["name desc"], perPage: 3 })).data)).toEqual([8, 6, 4]);
    });

    it("soft delete: deleted records neither counted nor listed, unless withDeleted", async () => {
      const all = await Item.paginate({ withDeleted: true, page: 3, perPage: 10 });
      expect(all.meta).toEqual({ page: 3, perPage: 10, total: 25, lastPage: 3 });
      expect(ids(all.data)).toEqual([21, 22, 23, 24, 25]);
    });

    it("no records: an empty first page whose last page is 1, from the COUNT alone", async () => {
      const { value: page, statements } = await statementsOf(() => Item.paginate({ where: "name = ?", params: ["none"] }));
      expect(page).toEqual({ data: [], meta: { page: 1, perPage: 20, total: 0, lastPage: 1 } });
      expect(statements).toEqual(["select"]);
    });

    it("with: relations of the page's records, one more query each", async () => {
      const { value: page, statements } = await statementsOf(() => Item.paginate({ perPage: 4, with: ["notes"] }));
      expect(statements).toEqual(["select", "select", "select"]);
      expect(page.data.map((i) => i.notes.map((n) => n.body))).toEqual([[], ["two"], [], ["four", "four again"]]);
      expectTypeOf(page.data[0]!.notes).toEqualTypeOf<ItemNote[]>();
      expect(JSON.parse(JSON.stringify(page)).data[1]).toEqual({ id: 2, name: "item 2", category: "b", notes: [{ id: expect.any(Number), itemId: 2, body: "two" }] });
    });

    it("a bad orderBy fails before the COUNT runs (T4_ERR_ORM_ORDER_BY, status 400)", async () => {
      const { value: error, statements } = await statementsOf(() => Item.paginate({ orderBy: "deleted_at; DROP TABLE items" }).then(() => null, (e: unknown) => e));
      expect(statements).toEqual([]);
      expect(error).toBeInstanceOf(ModelError);
      expect(error).toMatchObject({ code: "T4_ERR_ORM_ORDER_BY", status: 400 });
    });
  });
}

describe("paginate refuses a bad page or perPage before any query", () => {
  const refused: Array<[string, { page?: PageInput; perPage?: PageInput; maxPerPage?: number }, "page" | "perPage", string]> = [
    ["page 0", { page: 0 }, "page", 'page must be a whole number of at least 1, got 0'],
    ["a negative page", { page: "-1" }, "page", 'page must be a whole number of at least 1, got "-1"'],
    ["page text that is not a number", { page: "abc" }, "page", 'page must be a whole number of at least 1, got "abc"'],
    ["a fractional page", { page: "1.5" }, "page", 'page must be a whole number of at least 1, got "1.5"'],
    ["a fractional page number", { page: 2.5 }, "page", "page must be a whole number of at least 1, got 2.5"],
    ["NaN", { page: Number.NaN }, "page", "page must be a whole number of at least 1, got NaN"],
    ["a repeated query parameter", { page: ["1", "2"] }, "page", "page must be given once, got 2 values"],
    ["a page whose offset is past a safe integer", { page: "9007199254740991", perPage: 2 }, "page", "page must be at most 4503599627370495, got 9007199254740991"],
    ["a page of more digits than a safe integer holds: too large, not 'not a whole number'", { page: "99999999999999999999" }, "page", "page must be at most 450359962737049, got 99999999999999999999"],
    ["perPage of more digits than a safe integer holds", { perPage: "18446744073709551616" }, "perPage", "perPage must be at most 100, got 18446744073709551616"],
    ["perPage 0", { perPage: "0" }, "perPage", 'perPage must be a whole number of at least 1, got "0"'],
    ["perPage over the default maximum (100)", { perPage: 101 }, "perPage", "perPage must be at most 100, got 101"],
    ["perPage over a call's own maximum", { perPage: "11", maxPerPage: 10 }, "perPage", "perPage must be at most 10, got 11"],
  ];
  for (const [what, options, parameter, message] of refused) {
    it(what, async () => {
      const { value: error, statements } = await statementsOf(() => Item.paginate(options).then(() => null, (e: unknown) => e));
      expect(statements).toEqual([]);
      expect(error).toBeInstanceOf(PaginationError);
      expect(error).toMatchObject({ code: "T4_ERR_ORM_PAGINATION", status: 400, parameter, message, expose: true });
    });
  }

  it("a maxPerPage that is not a whole number from 1 is the caller's bug: T4_ERR_ORM_ARGUMENT", async () => {
    for (const maxPerPage of [0, -5, 2.5]) {
      await expect(Item.paginate({ maxPerPage })).rejects.toMatchObject({ code: "T4_ERR_ORM_ARGUMENT", message: `maxPerPage must be a whole number of at least 1, got ${maxPerPage}` });
    }
  });
});
