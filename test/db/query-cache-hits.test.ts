/**
 * Persistent memory hits are answered without a promise chain or JSON parse (decoded entries
 * are shared between hits), so what a caller gets must still be its own: rows, Dates, Buffers
 * and json values alike. And a hit inside a request scope is kept for the rest of the request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, runInRequestScope } from "../../runtime/db/index.js";
import { decodeResult } from "../../runtime/db/query-cache/codec.js";
import { serviceUrl } from "../support/services.js";
import { uniqueName } from "./helpers.js";

describe("query-cache codec: decoding one stored entry twice", () => {
  it("gives independent values each time (json objects included)", () => {
    const entry = { c: ["j", "d", "b"], k: ["j", "d", "b"], r: [[["j", { tags: ["a"] }], ["d", 1700000000000], ["b", "AAE="]]] } as never;
    const a = decodeResult(entry).rows[0]!;
    (a.j as { tags: string[] }).tags.push("mutated");
    (a.d as Date).setTime(0);
    (a.b as Buffer)[0] = 9;
    const b = decodeResult(entry).rows[0]!;
    expect(b).toEqual({ j: { tags: ["a"] }, d: new Date(1700000000000), b: Buffer.from([0, 1]) });
  });
});

const url = serviceUrl("POSTGRES");

describe.skipIf(url === undefined)("query cache: persistent memory hits (postgres)", () => {
  let db: Database;
  let admin: Database;
  const table = uniqueName("qch");
  const sql = `SELECT id, doc, at FROM ${table} WHERE id = ?`;

  beforeAll(async () => {
    admin = await Database.connect(url!, { queryCache: { request: false, persistent: false } });
    await admin.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, doc JSONB, at TIMESTAMP(3))`);
    await admin.insert(table, { id: 1, doc: { tags: ["a", "b"] }, at: new Date("2024-05-06T07:08:09.010Z") });
    db = await Database.connect(url!, { queryCache: { request: true, persistent: true, backend: "memory", ttl: 60 } });
  });
  afterAll(async () => {
    await admin?.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db?.close();
    await admin?.close();
  });

  it("a caller mutating a hit (row, json value, Date) never changes what the next hit returns", async () => {
    await db.cacheClear();
    const first = await db.fetchOne(sql, [1]); // miss: stored
    const before = await db.cacheStats();
    for (let i = 0; i < 3; i++) {
      const row = (await db.fetchOne(sql, [1]))!;
      (row.doc as { tags: string[] }).tags.push("mutated");
      (row.at as Date).setTime(0);
      row.id = 99;
    }
    const again = await db.fetchOne(sql, [1]);
    expect(again).toEqual({ id: 1, doc: { tags: ["a", "b"] }, at: new Date("2024-05-06T07:08:09.010Z") });
    expect(first).toEqual(again);
    expect((await db.cacheStats()).hits - before.hits).toBe(4);
  });

  it("a persistent hit inside a request is kept for the request: a later identical read is the same even after the entry is gone", async () => {
    await db.cacheClear();
    await db.fetchOne(sql, [1]); // stored in the persistent layer
    await runInRequestScope(async () => {
      const a = (await db.fetchOne(sql, [1]))!; // persistent hit, now in the request scope too
      (a.doc as { tags: string[] }).tags.push("mutated by the caller");
      (a.at as Date).setTime(0);
      await admin.update(table, { doc: JSON.stringify({ tags: ["changed behind"] }) }, { id: 1 });
      // clear the persistent layer behind the request's back (another process could have)
      await (await import("../../runtime/cache/factory.js")).createCache({ backend: "memory", namespace: "dbcache" }).then((c) => c.clear());
      const b = (await db.fetchOne(sql, [1]))!;
      expect(b).toEqual({ id: 1, doc: { tags: ["a", "b"] }, at: new Date("2024-05-06T07:08:09.010Z") });
    });
    await admin.update(table, { doc: JSON.stringify({ tags: ["a", "b"] }) }, { id: 1 });
  });
});
