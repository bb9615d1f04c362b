/**
 * One behavioural suite every cache backend must pass. `open(namespace)` returns a cache of
 * the backend under test; the suite asserts it really is that backend (no silent fallback).
 */
import { afterAll, describe, expect, it } from "vitest";
import type { BackendName, CacheBackend } from "../../runtime/cache/index.js";
import { CacheErrorCode } from "../../runtime/cache/index.js";

export interface ConformanceTarget {
  backend: BackendName;
  /** Label in test names (e.g. "database (sqlite)"). */
  label?: string;
  open(namespace: string): Promise<CacheBackend>;
  /** memcached cannot count entries. */
  countsSize?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let sequence = 0;
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

export function conformance(target: ConformanceTarget): void {
  const opened: CacheBackend[] = [];
  const open = async (suffix: string): Promise<CacheBackend> => {
    const cache = await target.open(`t${run}-${++sequence}-${suffix}`);
    opened.push(cache);
    expect(cache.backend).toBe(target.backend);
    return cache;
  };

  describe(`cache conformance: ${target.label ?? target.backend}`, () => {
    afterAll(async () => {
      await Promise.all(opened.map(async (cache) => {
        await cache.clear();
        await cache.close();
      }));
    });

    it("tells a miss from a hit", async () => {
      const cache = await open("miss");
      expect(await cache.get("absent")).toEqual({ hit: false, value: undefined });
      await cache.set("present", "yes");
      expect(await cache.get("present")).toEqual({ hit: true, value: "yes" });
    });

    it("round-trips every JSON value type as itself", async () => {
      const cache = await open("types");
      const values: Record<string, unknown> = {
        null: null,
        zero: 0,
        empty: "",
        false: false,
        true: true,
        negative: -12.5,
        big: Number.MAX_SAFE_INTEGER,
        array: [1, "two", null, [false], {}],
        nested: { a: { b: { c: [1, 2, { d: "e" }] } }, n: null, z: 0, s: "" },
        unicode: "héllo wörld — 你好 — 🚀👩‍💻 — \u0000 \n\t \"quoted\" \\",
        "key with spaces / and ünïcode 🔑": "odd key",
      };
      await Promise.all(Object.entries(values).map(([key, value]) => cache.set(key, value)));
      for (const [key, value] of Object.entries(values)) {
        const found = await cache.get(key);
        expect(found, key).toEqual({ hit: true, value });
      }
      const long = "k".repeat(400);
      await cache.set(long, "long key");
      expect(await cache.get(long)).toEqual({ hit: true, value: "long key" });
    });

    it("getMany answers many keys in one call: in order, repeats allowed, a miss told from a stored null", async () => {
      const cache = await open("many");
      await Promise.all([cache.set("a", 1), cache.set("b", { x: [2] }), cache.set("n", null)]);
      const before = await cache.stats();
      expect(await cache.getMany(["b", "absent", "a", "n", "a"])).toEqual([
        { hit: true, value: { x: [2] } },
        { hit: false, value: undefined },
        { hit: true, value: 1 },
        { hit: true, value: null },
        { hit: true, value: 1 },
      ]);
      const after = await cache.stats();
      expect([after.hits - before.hits, after.misses - before.misses]).toEqual([4, 1]);
      expect(await cache.getMany([])).toEqual([]);
      await expect(cache.getMany(["a", ""])).rejects.toMatchObject({ code: CacheErrorCode.BAD_KEY });
    });

    it("overwrites an existing entry", async () => {
      const cache = await open("overwrite");
      await cache.set("k", { v: 1 });
      await cache.set("k", { v: 2 });
      expect(await cache.get("k")).toEqual({ hit: true, value: { v: 2 } });
      await cache.set("k", null);
      expect(await cache.get("k")).toEqual({ hit: true, value: null });
    });

    it("deletes an entry", async () => {
      const cache = await open("delete");
      await cache.set("k", 1);
      await cache.set("other", 2);
      expect(await cache.delete("k")).toBe(true);
      expect((await cache.get("k")).hit).toBe(false);
      expect(await cache.get("other")).toEqual({ hit: true, value: 2 });
      if (target.backend !== "memcached") expect(await cache.delete("k")).toBe(false);
    });

    it("expires entries after their TTL in seconds; 0 means no expiry", async () => {
      const cache = await open("ttl");
      await cache.set("short", "s", 1);
      await cache.set("forever", "f", 0);
      await cache.set("default", "d"); // default TTL 60 s
      expect(await cache.get("short")).toEqual({ hit: true, value: "s" });
      await sleep(1100);
      expect((await cache.get("short")).hit).toBe(false);
      expect(await cache.get("forever")).toEqual({ hit: true, value: "f" });
      expect(await cache.get("default")).toEqual({ hit: true, value: "d" });
      await cache.delete("forever");
    });

    it("clears only its own namespace", async () => {
      const a = await open("kv");
      const b = await open("response");
      const c = await open("dbcache");
      await Promise.all([a.set("same", "a"), b.set("same", "b"), c.set("same", "c"), a.set("a-only", 1)]);
      await a.clear();
      expect((await a.get("same")).hit).toBe(false);
      expect((await a.get("a-only")).hit).toBe(false);
      expect(await b.get("same")).toEqual({ hit: true, value: "b" });
      expect(await c.get("same")).toEqual({ hit: true, value: "c" });
      await a.set("after-clear", true);
      expect(await a.get("after-clear")).toEqual({ hit: true, value: true });
    });

    it("stores large values (~1 MB string and a base64 body)", async () => {
      const cache = await open("large");
      const text = "ünïcødé-🚀-".repeat(80_000); // ~1.3 MB of UTF-8
      const body = Buffer.alloc(768 * 1024, 7).toString("base64"); // ~1 MB
      await cache.set("text", text);
      await cache.set("response", { status: 200, headers: { "content-type": "application/octet-stream" }, body });
      const gotText = await cache.get<string>("text");
      expect(gotText.hit && gotText.value === text).toBe(true);
      const got = await cache.get<{ status: number; body: string }>("response");
      expect(got.hit).toBe(true);
      expect(got.value?.status).toBe(200);
      expect(got.value?.body === body).toBe(true);
    });

    it("handles concurrent sets and gets", async () => {
      const cache = await open("concurrent");
      const keys = Array.from({ length: 150 }, (_, i) => `key-${i}`);
      await Promise.all(keys.map((key, i) => cache.set(key, { i, tag: key })));
      const found = await Promise.all(keys.map((key) => cache.get(key)));
      found.forEach((entry, i) => expect(entry).toEqual({ hit: true, value: { i, tag: `key-${i}` } }));
      await Promise.all(Array.from({ length: 40 }, (_, i) => cache.set("contended", i)));
      const last = await cache.get<number>("contended");
      expect(last.hit).toBe(true);
      expect(typeof last.value).toBe("number");
    });

    it("incr counts atomically: 1, 2, 3 in order and exactly N for N concurrent increments", async () => {
      const cache = await open("incr");
      expect(await cache.incr("hits", 60)).toBe(1);
      expect(await cache.incr("hits", 60)).toBe(2);
      expect(await cache.incr("hits", 60)).toBe(3);
      expect(await cache.incr("other", 60)).toBe(1);
      const counts = await Promise.all(Array.from({ length: 40 }, () => cache.incr("burst", 60)));
      // every caller saw a different count: none lost, none doubled
      expect([...counts].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      await expect(cache.incr("", 1)).rejects.toMatchObject({ code: CacheErrorCode.BAD_KEY });
      await expect(cache.incr("k", -1)).rejects.toMatchObject({ code: CacheErrorCode.BAD_TTL });
    });

    it("incr keeps the first expiry (a fixed window) and restarts at 1 once it has passed", async () => {
      const cache = await open("incr-ttl");
      // 1 s; memcached rounds up to whole seconds of its own clock plus one (never early, up to 2 s late)
      expect(await cache.incr("w", 1)).toBe(1);
      await sleep(500);
      expect(await cache.incr("w", 1)).toBe(2); // does not push the expiry out
      await sleep(2700);
      expect(await cache.incr("w", 1)).toBe(1);
      expect(await cache.incr("w", 1)).toBe(2);
      await cache.clear();
      expect(await cache.incr("w", 60)).toBe(1);
    });

    it("reports stats", async () => {
      const cache = await open("stats");
      await cache.set("a", 1);
      await cache.set("b", 2);
      await cache.get("a");
      await cache.get("missing");
      const stats = await cache.stats();
      expect(stats).toMatchObject({ backend: target.backend, namespace: cache.namespace, hits: 1, misses: 1, errors: 0 });
      if (target.countsSize === false) expect(stats.size).toBeNull();
      else expect(stats.size).toBe(2);
    });

    it("rejects misuse with coded errors", async () => {
      const cache = await open("misuse");
      await expect(cache.get("")).rejects.toMatchObject({ code: CacheErrorCode.BAD_KEY });
      await expect(cache.set("k", 1, -1)).rejects.toMatchObject({ code: CacheErrorCode.BAD_TTL });
      await expect(cache.set("k", Number.NaN as unknown as number, Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: CacheErrorCode.BAD_TTL });
      await expect(cache.set("k", undefined)).rejects.toMatchObject({ code: CacheErrorCode.UNSERIALIZABLE });
      await expect(cache.set("k", 10n)).rejects.toMatchObject({ code: CacheErrorCode.UNSERIALIZABLE });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(cache.set("k", cyclic)).rejects.toMatchObject({ code: CacheErrorCode.UNSERIALIZABLE });
      expect((await cache.get("k")).hit).toBe(false);
    });
  });
}
