/**
 * db.fetchMany(sql, paramSets): fetchOne for each parameter set in one call — uncached on
 * SQLite and PostgreSQL, and through the persistent query cache (memory and Redis), where a
 * batch of hits must stay as correct as single reads: own copies, invalidated by writes from
 * any Database, expiring, bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, DbErrorCode, runInRequestScope } from "../../runtime/db/index.js";
import { createCache } from "../../runtime/cache/factory.js";
import { serviceUrl } from "../support/services.js";
import { uniqueName } from "./helpers.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pgUrl = serviceUrl("POSTGRES");
const redisUrl = serviceUrl("REDIS");

type Item = { id: number; name: string };

const engines: [string, string | undefined][] = [["sqlite", "sqlite::memory:"], ["postgres", pgUrl]];
for (const [engine, url] of engines) {
  // postgres: skipped only locally when TINA4_TEST_POSTGRES_URL is unset; under TINA4_TEST_SERVICES=required
  // serviceUrl() throws instead, so CI cannot skip it (sqlite's URL is always set)
  describe.skipIf(url === undefined)(`fetchMany without a cache (${engine})`, () => {
    let db: Database;
    const table = uniqueName("fm");
    const sql = `SELECT id, name FROM ${table} WHERE id = ?`;

    beforeAll(async () => {
      db = await Database.connect(url!, { queryCache: { request: false, persistent: false } });
      await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(20))`);
      await db.insert(table, [1, 2, 3].map((id) => ({ id, name: `n${id}` })));
    });
    afterAll(async () => {
      await db?.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await db?.close();
    });

    it("returns the first row per parameter set, in order; null where none; repeats allowed", async () => {
      expect(await db.fetchMany<Item>(sql, [[3], [99], [1], [3]])).toEqual([
        { id: 3, name: "n3" }, null, { id: 1, name: "n1" }, { id: 3, name: "n3" },
      ]);
      expect(await db.fetchMany(sql, [])).toEqual([]);
    });

    it("refuses anything but one parameter array per statement", async () => {
      await expect(db.fetchMany(sql, [1, 2] as never)).rejects.toMatchObject({ code: DbErrorCode.ARGUMENT });
      await expect(db.fetchMany(sql, 1 as never)).rejects.toMatchObject({ code: DbErrorCode.ARGUMENT });
    });

    it("rejects as a whole when one statement fails", async () => {
      await expect(db.fetchMany(`SELECT id FROM ${table}_missing WHERE id = ?`, [[1], [2]])).rejects.toMatchObject({ name: "DatabaseError" });
      await expect(db.fetchMany(sql, [[1], [1, 2]])).rejects.toMatchObject({ name: "DatabaseError" });
    });

    it("inside a transaction reads the transaction's own uncommitted rows", async () => {
      await expect(db.transaction(async () => {
        await db.update(table, { name: "tx" }, { id: 2 });
        expect(await db.fetchMany<Item>(sql, [[2], [1]])).toEqual([{ id: 2, name: "tx" }, { id: 1, name: "n1" }]);
        throw new Error("roll back");
      })).rejects.toThrow("roll back");
      expect(await db.fetchMany<Item>(sql, [[2]])).toEqual([{ id: 2, name: "n2" }]);
    });
  });
}

// Needs PostgreSQL: a local skip only (serviceUrl() throws under TINA4_TEST_SERVICES=required).
describe.skipIf(pgUrl === undefined)("fetchMany through the persistent memory cache (postgres)", () => {
  let admin: Database;
  let a: Database;
  let b: Database;
  const table = uniqueName("fmc");
  const sql = `SELECT id, name, at, doc FROM ${table} WHERE id = ?`;
  const ids = (n: number) => Array.from({ length: n }, (_, i) => [i + 1]);

  beforeAll(async () => {
    admin = await Database.connect(pgUrl!, { queryCache: { request: false, persistent: false } });
    await admin.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(20), at TIMESTAMP(3), doc JSONB)`);
    await admin.insert(table, Array.from({ length: 12 }, (_, i) => ({ id: i + 1, name: `n${i + 1}`, at: new Date(Date.UTC(2024, 0, i + 1)), doc: JSON.stringify({ tags: [i] }) })));
    a = await Database.connect(pgUrl!, { queryCache: { request: true, persistent: true, backend: "memory", ttl: 60 } });
    b = await Database.connect(pgUrl!, { queryCache: { request: true, persistent: true, backend: "memory", ttl: 60 } });
  });
  afterAll(async () => {
    await admin?.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await Promise.all([a?.close(), b?.close(), admin?.close()]);
  });

  it("misses once, then answers the whole batch from the cache (shared by every Database of the process)", async () => {
    await a.cacheClear();
    const s0 = await a.cacheStats();
    const first = await a.fetchMany(sql, ids(5));
    const s1 = await a.cacheStats();
    expect([s1.hits - s0.hits, s1.misses - s0.misses]).toEqual([0, 5]);
    const sb = await b.cacheStats();
    const again = await b.fetchMany(sql, ids(5));
    expect(again).toEqual(first);
    expect(again[0]).toEqual({ id: 1, name: "n1", at: new Date(Date.UTC(2024, 0, 1)), doc: { tags: [0] } });
    expect((await b.cacheStats()).hits - sb.hits).toBe(5);
  });

  it("gives each caller its own rows: mutating a hit (row, Date, json) never changes the next hit", async () => {
    await a.fetchMany(sql, ids(2));
    for (let i = 0; i < 2; i++) {
      const [row] = await a.fetchMany(sql, [[1]]);
      row!.name = "mutated";
      (row!.at as Date).setTime(0);
      (row!.doc as { tags: number[] }).tags.push(99);
    }
    const s = await a.cacheStats();
    expect(await a.fetchMany(sql, [[1]])).toEqual([{ id: 1, name: "n1", at: new Date(Date.UTC(2024, 0, 1)), doc: { tags: [0] } }]);
    expect((await a.cacheStats()).hits - s.hits).toBe(1);
    // rows of plain values only (copied another way)
    const flat = `SELECT id, name FROM ${table} WHERE id = ?`;
    await a.fetchMany(flat, [[1]]);
    (await a.fetchMany<Item>(flat, [[1]]))[0]!.name = "mutated";
    expect(await a.fetchMany<Item>(flat, [[1]])).toEqual([{ id: 1, name: "n1" }]);
  });

  it("a write through another Database invalidates: the next batch reads the new row", async () => {
    await a.fetchMany(sql, ids(3));
    await b.update(table, { name: "changed" }, { id: 2 });
    const rows = await a.fetchMany<Item>(sql, ids(3));
    expect(rows.map((r) => r!.name)).toEqual(["n1", "changed", "n3"]);
    await b.update(table, { name: "n2" }, { id: 2 });
  });

  it("inside a request: rows the request already read are served from its scope, the rest from the cache", async () => {
    await a.fetchMany(sql, ids(4));
    await runInRequestScope(async () => {
      const one = await a.fetchOne<Item>(sql, [4]); // now in this request's scope
      await admin.update(table, { name: "behind" }, { id: 4 }); // no invalidation: admin has no cache
      // the persistent entries die behind the request's back (their generation token is gone); the scope keeps what it read
      await createCache({ backend: "memory", namespace: "dbcache" }).then((c) => c.clear());
      // another request reads meanwhile: the persistent layer now holds the new row
      expect((await runInRequestScope(() => a.fetchOne<Item>(sql, [4])))!.name).toBe("behind");
      const rows = await a.fetchMany<Item>(sql, [[4], [3]]);
      expect(rows.map((r) => r!.name)).toEqual([one!.name, "n3"]);
    });
    await admin.update(table, { name: "n4" }, { id: 4 });
    await a.cacheClear();
  });

  it("entries expire after the TTL", async () => {
    const short = await Database.connect(pgUrl!, { queryCache: { persistent: true, backend: "memory", ttl: 0.2 } });
    try {
      await short.fetchMany(sql, [[7]]);
      const s = await short.cacheStats();
      await short.fetchMany(sql, [[7]]);
      expect((await short.cacheStats()).hits - s.hits).toBe(1);
      await sleep(300);
      const s2 = await short.cacheStats();
      await short.fetchMany(sql, [[7]]);
      expect((await short.cacheStats()).misses - s2.misses).toBe(1);
    } finally {
      await short.close();
    }
  });

  it("after a write the batch reads the new row once, then serves that new row as hits (never the old one)", async () => {
    await a.fetchMany(sql, ids(3));
    await b.update(table, { name: "fresh" }, { id: 3 });
    const s = await a.cacheStats();
    expect((await a.fetchMany<Item>(sql, ids(3))).map((r) => r!.name)).toEqual(["n1", "n2", "fresh"]);
    const s1 = await a.cacheStats();
    expect(s1.misses - s.misses).toBe(3); // the write invalidated every entry of the database
    for (let i = 0; i < 2; i++) expect((await a.fetchMany<Item>(sql, ids(3))).map((r) => r!.name)).toEqual(["n1", "n2", "fresh"]);
    expect((await a.cacheStats()).hits - s1.hits).toBe(6);
    await b.update(table, { name: "n3" }, { id: 3 });
    expect((await a.fetchMany<Item>(sql, [[3]]))[0]!.name).toBe("n3");
  });

  it("an expired entry read again is cached again with a new expiry", async () => {
    const short = await Database.connect(pgUrl!, { queryCache: { persistent: true, backend: "memory", ttl: 0.2 } });
    try {
      await short.fetchMany(sql, [[8]]);
      await sleep(300);
      const s = await short.cacheStats();
      await short.fetchMany(sql, [[8]]); // expired: read again
      await short.fetchMany(sql, [[8]]); // and a hit under its new expiry
      const after = await short.cacheStats();
      expect([after.hits - s.hits, after.misses - s.misses]).toEqual([1, 1]);
    } finally {
      await short.close();
    }
  });

  it("holds at most TINA4_CACHE_MAX_ENTRIES rows, dropping the least recently used", async () => {
    process.env.TINA4_CACHE_MAX_ENTRIES = "4";
    const small = await Database.connect(pgUrl!, { queryCache: { persistent: true, backend: "memory", ttl: 60 } });
    try {
      await small.cacheClear();
      await small.fetchMany(sql, ids(12));
      expect((await small.cacheStats()).size).toBeLessThanOrEqual(4);
      const s = await small.cacheStats();
      await small.fetchMany(sql, [[12], [1]]); // 12 was read last: kept; 1 first: evicted
      const after = await small.cacheStats();
      expect([after.hits - s.hits, after.misses - s.misses]).toEqual([1, 1]);
    } finally {
      delete process.env.TINA4_CACHE_MAX_ENTRIES;
      await small.close();
    }
  });
});

// Needs PostgreSQL and Redis: a local skip only (serviceUrl() throws under TINA4_TEST_SERVICES=required).
describe.skipIf(pgUrl === undefined || redisUrl === undefined)("fetchMany through the persistent Redis cache (postgres)", () => {
  let admin: Database;
  let a: Database;
  let b: Database;
  const table = uniqueName("fmr");
  const sql = `SELECT id, name FROM ${table} WHERE id = ?`;

  beforeAll(async () => {
    admin = await Database.connect(pgUrl!, { queryCache: { request: false, persistent: false } });
    await admin.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(20))`);
    await admin.insert(table, [1, 2, 3].map((id) => ({ id, name: `n${id}` })));
    const options = { queryCache: { persistent: true, backend: "redis", url: redisUrl, ttl: 60 } };
    a = await Database.connect(pgUrl!, options);
    b = await Database.connect(pgUrl!, options);
  });
  afterAll(async () => {
    await admin?.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await Promise.all([a?.close(), b?.close(), admin?.close()]);
  });

  it("what one instance stored, another reads as hits; a write on either invalidates both", async () => {
    // Redis itself, not the file fallback (both instances would share a fallback folder too)
    expect((await a.cacheStats()).backend).toBe("redis");
    expect((await b.cacheStats()).backend).toBe("redis");
    await a.cacheClear();
    expect((await a.fetchMany<Item>(sql, [[1], [2], [9]])).map((r) => r?.name ?? null)).toEqual(["n1", "n2", null]);
    const s = await b.cacheStats();
    await runInRequestScope(async () => {
      expect((await b.fetchMany<Item>(sql, [[2], [1], [9]])).map((r) => r?.name ?? null)).toEqual(["n2", "n1", null]);
    });
    expect((await b.cacheStats()).hits - s.hits).toBe(3);
    await a.update(table, { name: "new" }, { id: 1 });
    expect((await b.fetchMany<Item>(sql, [[1], [2]])).map((r) => r!.name)).toEqual(["new", "n2"]);
  });
});
