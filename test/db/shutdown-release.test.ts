/**
 * Graceful shutdown (runShutdownHooks: what `tina4 serve` runs after draining, and what every
 * testClient().close() runs) releases a database — rolls back, closes its pooled connections
 * and its query cache's backend — without ending it: a route module's `db` outlives the
 * shutdown of one test client, so its next use reopens it. Only the user's close() is final.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Database, DbErrorCode } from "../../runtime/db/index.js";
import { runShutdownHooks } from "../../runtime/lifecycle.js";
import { poolLevels } from "../../runtime/instruments.js";
import { makeTempDir } from "../ops/support.js";
import { serviceUrl } from "../support/services.js";
import { uniqueName } from "./helpers.js";

const dir = makeTempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opened: Database[] = [];
async function connect(url: string, options: Parameters<typeof Database.connect>[1] = {}): Promise<Database> {
  const db = await Database.connect(url, options);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
});

/** Connections `db`'s pool holds open (the /__metrics sampler's figure). */
function openConnections(database: string): number {
  return poolLevels().filter((level) => level.database === database).reduce((n, level) => n + level.open, 0);
}

async function closedCode(work: Promise<unknown>): Promise<string | undefined> {
  return work.then(() => undefined, (error: { code?: string }) => error.code);
}

describe("graceful shutdown and a SQLite database", () => {
  it("closes the file's connection, and the next query reopens it with the data", async () => {
    const file = join(dir, "release.db");
    const db = await connect(`sqlite:${file}`);
    await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    await db.insert("notes", { id: 1, body: "kept" });
    expect(openConnections("release.db")).toBe(1);
    await runShutdownHooks();
    expect(openConnections("release.db")).toBe(0);
    expect(await db.fetchOne("SELECT body FROM notes WHERE id = ?", [1])).toEqual({ body: "kept" });
    expect(openConnections("release.db")).toBe(1);
    // and again: the hook stays registered for the next shutdown
    await runShutdownHooks();
    expect(openConnections("release.db")).toBe(0);
    await db.insert("notes", { id: 2, body: "after" });
    expect((await db.fetch("SELECT id FROM notes ORDER BY id")).records).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("stays closed for good after the user's close(), before or after a shutdown", async () => {
    const before = await connect(`sqlite:${join(dir, "closed-before.db")}`);
    await before.close();
    await runShutdownHooks();
    expect(await closedCode(before.fetchOne("SELECT 1 AS one"))).toBe(DbErrorCode.CLOSED);

    const after = await connect(`sqlite:${join(dir, "closed-after.db")}`);
    await runShutdownHooks();
    await after.close();
    expect(openConnections("closed-after.db")).toBe(0);
    expect(await closedCode(after.fetchOne("SELECT 1 AS one"))).toBe(DbErrorCode.CLOSED);
    expect(await closedCode(after.fetch("SELECT 1 AS one"))).toBe(DbErrorCode.CLOSED);
    expect(await closedCode(after.execute("CREATE TABLE t (id INTEGER)"))).toBe(DbErrorCode.CLOSED);
    expect(await closedCode(after.transaction(async () => 1))).toBe(DbErrorCode.CLOSED);
    expect(await closedCode(after.startTransaction())).toBe(DbErrorCode.CLOSED);
    expect(await closedCode(after.getNextId("t"))).toBe(DbErrorCode.CLOSED);
    expect(openConnections("closed-after.db")).toBe(0);
  });

  it("rolls back a transaction left open, and startTransaction() afterwards opens one in the caller's context", async () => {
    const db = await connect(`sqlite:${join(dir, "tx.db")}`);
    await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY)");
    await db.startTransaction();
    await db.insert("items", { id: 1 });
    await runShutdownHooks();
    expect(db.inTransaction()).toBe(false);
    expect(await db.fetchOne("SELECT COUNT(*) AS n FROM items")).toEqual({ n: 0 });
    await runShutdownHooks();
    await db.startTransaction();
    expect(db.inTransaction()).toBe(true);
    await db.insert("items", { id: 2 });
    await db.rollback();
    expect(await db.fetchOne("SELECT COUNT(*) AS n FROM items")).toEqual({ n: 0 });
  });

  it("with autocommit off, a write after a shutdown still waits for commit()", async () => {
    const file = join(dir, "manual.db");
    const db = await connect(`sqlite:${file}`, { autocommit: false });
    await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY)");
    await db.commit();
    await runShutdownHooks();
    await db.insert("items", { id: 1 });
    expect(db.inTransaction()).toBe(true);
    const other = await connect(`sqlite:${file}`);
    expect(await other.fetchOne("SELECT COUNT(*) AS n FROM items", [], { cache: false })).toEqual({ n: 0 });
    await db.commit();
    expect(await other.fetchOne("SELECT COUNT(*) AS n FROM items", [], { cache: false })).toEqual({ n: 1 });
  });

  it("keeps sqlite::memory: and its data (closing its one connection would drop them)", async () => {
    const db = await connect("sqlite::memory:");
    await db.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY)");
    await db.insert("kept", { id: 7 });
    await runShutdownHooks();
    expect(await db.fetchOne("SELECT id FROM kept")).toEqual({ id: 7 });
  });
});

const postgres = serviceUrl("POSTGRES");
const redis = serviceUrl("REDIS");

describe.skipIf(!postgres)("graceful shutdown and a PostgreSQL database", () => {
  const database = postgres ? new URL(postgres).pathname.slice(1) : "";

  /** Server sessions still alive among `pids`. */
  async function alive(watch: Database, pids: number[]): Promise<number> {
    const row = await watch.fetchOne(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pid IN (${pids.map(() => "?").join(", ")})`, pids, { cache: false });
    return Number(row!.n);
  }

  it("ends the pool's server sessions, opens none while unused, and the next queries reopen the pool (pipelined)", async () => {
    const db = await connect(postgres!, { pool: 3 });
    // hold three connections at once so the pool opens all of them
    const pids = new Set<number>();
    await Promise.all([1, 2, 3].map(() => db.transaction(async () => {
      pids.add(Number((await db.fetchOne("SELECT pg_backend_pid() AS pid"))!.pid));
      await new Promise((resolve) => setTimeout(resolve, 50));
    })));
    expect(pids.size).toBe(3);
    await runShutdownHooks();
    const watch = await connect(postgres!, { pool: 1 });
    let left = await alive(watch, [...pids]);
    for (let i = 0; i < 50 && left > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = await alive(watch, [...pids]);
    }
    expect(left).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // nothing queried it since: nothing reconnected (a production shutdown ends here)
    const levels = poolLevels().filter((level) => level.database === database && level.max === 3);
    expect(levels.map((level) => level.open)).toEqual([0]);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => db.fetchOne<{ n: number }>("SELECT CAST(? AS INTEGER) AS n", [i], { cache: false })));
    expect(answers.map((row) => row!.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(poolLevels().filter((level) => level.database === database && level.max === 3)[0]!.open).toBeGreaterThan(0);
  });

  it.skipIf(!redis)("reopens the persistent query cache on its backend: hits again, and writes still invalidate", async () => {
    const table = uniqueName("rel");
    const db = await connect(postgres!, { queryCache: { request: false, persistent: true, backend: "redis", url: redis!, ttl: 60 } });
    await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, body TEXT)`);
    try {
      await db.insert(table, { id: 1, body: "first" });
      const read = () => db.fetchOne<{ body: string }>(`SELECT body FROM ${table} WHERE id = ?`, [1]);
      expect((await read())!.body).toBe("first");
      const before = await db.cacheStats();
      expect((await read())!.body).toBe("first");
      expect((await db.cacheStats()).hits).toBe(before.hits + 1);
      await runShutdownHooks();
      // the entry outlived the shutdown on Redis: a hit through the reopened backend
      expect((await read())!.body).toBe("first");
      const after = await db.cacheStats();
      expect(after).toMatchObject({ mode: "persistent", backend: "redis", hits: before.hits + 2 });
      await db.update(table, { body: "second" }, { id: 1 });
      expect((await read())!.body).toBe("second");
      expect((await read())!.body).toBe("second"); // cached again
      // a change the cache cannot see (another client, no query cache), then cacheClear() after a
      // shutdown: it must reach the backend (a generation bump that lands), not the closed one
      const other = await connect(postgres!, { queryCache: { request: false, persistent: false } });
      await runShutdownHooks();
      await other.update(table, { body: "third" }, { id: 1 });
      await db.cacheClear();
      expect((await read())!.body).toBe("third");
    } finally {
      await db.execute(`DROP TABLE IF EXISTS ${table}`);
    }
  });
});
