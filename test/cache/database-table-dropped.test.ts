/**
 * The database cache backend after its table was dropped under it (`tina4 migrate:fresh` while
 * `tina4 serve` runs: it drops tina4_cache, where sessions live with TINA4_CACHE_BACKEND=database).
 * The store creates the table again at the next call instead of failing every call until restart.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { closeAllCaches, createCache } from "../../runtime/cache/index.js";
import { ENGINES, engineAvailable, freshDatabase, type FreshDatabase } from "../migrate/engines.js";
import { tempDir } from "../support/cli.js";

const dropped: FreshDatabase[] = [];
afterAll(async () => {
  await closeAllCaches();
  for (const fresh of dropped) await fresh.drop();
});

describe.each(ENGINES.filter((engine) => engineAvailable(engine)))("database cache on %s", (engine) => {
  it("creates tina4_cache again when it was dropped while the cache was open (strict, as sessions use it)", async () => {
    const fresh = await freshDatabase(engine, "cachedrop");
    dropped.push(fresh);
    const cache = await createCache({ backend: "database", url: fresh.url, namespace: "session", dir: tempDir("tina4-cachedrop-"), strict: true, timeoutMs: 5000 });
    await cache.set("before", "one");
    expect(await cache.get("before")).toEqual({ hit: true, value: "one" });

    const db = await Database.connect(fresh.url);
    try {
      await db.execute("DROP TABLE tina4_cache");
      expect(await db.tableExists("tina4_cache")).toBe(false);

      expect((await cache.get("before")).hit).toBe(false); // gone with the table, not an error
      await cache.set("after", "two");
      expect(await cache.get("after")).toEqual({ hit: true, value: "two" });
      expect(await db.tableExists("tina4_cache")).toBe(true);

      await db.execute("DROP TABLE tina4_cache");
      expect(await cache.incr("count", 60)).toBe(1);
      await db.execute("DROP TABLE tina4_cache");
      expect(await cache.delete("count")).toBe(false);
      await db.execute("DROP TABLE tina4_cache");
      await cache.clear();
      expect(await db.tableExists("tina4_cache")).toBe(true);
    } finally {
      await db.close();
    }
  });
});
