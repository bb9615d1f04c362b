/**
 * TINA4_DB_CACHE=true in an app whose cache is on Redis (TINA4_CACHE_BACKEND + TINA4_CACHE_URL,
 * no TINA4_DB_CACHE_* of its own) caches queries in that Redis, like sessions and rate limits:
 * a write by another process (another instance) invalidates what this one cached. Before, the
 * query cache stayed in each process's memory and served the old rows for its TTL.
 * Real PostgreSQL and Redis; the writer is a separate Node process on the built runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Database } from "../../runtime/db/index.js";
import { readQueryCacheConfig } from "../../runtime/db/query-cache/config.js";
import { repoRoot } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";
import { uniqueName } from "./helpers.js";

const pgUrl = serviceUrl("POSTGRES");
const redisUrl = serviceUrl("REDIS");
const table = uniqueName("qcf");
const saved: Record<string, string | undefined> = {};
const env = (): Record<string, string> => ({ TINA4_CACHE_BACKEND: "redis", TINA4_CACHE_URL: redisUrl!, TINA4_DB_CACHE: "true" });

// Skipped only locally when a server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
describe.skipIf(!pgUrl || !redisUrl)("the persistent query cache follows the cache backend", () => {
  let db: Database;
  beforeAll(async () => {
    for (const [key, value] of Object.entries(env())) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    for (const key of ["TINA4_DB_CACHE_BACKEND", "TINA4_DB_CACHE_URL"]) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    db = await Database.connect(pgUrl!);
    await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(20))`);
    await db.insert(table, { id: 1, name: "before" });
  });
  afterAll(async () => {
    await db?.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db?.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("reads TINA4_CACHE_BACKEND/TINA4_CACHE_URL when the query cache has no backend of its own; its own settings still win", () => {
    expect(readQueryCacheConfig()).toMatchObject({ persistent: true, backend: "redis", url: redisUrl });
    process.env.TINA4_DB_CACHE_BACKEND = "memory";
    try {
      expect(readQueryCacheConfig()).toMatchObject({ backend: "memory", url: undefined });
    } finally {
      delete process.env.TINA4_DB_CACHE_BACKEND;
    }
  });

  it("a write by another process invalidates this process's cached read", async () => {
    expect(db.engine).toBe("postgres");
    const sql = `SELECT name FROM ${table} WHERE id = ?`;
    expect((await db.fetchOne(sql, [1]))?.name).toBe("before");
    const cached = await db.fetchOne(sql, [1]);
    expect(cached?.name).toBe("before");
    const stats = await db.cacheStats();
    expect(stats).toMatchObject({ mode: "persistent", backend: "redis" });
    expect(stats.hits).toBeGreaterThanOrEqual(1);

    const writer = [
      `const { Database } = await import(${JSON.stringify(join(repoRoot, "dist", "runtime", "index.js"))});`,
      `const db = await Database.connect(${JSON.stringify(pgUrl)});`,
      `await db.update(${JSON.stringify(table)}, { name: "after" }, { id: 1 });`,
      "await db.close();",
    ].join("\n");
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", writer], { env: { ...process.env, ...env() }, encoding: "utf8", timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);

    expect((await db.fetchOne(sql, [1]))?.name).toBe("after");
  });
});
