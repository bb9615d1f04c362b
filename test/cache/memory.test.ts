/** Memory backend specifics: LRU bound, per-namespace isolation, shared map per namespace, copy semantics. */
import { describe, expect, it } from "vitest";
import { createCache } from "../../runtime/cache/index.js";

describe("memory backend", () => {
  it("evicts the least recently used entry beyond maxEntries", async () => {
    const cache = await createCache({ backend: "memory", namespace: "lru", maxEntries: 3 });
    await cache.set("a", 1);
    await cache.set("b", 2);
    await cache.set("c", 3);
    await cache.get("a"); // a is now most recent; b is the oldest
    await cache.set("d", 4);
    expect((await cache.get("b")).hit).toBe(false);
    for (const key of ["a", "c", "d"]) expect((await cache.get(key)).hit).toBe(true);
    expect((await cache.stats()).size).toBe(3);
  });

  it("keeps a frequently read entry while newer ones push older ones out", async () => {
    const cache = await createCache({ backend: "memory", namespace: "lru-hot", maxEntries: 10 });
    await cache.set("hot", 0);
    for (let i = 0; i < 50; i++) {
      await cache.set(`k${i}`, i);
      expect((await cache.get("hot")).hit, `after k${i}`).toBe(true);
    }
    expect((await cache.stats()).size).toBe(10);
    expect((await cache.get("k0")).hit).toBe(false);
    expect((await cache.get("k49")).hit).toBe(true);
  });

  it("peek() answers synchronously with the same result and counts like get()", async () => {
    const cache = await createCache({ backend: "memory", namespace: "peek" });
    await cache.set("k", { a: 1 });
    await cache.set("nothing", null);
    expect(cache.peek("k")).toEqual({ hit: true, value: { a: 1 } });
    expect(cache.peek("nothing")).toEqual({ hit: true, value: null });
    expect(cache.peek("absent")).toEqual({ hit: false, value: undefined });
    await cache.set("short", 1, 0.02);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.peek("short")?.hit).toBe(false);
    expect(await cache.stats()).toMatchObject({ hits: 2, misses: 2 });
    await expect(async () => cache.peek("")).rejects.toThrow(/non-empty/);
  });

  it("reads TINA4_CACHE_MAX_ENTRIES", async () => {
    process.env.TINA4_CACHE_MAX_ENTRIES = "2";
    try {
      const cache = await createCache({ backend: "memory", namespace: "lru-env" });
      await cache.set("a", 1);
      await cache.set("b", 2);
      await cache.set("c", 3);
      expect((await cache.stats()).size).toBe(2);
      expect((await cache.get("a")).hit).toBe(false);
    } finally {
      delete process.env.TINA4_CACHE_MAX_ENTRIES;
    }
  });

  it("instances of one namespace share entries; namespaces are isolated", async () => {
    const kv1 = await createCache({ backend: "memory", namespace: "iso-kv" });
    const kv2 = await createCache({ backend: "memory", namespace: "iso-kv" });
    const response = await createCache({ backend: "memory", namespace: "iso-response" });
    await kv1.set("k", "kv");
    await response.set("k", "response");
    expect(await kv2.get("k")).toEqual({ hit: true, value: "kv" });
    await kv2.clear();
    expect((await kv1.get("k")).hit).toBe(false);
    expect(await response.get("k")).toEqual({ hit: true, value: "response" });
  });

  it("stores a copy: mutating a value after set or get does not change the cache", async () => {
    const cache = await createCache({ backend: "memory", namespace: "copy" });
    const value = { list: [1] };
    await cache.set("k", value);
    value.list.push(2);
    const first = await cache.get<{ list: number[] }>("k");
    first.value?.list.push(3);
    expect(await cache.get("k")).toEqual({ hit: true, value: { list: [1] } });
  });

  it("a closed cache reads as a miss and ignores writes", async () => {
    const cache = await createCache({ backend: "memory", namespace: "closed" });
    await cache.set("k", 1);
    await cache.close();
    expect((await cache.get("k")).hit).toBe(false);
    await expect(cache.set("k", 2)).resolves.toBeUndefined();
    const again = await createCache({ backend: "memory", namespace: "closed" });
    expect(await again.get("k")).toEqual({ hit: true, value: 1 });
  });
});
