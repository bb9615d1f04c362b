/** What docs/cache.md tells apps to import from "tina4" is exported there and does what it says. */
import { describe, expect, it } from "vitest";
import * as tina4 from "../../runtime/index.js";

describe("cache API exported from tina4", () => {
  it("exports every function docs/cache.md names", () => {
    for (const name of ["cacheGet", "cacheGetMany", "cacheSet", "cacheDelete", "cacheClear", "cacheStats", "remember", "configureCache", "closeCache", "closeAllCaches", "createCache"]) {
      expect(typeof (tina4 as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("closeAllCaches closes a cache a consumer created: a closed cache answers misses", async () => {
    const cache = await tina4.createCache({ backend: "memory", namespace: "public-api" });
    await cache.set("k", 1);
    expect(await cache.get("k")).toEqual({ hit: true, value: 1 });
    await tina4.closeAllCaches();
    expect((await cache.get("k")).hit).toBe(false);
  });
});
