/**
 * getMany beyond the conformance suite (which runs it on every backend, redis and valkey
 * included): one round trip on redis (counted by a private server itself), a failing server reads as misses and counts as one failure, and the KV API's
 * cacheGetMany.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createClient } from "redis";
import { log } from "../../runtime/log.js";
import { StoreBackend, type CacheStore } from "../../runtime/cache/backend.js";
import { ResilientStore } from "../../runtime/cache/resilient.js";
import { cacheGetMany, cacheSet, closeAllCaches, closeCache, createCache, CacheErrorCode } from "../../runtime/cache/index.js";
import { skipUnlessAvailable } from "../support/services.js";
import { freePort, PrivateServer, serverInstalled } from "./private-server.js";

afterEach(async () => {
  vi.restoreAllMocks();
  await closeCache();
});
afterAll(() => closeAllCaches());

// Skipped only locally without redis-server (skipUnlessAvailable throws under TINA4_TEST_SERVICES=required).
// A private redis-server: the shared one serves other tests at the same time, whose commands
// would show in the server's command counts.
describe.skipIf(skipUnlessAvailable(serverInstalled("redis-server"), "redis-server is not installed"))("getMany on redis", () => {
  let server: PrivateServer;
  let url: string;
  beforeAll(async () => {
    server = new PrivateServer("redis", await freePort(56560));
    await server.start();
    url = `redis://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.stop());

  /** How many times the server ran `command` so far (INFO commandstats). */
  async function served(command: string): Promise<number> {
    const client = createClient({ url });
    await client.connect();
    try {
      const info = await client.info("commandstats");
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    } finally {
      await client.close();
    }
  }

  it("asks the server once (one MGET, no GET) for all keys", async () => {
    const cache = await createCache({ backend: "redis", url, namespace: "many" });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => cache.set(`k${i}`, { i })));
      const [mgetBefore, getBefore] = [await served("mget"), await served("get")];
      const found = await cache.getMany(Array.from({ length: 21 }, (_, i) => `k${i}`));
      const [mgetAfter, getAfter] = [await served("mget"), await served("get")];
      expect(found.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => ({ hit: true, value: { i } })));
      expect(found[20]).toEqual({ hit: false, value: undefined });
      expect(mgetAfter - mgetBefore).toBe(1);
      expect(getAfter - getBefore).toBe(0);
    } finally {
      await cache.close();
    }
  });
});

/** A server that fails every call (after `up` is false). */
class FailingStore implements CacheStore {
  readonly backend = "redis" as const;
  readonly namespace = "kv";
  up = true;
  manyCalls = 0;
  #data = new Map<string, string>([["a", "1"]]);
  get(key: string): Promise<string | undefined> {
    return this.up ? Promise.resolve(this.#data.get(key)) : Promise.reject(new Error("ECONNRESET"));
  }
  getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    this.manyCalls++;
    return this.up ? Promise.resolve(keys.map((key) => this.#data.get(key))) : Promise.reject(new Error("ECONNRESET"));
  }
  async set(): Promise<void> {}
  async delete(): Promise<boolean> { return false; }
  async clear(): Promise<void> {}
  async size(): Promise<number> { return this.#data.size; }
  async incr(): Promise<number> { return 1; }
  async close(): Promise<void> {}
}

describe("getMany through the resilient wrapper", () => {
  it("uses the store's own getMany; a failing server reads as misses, counted as one failure", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const inner = new FailingStore();
    const cache = new StoreBackend(new ResilientStore(inner, { timeoutMs: 100, breakerMs: 0, label: "many" }), 60);
    expect(await cache.getMany(["a", "b"])).toEqual([{ hit: true, value: 1 }, { hit: false, value: undefined }]);
    expect(inner.manyCalls).toBe(1);
    inner.up = false;
    expect(await cache.getMany(["a", "b"])).toEqual([{ hit: false, value: undefined }, { hit: false, value: undefined }]);
    expect(cache.failures).toBe(1);
  });
});

describe("cacheGetMany (KV API)", () => {
  it("returns the values in the order of the keys, undefined for each miss", async () => {
    await cacheSet("gm-a", { a: 1 });
    await cacheSet("gm-null", null);
    expect(await cacheGetMany(["gm-null", "gm-absent", "gm-a"])).toEqual([null, undefined, { a: 1 }]);
    await expect(cacheGetMany([""])).rejects.toMatchObject({ code: CacheErrorCode.BAD_KEY });
  });
});
