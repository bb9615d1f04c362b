/** Startup problems: unreachable server → one warning and a file cache; unknown name → coded error. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../runtime/log.js";
import { CacheError, CacheErrorCode, closeAllCaches, closeCache, createCache, kvCache, readCacheConfig } from "../../runtime/cache/index.js";
import { freePort } from "./private-server.js";

const dir = mkdtempSync(join(tmpdir(), "tina4-cache-fallback-"));
const saved = { ...process.env };

afterEach(async () => {
  vi.restoreAllMocks();
  await closeCache();
  for (const key of Object.keys(process.env)) if (key.startsWith("TINA4_CACHE_") && !(key in saved)) delete process.env[key];
});
afterAll(async () => {
  await closeAllCaches();
  rmSync(dir, { recursive: true, force: true });
});

function fallbackWarnings(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.map(([message]) => String(message)).filter((message) => message.includes("falling back to the file cache"));
}

describe("unreachable server at start", () => {
  it.each(["redis", "valkey", "memcached"] as const)("%s: falls back to file with one warning", async (backend) => {
    const port = await freePort(backend === "memcached" ? 56640 : backend === "redis" ? 56540 : 56590);
    const url = backend === "memcached" ? `memcached://127.0.0.1:${port}` : `redis://user:secret@127.0.0.1:${port}`;
    const warn = vi.spyOn(log, "warn");
    const started = Date.now();
    const kv = await createCache({ backend, url, namespace: "kv", dir, connectTimeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(kv.backend).toBe("file");
    const response = await createCache({ backend, url, namespace: "response", dir, connectTimeoutMs: 500 });
    expect(response.backend).toBe("file");

    const warnings = fallbackWarnings(warn);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cache backend ${backend} unavailable at start`);
    expect(warnings[0]).not.toContain("secret");

    // the fallback is a working, namespaced cache
    await kv.set("k", null);
    await response.set("k", "page");
    expect(await kv.get("k")).toEqual({ hit: true, value: null });
    await kv.clear();
    expect((await kv.get("k")).hit).toBe(false);
    expect(await response.get("k")).toEqual({ hit: true, value: "page" });
  });

  it("the KV API falls back too when configured from the environment", async () => {
    const port = await freePort(56690);
    process.env.TINA4_CACHE_BACKEND = "redis";
    process.env.TINA4_CACHE_URL = `redis://127.0.0.1:${port}`;
    process.env.TINA4_CACHE_DIR = dir;
    process.env.TINA4_CACHE_CONNECT_TIMEOUT_MS = "500";
    const warn = vi.spyOn(log, "warn");
    const cache = await kvCache();
    expect(cache.backend).toBe("file");
    expect(fallbackWarnings(warn)).toHaveLength(1);
  });
});

describe("configuration errors", () => {
  it("an unknown backend name is a coded error listing the valid ones", async () => {
    const error = await createCache({ backend: "reddis" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheError);
    expect(error).toMatchObject({ code: CacheErrorCode.UNKNOWN_BACKEND });
    for (const name of ["memory", "file", "redis", "valkey", "memcached", "mongodb", "database"]) {
      expect((error as Error).message).toContain(name);
    }
  });

  it("TINA4_CACHE_BACKEND is validated at startup and by the KV API", async () => {
    process.env.TINA4_CACHE_BACKEND = "nosuch";
    expect(() => readCacheConfig()).toThrow(expect.objectContaining({ code: CacheErrorCode.UNKNOWN_BACKEND }));
    await expect(kvCache()).rejects.toMatchObject({ code: CacheErrorCode.UNKNOWN_BACKEND });
    // an explicit backend option does not trip over the bad env value
    const cache = await createCache({ backend: "memory", namespace: "explicit" });
    expect(cache.backend).toBe("memory");
    process.env.TINA4_CACHE_BACKEND = "Memory";
    expect((await kvCache()).backend).toBe("memory");
  });

  it("reads defaults and overrides from the environment", () => {
    expect(readCacheConfig()).toMatchObject({ backend: "memory", ttl: 60, maxEntries: 1000, dir: "data/cache", timeoutMs: 250 });
    process.env.TINA4_CACHE_TTL = "5";
    process.env.TINA4_CACHE_MAX_ENTRIES = "10";
    process.env.TINA4_CACHE_BACKEND = "file";
    expect(readCacheConfig()).toMatchObject({ backend: "file", ttl: 5, maxEntries: 10 });
  });

  it("bad URLs and namespaces are coded errors, not fallbacks", async () => {
    await expect(createCache({ backend: "redis", url: "http://127.0.0.1:1" })).rejects.toMatchObject({ code: CacheErrorCode.BAD_URL });
    await expect(createCache({ backend: "memcached", url: "127.0.0.1:11211/x/y" })).rejects.toMatchObject({ code: CacheErrorCode.BAD_URL });
    await expect(createCache({ backend: "mongodb", url: "redis://x" })).rejects.toMatchObject({ code: CacheErrorCode.BAD_URL });
    await expect(createCache({ namespace: "a:b" })).rejects.toMatchObject({ code: CacheErrorCode.BAD_NAMESPACE });
    await expect(createCache({ namespace: "" })).rejects.toMatchObject({ code: CacheErrorCode.BAD_NAMESPACE });
    await expect(createCache({ ttl: -5 })).rejects.toMatchObject({ code: CacheErrorCode.BAD_TTL });
  });
});
