/** The resilient wrapper on its own: timeouts, breaker, misuse passthrough, outage classification. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../runtime/log.js";
import { StoreBackend, type CacheStore } from "../../runtime/cache/backend.js";
import { CacheError, CacheErrorCode } from "../../runtime/cache/index.js";
import { ResilientStore } from "../../runtime/cache/resilient.js";
import { createCache } from "../../runtime/cache/factory.js";

afterEach(() => vi.restoreAllMocks());

class ScriptedStore implements CacheStore {
  readonly backend = "redis" as const;
  readonly namespace = "kv";
  calls = 0;
  constructor(private behaviour: () => Promise<string | undefined>) {}
  get(): Promise<string | undefined> { this.calls++; return this.behaviour(); }
  async set(): Promise<void> { this.calls++; await this.behaviour(); }
  async delete(): Promise<boolean> { this.calls++; await this.behaviour(); return true; }
  async clear(): Promise<void> { this.calls++; await this.behaviour(); }
  async size(): Promise<number> { this.calls++; await this.behaviour(); return 1; }
  async incr(): Promise<number> { this.calls++; await this.behaviour(); return 1; }
  close(): Promise<void> { return new Promise(() => undefined); } // never settles
}

describe("ResilientStore", () => {
  it("bounds a hanging call, then short-circuits while the breaker is open, then probes again", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const inner = new ScriptedStore(() => new Promise(() => undefined));
    const store = new ResilientStore(inner, { timeoutMs: 50, breakerMs: 200, label: "test" });
    const started = performance.now();
    expect(await store.get("k")).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(await store.get("k")).toBeUndefined();
    expect(await store.delete("k")).toBe(false);
    expect(await store.size()).toBeNull();
    expect(inner.calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 210));
    await store.set("k", "v", 0);
    expect(inner.calls).toBe(2);
    expect(store.failures).toBe(2);
  });

  it("the cache on top reports absorbed failures as its health signal (a degraded miss is not a plain miss)", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    let up = true;
    const inner = new ScriptedStore(() => (up ? Promise.resolve(undefined) : Promise.reject(new Error("ECONNRESET"))));
    const cache = new StoreBackend(new ResilientStore(inner, { timeoutMs: 100, breakerMs: 0, label: "health" }), 60);
    expect((await cache.get("k")).hit).toBe(false);
    expect(cache.failures).toBe(0);
    up = false;
    expect((await cache.get("k")).hit).toBe(false);
    await cache.set("k", 1);
    expect(cache.failures).toBe(2);
    expect((await cache.stats()).errors).toBe(3); // size() failed too
    const memory = await createCache({ backend: "memory", namespace: "health" });
    await memory.get("k");
    expect(memory.failures).toBe(0);
    await memory.close();
  });

  it("does not open the breaker for failures that are not outages", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const inner = new ScriptedStore(() => Promise.reject(new Error("lock conflict")));
    const store = new ResilientStore(inner, { timeoutMs: 100, label: "db", isOutage: () => false });
    await store.get("a");
    await store.get("b");
    expect(inner.calls).toBe(2);
  });

  it("passes misuse errors through and rate-limits warnings", async () => {
    const warn = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const misuse = new ResilientStore(new ScriptedStore(() => Promise.reject(new CacheError(CacheErrorCode.BAD_KEY, "bad"))), { timeoutMs: 100, label: "m" });
    await expect(misuse.get("k")).rejects.toMatchObject({ code: CacheErrorCode.BAD_KEY });
    const failing = new ResilientStore(new ScriptedStore(() => Promise.reject(new Error("ECONNREFUSED"))), { timeoutMs: 100, breakerMs: 0, label: `rl-${Date.now()}` });
    for (let i = 0; i < 5; i++) await failing.get("k");
    expect(warn.mock.calls.filter(([m]) => String(m).includes("ECONNREFUSED"))).toHaveLength(1);
    expect(failing.failures).toBe(5);
  });

  it("strict: a failure rejects with T4_ERR_CACHE_UNAVAILABLE (no silent miss), also while the breaker is open", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const inner = new ScriptedStore(() => Promise.reject(new Error("ECONNRESET")));
    const store = new ResilientStore(inner, { timeoutMs: 100, breakerMs: 10_000, label: "s", strict: true });
    await expect(store.get("k")).rejects.toMatchObject({ code: CacheErrorCode.UNAVAILABLE });
    await expect(store.set("k", "v", 0)).rejects.toMatchObject({ code: CacheErrorCode.UNAVAILABLE });
    await expect(store.incr("k", 1000)).rejects.toMatchObject({ code: CacheErrorCode.UNAVAILABLE });
    expect(inner.calls).toBe(1);
    // the same failure without strict is a miss
    const lenient = new ResilientStore(new ScriptedStore(() => Promise.reject(new Error("ECONNRESET"))), { timeoutMs: 100, label: "l" });
    expect(await lenient.get("k")).toBeUndefined();
    expect(await lenient.incr("k", 1000)).toBeUndefined();
  });

  it("strict createCache: a server unreachable at start rejects (no fallback to the file cache)", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    await expect(createCache({ backend: "redis", url: "redis://127.0.0.1:1", namespace: "strict", strict: true, connectTimeoutMs: 300 }))
      .rejects.toMatchObject({ code: CacheErrorCode.UNREACHABLE });
    const lenient = await createCache({ backend: "redis", url: "redis://127.0.0.1:1", namespace: "strict", connectTimeoutMs: 300, dir: "/tmp/tina4-strict-test" });
    expect(lenient.backend).toBe("file");
    await lenient.close();
  });

  it("close() is bounded even when the client never answers", async () => {
    const store = new ResilientStore(new ScriptedStore(() => Promise.resolve(undefined)), { timeoutMs: 10, bulkTimeoutMs: 50, label: "c" });
    const started = performance.now();
    await store.close();
    expect(performance.now() - started).toBeLessThan(500);
  });
});
