/**
 * The persistent query cache stored in a database table, configured the way an app does it
 * (TINA4_DB_CACHE=true, TINA4_DB_CACHE_BACKEND=database). The cache table lives in a
 * Database of its own; that Database must not try to open a query cache of its own again
 * (it used to wait on itself forever inside Database.connect()).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "../../runtime/db/index.js";
import { closeAllCaches } from "../../runtime/cache/index.js";
import { serviceUrl } from "../support/services.js";
import { DDL, uniqueName } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t4-qcache-dbstore-"));
const VARS = ["TINA4_DB_CACHE", "TINA4_DB_CACHE_BACKEND", "TINA4_DB_CACHE_URL", "TINA4_CACHE_DIR"] as const;
const saved = Object.fromEntries(VARS.map((name) => [name, process.env[name]]));

afterEach(async () => {
  for (const name of VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await closeAllCaches();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rejects instead of hanging the suite when `work` never settles. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const engines: Array<["sqlite" | "postgres", string | undefined]> = [
  ["sqlite", `sqlite:${join(dir, "app.db")}`],
  ["postgres", serviceUrl("POSTGRES")],
];

describe.each(engines)("TINA4_DB_CACHE_BACKEND=database on %s", (engine, url) => {
  it.skipIf(!url)("Database.connect() returns; reads are cached in the tina4_cache table and a write invalidates them", async () => {
    process.env.TINA4_DB_CACHE = "true";
    process.env.TINA4_DB_CACHE_BACKEND = "database";
    process.env.TINA4_DB_CACHE_URL = url!;
    process.env.TINA4_CACHE_DIR = join(dir, "file-cache"); // where a fallback would write
    const db = await within(10_000, "Database.connect() with the database cache backend", Database.connect(url!));
    const table = uniqueName("qcdb");
    try {
      await db.execute(`CREATE TABLE ${table} (id ${DDL[engine].int} NOT NULL PRIMARY KEY, name ${DDL[engine].text})`);
      await db.insert(table, { id: 1, name: "one" });
      const read = () => db.fetchOne(`SELECT name FROM ${table} WHERE id = ?`, [1]);
      expect(await read()).toEqual({ name: "one" });
      expect(await read()).toEqual({ name: "one" });
      const stats = await db.cacheStats();
      expect(stats).toMatchObject({ enabled: true, mode: "persistent", backend: "database", hits: 1, misses: 1 });
      expect(stats.size).toBeGreaterThan(0);
      // the entries really live in the cache table (in the dbcache namespace)
      const stored = await db.fetchOne("SELECT COUNT(*) AS n FROM tina4_cache WHERE cache_ns = ?", ["dbcache"], { cache: false });
      expect(Number(stored?.n)).toBeGreaterThan(0);
      await db.update(table, { name: "uno" }, { id: 1 });
      expect(await read()).toEqual({ name: "uno" });
    } finally {
      await db.execute(`DROP TABLE ${table}`).catch(() => undefined);
      await db.close();
    }
  });
});
