/**
 * A network cache that loses its server mid-run: calls degrade to misses within the bounded
 * timeout, never throw, warn at a limited rate, and hits resume on the SAME cache object
 * when the server comes back. Uses private servers so the shared ones are never disturbed.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../runtime/log.js";
import { closeAllCaches, createCache, type CacheBackend } from "../../runtime/cache/index.js";
import { PrivateServer, freePort } from "./private-server.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const servers: PrivateServer[] = [];

afterAll(async () => {
  await closeAllCaches();
  await Promise.all(servers.map((server) => server.stop()));
});
afterEach(() => vi.restoreAllMocks());

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

/** Sets and reads `key` until it hits (the client reconnects in the background). */
async function waitForHit(cache: CacheBackend, key: string, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    await cache.set(key, "back");
    if ((await cache.get(key)).hit) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`no hit within ${withinMs} ms`);
}

describe.each([
  ["redis", 56390],
  ["memcached", 56440],
] as const)("%s outage", (kind, basePort) => {
  it("degrades to bounded misses while the server is gone and recovers without a new cache", async () => {
    const port = await freePort(basePort);
    const server = new PrivateServer(kind, port);
    servers.push(server);
    await server.start();
    const url = kind === "redis" ? `redis://127.0.0.1:${port}` : `memcached://127.0.0.1:${port}`;
    const cache = await createCache({ backend: kind, url, namespace: "kv", timeoutMs: 250 });
    expect(cache.backend).toBe(kind);
    await cache.set("k", { v: 1 });
    expect(await cache.get("k")).toEqual({ hit: true, value: { v: 1 } });

    const warn = vi.spyOn(log, "warn");
    await server.signal("SIGKILL");

    for (let i = 0; i < 15; i++) {
      const read = await timed(cache.get("k"));
      expect(read.value.hit).toBe(false);
      expect(read.ms).toBeLessThan(400);
      const write = await timed(cache.set("k", i));
      expect(write.ms).toBeLessThan(400);
      await expect(cache.delete("k")).resolves.toBe(false);
      await sleep(90); // ~1.4 s in all: spans breaker re-probes against the dead server
    }
    await expect(cache.clear()).resolves.toBeUndefined();
    const down = await cache.stats();
    expect(down.errors).toBeGreaterThan(0);
    expect(warn.mock.calls.filter(([m]) => String(m).includes(`cache ${kind}`)).length).toBe(1);

    await server.start(); // same port, empty data
    const recoveredIn = await waitForHit(cache, "k", 6000);
    expect(recoveredIn).toBeLessThan(6000);
    expect(await cache.get("k")).toEqual({ hit: true, value: "back" });
  });
});

describe("redis that hangs (SIGSTOP)", () => {
  it("bounds each call by the timeout, then recovers on SIGCONT", async () => {
    const port = await freePort(56490);
    const server = new PrivateServer("redis", port);
    servers.push(server);
    await server.start();
    const cache = await createCache({ backend: "redis", url: `redis://127.0.0.1:${port}`, namespace: "response", timeoutMs: 200 });
    expect(cache.backend).toBe("redis"); // not a file-cache fallback
    await cache.set("page", "<html>");
    expect((await cache.get("page")).hit).toBe(true);

    await server.signal("SIGSTOP");
    const first = await timed(cache.get("page"));
    expect(first.value.hit).toBe(false);
    expect(first.ms).toBeGreaterThanOrEqual(150);
    expect(first.ms).toBeLessThan(450);
    // breaker open: the next calls do not wait out the timeout again
    const second = await timed(cache.get("page"));
    expect(second.value.hit).toBe(false);
    expect(second.ms).toBeLessThan(50);

    await server.signal("SIGCONT");
    await waitForHit(cache, "page", 6000);
  });
});
