/**
 * Relations on every engine: eager loading sends exactly one query per relation for any number
 * of records (counted at the driver through runtime/instruments.ts), more only past the engine's
 * bound-parameter limit (Dialect.maxParams, one per chunk); results right, missing and
 * soft-deleted related records left out; toJSON includes loaded relations only.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import { Model, ModelError, belongsTo, hasMany, type ModelClass, type ModelFields } from "../../runtime/orm/index.js";
import { ENGINES, engineAvailable, freshDatabase, SQL, type FreshDatabase, type TestEngine } from "../migrate/engines.js";
import { statementsOf } from "./statements.js";
import { Order } from "./fixtures/shop/order.js";
import { Customer } from "./fixtures/shop/customer.js";
import { OrderLine } from "./fixtures/shop/order-line.js";
import { Profile } from "./fixtures/shop/profile.js";

/** Parents with keys the test chooses, to go past an engine's parameter limit. */
class BulkParent extends Model {
  static override tableName = "bulk_parents";
  static override fields: ModelFields = { id: { type: "int", primaryKey: true } };
  static override relations = { children: hasMany(() => BulkChild, "parentId") };
  declare id: number;
}

class BulkChild extends Model {
  static override tableName = "bulk_children";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    parentId: { type: "int", required: true },
  };
  static override relations = { parent: belongsTo(() => BulkParent, "parentId") };
  declare id: number;
  declare parentId: number;
}

/** One INSERT … SELECT of ids 1..n per engine (set-based: tens of thousands of rows in well under a second). */
function insertIds(engine: TestEngine, table: string, n: number): string {
  switch (engine) {
    case "sqlite":
      return `INSERT INTO ${table} (id) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT x FROM c`;
    case "postgres":
      return `INSERT INTO ${table} (id) SELECT generate_series(1, ${n})`;
    case "mysql":
      return `INSERT INTO ${table} (id) SELECT seq FROM seq_1_to_${n}`;
    case "firebird":
      return `EXECUTE BLOCK AS DECLARE i INTEGER = 1; BEGIN WHILE (i <= ${n}) DO BEGIN INSERT INTO ${table} (id) VALUES (:i); i = i + 1; END END`;
  }
}

for (const engine of ENGINES) {
  describe.skipIf(!engineAvailable(engine))(`relations on ${engine}`, () => {
    const s = SQL[engine];
    let fresh: FreshDatabase;
    let db: Database;
    /** Orders 1..30: customer (i % 4) + 1 → customers 1..4; lines: i % 3 per order. */
    const ORDERS = 30;

    beforeAll(async () => {
      fresh = await freshDatabase(engine, "rel");
      db = await Database.connect(fresh.url);
      await db.execute(`CREATE TABLE customers (id ${s.id}, name ${s.text} NOT NULL, api_key ${s.text}, deleted_at ${s.timestamp})${s.suffix}`);
      await db.execute(`CREATE TABLE orders (id ${s.id}, customer_id ${s.int}, status ${s.text} NOT NULL)${s.suffix}`);
      await db.execute(`CREATE TABLE order_lines (id ${s.id}, order_id ${s.int} NOT NULL, sku ${s.text} NOT NULL, qty ${s.int})${s.suffix}`);
      await db.execute(`CREATE TABLE profiles (id ${s.id}, customer_id ${s.int} NOT NULL, bio ${s.text})${s.suffix}`);
      await db.execute(`CREATE TABLE bulk_parents (id ${s.int} NOT NULL PRIMARY KEY)${s.suffix}`);
      await db.execute(`CREATE TABLE bulk_children (id ${s.id}, parent_id ${s.int} NOT NULL)${s.suffix}`);
      Model.useDatabase(db);
      for (let c = 1; c <= 4; c++) await Customer.create({ name: `c${c}`, apiKey: `secret-${c}` });
      await db.insert("orders", Array.from({ length: ORDERS }, (_, k) => ({ customer_id: (k + 1) % 4 + 1, status: `s${k + 1}` })));
      const lines: Array<Record<string, unknown>> = [];
      for (let o = 1; o <= ORDERS; o++) for (let l = 0; l < o % 3; l++) lines.push({ order_id: o, sku: `o${o}-l${l}`, qty: l + 1 });
      await db.insert("order_lines", lines);
      await db.insert("profiles", [{ customer_id: 2, bio: "second" }, { customer_id: 3, bio: "older" }, { customer_id: 3, bio: "newer" }]);
    });
    afterAll(async () => {
      Model.db = undefined;
      await db?.close();
      await fresh?.drop();
    });

    it("where(..., { with: [lines, customer] }) over 30 orders sends 1 + 2 queries, and each order gets its own lines and customer", async () => {
      const { value: orders, statements } = await statementsOf(() => Order.where("id <= ?", [ORDERS], { with: ["lines", "customer"] }));
      expect(statements).toEqual(["select", "select", "select"]);
      expect(orders).toHaveLength(ORDERS);
      for (const order of orders) {
        expect(order.customer).toBeInstanceOf(Customer);
        expect(order.customer!.id).toBe(order.customerId);
        expect(order.customer!.name).toBe(`c${order.customerId}`);
        expect(order.lines.map((line) => line.sku)).toEqual(Array.from({ length: order.id % 3 }, (_, l) => `o${order.id}-l${l}`));
        for (const line of order.lines) expect(line).toBeInstanceOf(OrderLine);
      }
      // one Customer record per key, shared by the orders pointing at it
      const ofCustomer2 = orders.filter((o) => o.customerId === 2);
      expect(new Set(ofCustomer2.map((o) => o.customer)).size).toBe(1);
      expectTypeOf(orders[0]!.lines).toEqualTypeOf<OrderLine[]>();
      expectTypeOf(orders[0]!.customer).toEqualTypeOf<Customer | null>();
    });

    it("all() and find() take with too; find sends 1 + 1 per relation", async () => {
      const { value: order, statements } = await statementsOf(() => Order.find(5, { with: ["lines", "customer"] }));
      expect(statements).toEqual(["select", "select", "select"]);
      expect(order!.lines.map((l) => l.sku)).toEqual(["o5-l0", "o5-l1"]);
      expect(order!.customer!.id).toBe(2);
      const { value: page, statements: pageStatements } = await statementsOf(() => Order.all({ with: ["lines"], limit: 4, offset: 2, orderBy: "-id" }));
      expect(pageStatements).toEqual(["select", "select"]);
      expect(page.map((o) => [o.id, o.lines.length])).toEqual([[28, 1], [27, 0], [26, 2], [25, 1]]);
      expect(await Order.find(9999, { with: ["lines"] })).toBeNull();
    });

    it("missing related records: a null or dangling foreign key gives null, no lines gives []; no query for keys that are all null", async () => {
      const orphan = await Order.create({ customerId: null, status: "orphan" });
      const dangling = await Order.create({ customerId: 999, status: "dangling" });
      const loaded = await Order.where("id IN (?, ?)", [orphan.id, dangling.id], { with: ["customer", "lines"] });
      expect(loaded.map((o) => [o.status, o.customer, o.lines])).toEqual([["orphan", null, []], ["dangling", null, []]]);
      const { value: alone, statements } = await statementsOf(() => Order.find(orphan.id, { with: ["customer"] }));
      expect(alone!.customer).toBeNull();
      expect(statements).toEqual(["select"]); // no customer key: nothing to look up
      await orphan.delete();
      await dangling.delete();
    });

    it("soft-deleted related records are left out, as in queries", async () => {
      const gone = await Customer.create({ name: "gone" });
      const order = await Order.create({ customerId: gone.id, status: "of a deleted customer" });
      await gone.delete();
      expect((await Order.find(order.id, { with: ["customer"] }))!.customer).toBeNull();
      const withOrders = await Customer.where("name = ?", ["gone"], { withDeleted: true, with: ["orders"] });
      expect(withOrders[0]!.orders!.map((o) => o.id)).toEqual([order.id]); // the parent query's withDeleted is its own
      await order.delete();
      await gone.forceDelete();
    });

    it("hasOne gives the first record by its orderBy (default the key) or null; hasMany follows its orderBy", async () => {
      const customers = await Customer.all({ with: ["profile", "orders"] });
      expect(customers.map((c) => c.profile?.bio ?? null)).toEqual([null, "second", "older", null]);
      expect(customers[1]!.profile).toBeInstanceOf(Profile);
      // Customer.relations.orders is ordered by -id
      const ids = customers[0]!.orders.map((o) => o.id);
      expect(ids.length).toBeGreaterThan(1);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });

    it("record.related(name) loads once and keeps it; Model.load(records, ...) loads a list in one query per relation", async () => {
      const order = (await Order.find(4))!;
      const first = await statementsOf(() => order.related("lines"));
      expect(first.statements).toEqual(["select"]);
      expect(first.value.map((l) => l.sku)).toEqual(["o4-l0"]);
      expectTypeOf(first.value).toEqualTypeOf<OrderLine[]>();
      const again = await statementsOf(() => order.related("lines"));
      expect(again.statements).toEqual([]);
      expect(again.value).toBe(first.value);

      const plain = await Order.where("id <= ?", [10]);
      const { value: loaded, statements } = await statementsOf(() => Order.load(plain, "customer", "lines", "customer"));
      expect(statements).toEqual(["select", "select"]); // a name given twice loads once
      expect(loaded).toBe(plain);
      expect(loaded.map((o) => o.customer!.id)).toEqual(plain.map((o) => o.customerId));
      expectTypeOf(loaded[0]!.lines).toEqualTypeOf<OrderLine[]>();
    });

    it("toJSON leaves relations out until loaded, then includes them as JSON (hidden fields of related records left out too)", async () => {
      const bare = (await Order.find(6))!;
      expect(Object.keys(bare.toJSON()).sort()).toEqual(["customerId", "id", "status"]);
      const full = (await Order.find(6, { with: ["customer", "lines"] }))!;
      expect(JSON.parse(JSON.stringify(full))).toEqual({
        id: 6, customerId: 3, status: "s6",
        customer: { id: 3, name: "c3" },
        lines: [],
      });
      const seven = (await Order.find(7, { with: ["lines"] }))!;
      expect(seven.toJSON().lines).toEqual([{ id: expect.any(Number), orderId: 7, sku: "o7-l0", qty: 1 }]);
      expect(JSON.stringify(seven)).not.toContain("secret");
      const line = (await OrderLine.find(seven.lines[0]!.id, { with: ["order"] }))!;
      expect(line.toJSON().order).toEqual({ id: 7, customerId: 4, status: "s7" });
    });

    it("a relation property written without declare (an own undefined) counts as not loaded", async () => {
      class PlainOrder extends Model {
        static override tableName = "orders";
        static override fields: ModelFields = Order.fields;
        static override relations = { lines: hasMany(() => OrderLine, "orderId") };
        lines?: OrderLine[];
      }
      const order = (await PlainOrder.find(5))!;
      expect(Object.hasOwn(order, "lines")).toBe(true);
      expect(Object.keys(order.toJSON())).not.toContain("lines");
      const { value: lines, statements } = await statementsOf(() => order.related("lines"));
      expect(statements).toEqual(["select"]);
      expect(lines.map((l) => l.sku)).toEqual(["o5-l0", "o5-l1"]);
      expect(order.toJSON().lines).toHaveLength(2);
    });

    it("an unknown relation name is T4_ERR_ORM_RELATION before any query runs", async () => {
      const { value: error, statements } = await statementsOf(() =>
        Order.where("1 = 1", [], { with: ["nope" as "lines"] }).then(() => null, (e: unknown) => e));
      expect(statements).toEqual([]);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).code).toBe("T4_ERR_ORM_RELATION");
      expect((error as Error).message).toBe('Order has no relation "nope" (its relations: customer, lines)');
      const order = (await Order.find(1))!;
      await expect(order.related("status")).rejects.toMatchObject({ code: "T4_ERR_ORM_RELATION" });
    });

    it(`past the engine's parameter limit (${dialectFor(engine).maxParams}) the keys go in chunks: one query per chunk, every record matched`, async () => {
      const max = dialectFor(engine).maxParams;
      const n = 2 * max + 1; // three chunks
      await db.execute(insertIds(engine, "bulk_parents", n));
      const spots = [1, max, max + 1, 2 * max, n];
      await db.insert("bulk_children", [...spots, max].map((parentId) => ({ parent_id: parentId })));
      const { value: parents, statements } = await statementsOf(() => BulkParent.all({ with: ["children"] }));
      expect(parents).toHaveLength(n);
      expect(statements).toEqual(["select", "select", "select", "select"]);
      const withChildren = parents.filter((p) => p.children.length > 0).map((p) => [p.id, p.children.length]);
      expect(withChildren).toEqual([[1, 1], [max, 2], [max + 1, 1], [2 * max, 1], [n, 1]]);
      // belongsTo the other way: 6 children, 5 distinct parents, one query
      const children = await statementsOf(() => BulkChild.all({ with: ["parent"] }));
      expect(children.statements).toEqual(["select", "select"]);
      expect(children.value.map((c) => c.parent!.id)).toEqual([...spots, max]);
    }, 120_000);
  });
}

describe("relation declarations are checked when first loaded", () => {
  class Thing extends Model {
    static override tableName = "things";
    static override fields: ModelFields = { id: { type: "int", primaryKey: true }, ownerId: { type: "int" } };
  }
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["a name that is a field", { ownerId: belongsTo(() => Thing, "ownerId") }, "ownerId", /Clash.relations.ownerId: a field of Clash has the same name/],
    ["a name that is a record method", { save: belongsTo(() => Thing, "ownerId") }, "save", /Clash.relations.save: the name is a method of every record/],
    ["not made by belongsTo/hasMany/hasOne", { owner: { kind: "belongsTo", target: () => Thing, foreignKey: "ownerId" } }, "owner", /must be made with belongsTo\(\), hasMany\(\) or hasOne\(\)/],
    ["a class function that returns nothing (an import still loading)", { owner: belongsTo(() => undefined as unknown as typeof Thing, "ownerId") }, "owner", /its class function returned undefined, not a model class/],
    ["a foreign key that is not a field", { owner: belongsTo(() => Thing, "ownerID") }, "owner", /Clash.relations.owner: Clash has no field "ownerID" \(its fields: id, ownerId\)/],
    ["a hasMany key that is not a field of the related model", { kids: hasMany(() => Thing, "parentId") }, "kids", /Thing has no field "parentId"/],
  ];
  for (const [what, relations, name, message] of cases) {
    it(what, async () => {
      class Clash extends Model {
        static override tableName = "clash";
        static override fields: ModelFields = { id: { type: "int", primaryKey: true }, ownerId: { type: "int" } };
        static override relations = relations as never;
      }
      const error = await Clash.find(1, { with: [name as never] }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).code).toBe("T4_ERR_ORM_RELATION");
      expect((error as Error).message).toMatch(message);
    });
  }
});

describe("types", () => {
  it("code generic over ModelClass<T> still gets T from find/where/all/paginate (the relation overloads apply only with `with`)", () => {
    // compile-time checks (tsc -p tsconfig.json runs over test/): never called
    async function generic<T extends Model>(cls: ModelClass<T>): Promise<void> {
      // (expectTypeOf cannot compare a type parameter: plain assignments check it)
      const one: T | null = await cls.find(1);
      const some: T[] = await cls.where("1 = 1");
      const all: T[] = await cls.all({ limit: 1 });
      const page: T[] = (await cls.paginate({ page: 1 })).data;
      void [one, some, all, page];
    }
    async function concrete(): Promise<void> {
      expectTypeOf(await Order.find(1)).toEqualTypeOf<Order | null>();
      expectTypeOf((await Order.paginate({ with: ["customer"] })).data[0]!.customer).toEqualTypeOf<Customer | null>();
      // @ts-expect-error a name that is not in Order.relations does not compile
      await Order.find(1, { with: ["bogus"] });
    }
    expect([typeof generic, typeof concrete]).toEqual(["function", "function"]);
  });
});
