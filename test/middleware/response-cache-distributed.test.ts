/**
 * responseCache across processes: two `tina4 serve` instances sharing one cache server, and
 * a cache server killed and restarted under load. Real servers only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl, type ServiceName } from "../support/services.js";
import { PrivateServer, freePort } from "../cache/private-server.js";

let appDir: string;

beforeAll(() => {
  appDir = join(tempDir(), "shared-cache");
  expect(runCli(["init", appDir, "--yes"], process.cwd()).code).toBe(0);
  mkdirSync(join(appDir, "src", "routes", "x"), { recursive: true });
  mkdirSync(join(appDir, "src", "routes", "clear"), { recursive: true });
  mkdirSync(join(appDir, "src", "routes", "backend"), { recursive: true });
  writeFileSync(join(appDir, "src", "routes", "x", "get.ts"),
    'import { responseCache } from "tina4";\nlet n = 0;\nexport const middleware = [responseCache({ ttl: 60 })];\nexport default () => ({ n: ++n, pid: process.pid });\n');
  writeFileSync(join(appDir, "src", "routes", "clear", "post.ts"),
    'import { clearCache } from "tina4";\nexport const secured = false; // the subject is the shared cache, not auth\nexport default async () => { await clearCache(); return { cleared: true }; };\n');
  mkdirSync(join(appDir, "src", "routes", "products", "[id]"), { recursive: true });
  mkdirSync(join(appDir, "src", "routes", "clear-path"), { recursive: true });
  writeFileSync(join(appDir, "src", "routes", "products", "[id]", "get.ts"),
    'import { responseCache } from "tina4";\nlet n = 0;\nexport const middleware = [responseCache({ ttl: 60 })];\nexport default () => ({ n: ++n, pid: process.pid });\n');
  writeFileSync(join(appDir, "src", "routes", "clear-path", "post.ts"),
    'import { clearCache } from "tina4";\nexport const secured = false; // the subject is the shared cache, not auth\nexport default async (req: { body: { path: string } }) => { await clearCache(req.body.path); return { cleared: req.body.path }; };\n');
  // the backend the process really uses: an unreachable server falls back to the file cache
  writeFileSync(join(appDir, "src", "routes", "backend", "get.ts"),
    'import { cacheStats } from "tina4";\nexport default async () => ({ backend: (await cacheStats()).backend });\n');
});

const settle = () => new Promise((r) => setTimeout(r, 100));

/** Which cache backend the served process ended up with (after any fallback). */
const backendOf = async (url: string): Promise<string> => ((await (await fetch(`${url}/backend`)).json()) as { backend: string }).backend;

/**
 * Env for one instance. Each gets its own file-cache folder, so a fallback to the file cache
 * can never make two instances look like they share a server.
 */
const instanceEnv = (backend: string, url: string): Record<string, string> =>
  ({ TINA4_CACHE_BACKEND: backend, TINA4_CACHE_URL: url, TINA4_CACHE_DIR: tempDir("tina4-cache-dir-"), TINA4_LOG_LEVEL: "error" });

const shared: Array<[ServiceName, string]> = [["REDIS", "redis"], ["VALKEY", "valkey"], ["MEMCACHED", "memcached"]];

describe.each(shared)("two instances sharing %s", (service, backend) => {
  const url = serviceUrl(service);
  // Skipped only locally when this server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  it.skipIf(!url)("A misses, B hits with the same body; clearCache() on B makes A miss", async () => {
    const a = await startServe(appDir, [], instanceEnv(backend, url!));
    const b = await startServe(appDir, [], instanceEnv(backend, url!));
    try {
      expect([await backendOf(a.url), await backendOf(b.url)]).toEqual([backend, backend]);
      const path = `/x?run=${randomUUID()}`;
      const first = await fetch(a.url + path);
      expect(first.headers.get("x-cache")).toBe("MISS");
      const body = await first.text();
      await settle();
      const fromB = await fetch(b.url + path);
      expect(fromB.headers.get("x-cache")).toBe("HIT");
      expect(await fromB.text()).toBe(body);
      expect((await fetch(`${b.url}/clear`, { method: "POST" })).status).toBe(200);
      const afterClear = await fetch(a.url + path);
      expect(afterClear.headers.get("x-cache")).toBe("MISS");
      expect(await afterClear.text()).not.toBe(body);
    } finally {
      a.child.kill("SIGTERM");
      b.child.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
    }
  });

  it.skipIf(!url)("clearCache(\"/products/1\") on B: A misses /products/1 (any query) and still hits /products/2", async () => {
    const a = await startServe(appDir, [], instanceEnv(backend, url!));
    const b = await startServe(appDir, [], instanceEnv(backend, url!));
    try {
      expect([await backendOf(a.url), await backendOf(b.url)]).toEqual([backend, backend]);
      // ids of this run only: the server is shared with other runs
      const [one, two] = [randomUUID(), randomUUID()];
      for (const path of [`/products/${one}`, `/products/${one}?page=2`, `/products/${two}`]) {
        expect((await fetch(a.url + path)).headers.get("x-cache"), path).toBe("MISS");
        await settle();
        expect((await fetch(a.url + path)).headers.get("x-cache"), path).toBe("HIT");
      }
      const cleared = await fetch(`${b.url}/clear-path`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: `/products/${one}` }) });
      expect(cleared.status).toBe(200);
      expect((await fetch(`${a.url}/products/${one}`)).headers.get("x-cache")).toBe("MISS");
      expect((await fetch(`${a.url}/products/${one}?page=2`)).headers.get("x-cache")).toBe("MISS");
      expect((await fetch(`${a.url}/products/${two}`)).headers.get("x-cache")).toBe("HIT");
      expect((await fetch(`${b.url}/products/${two}`)).headers.get("x-cache")).toBe("HIT");
    } finally {
      a.child.kill("SIGTERM");
      b.child.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
    }
  });
});

describe("cache server outage under load", () => {
  let redis: PrivateServer;
  beforeAll(async () => {
    redis = new PrivateServer("redis", await freePort(56500));
    await redis.start();
  });
  afterAll(async () => redis.stop());

  it("kill Redis → 0 failed requests; restart → HITs resume without restarting tina4", async () => {
    const served = await startServe(appDir, [], instanceEnv("redis", `redis://127.0.0.1:${redis.port}`));
    expect(await backendOf(served.url)).toBe("redis");
    const path = `/x?outage=${randomUUID()}`;
    let failures = 0;
    let total = 0;
    const seen = { HIT: 0, MISS: 0 };
    let running = true;
    const load = (async () => {
      const deadline = Date.now() + 15_000; // bounded
      while (running && Date.now() < deadline) {
        await Promise.all(Array.from({ length: 4 }, async () => {
          total++;
          try {
            const res = await fetch(served.url + path);
            await res.arrayBuffer();
            if (res.status !== 200) failures++;
            const state = res.headers.get("x-cache") as "HIT" | "MISS";
            if (state in seen) seen[state]++;
          } catch {
            failures++;
          }
        }));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(seen.HIT).toBeGreaterThan(0);
      await redis.signal("SIGKILL");
      const hitsBefore = seen.HIT;
      await new Promise((r) => setTimeout(r, 1500));
      await redis.start();
      // wait for the client to reconnect and the cache to be refilled
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && seen.HIT <= hitsBefore + 5) await new Promise((r) => setTimeout(r, 100));
      expect(seen.HIT).toBeGreaterThan(hitsBefore + 5);
    } finally {
      running = false;
      await load;
      served.child.kill("SIGTERM");
    }
    expect(failures).toBe(0);
    expect(total).toBeGreaterThan(50);
    expect(await served.exited).toBe(0);
  }, 40_000);
});
