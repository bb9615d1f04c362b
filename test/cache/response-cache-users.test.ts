/**
 * responseCache must never give one user's page to another. Requests with Authorization or
 * Cookie were already bypassed, but an API-key middleware (docs/auth.md: "a user your own
 * middleware put there") signs users in by another header: before the fix, bob's request was
 * answered with alice's cached page (X-Cache: HIT). Checked on memory and on a shared Redis,
 * with the auth middleware before and after responseCache, and with concurrent misses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { startApp } from "../support/http.js";
import { serviceUrl } from "../support/services.js";
import { closeResponseCaches, responseCache } from "../../runtime/middleware/response-cache.js";
import type { Request, Response } from "../../runtime/index.js";
import type { BackendName } from "../../runtime/cache/backend.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

const KEYS: Record<string, string> = { "key-alice": "alice", "key-bob": "bob" };

/** The documented API-key pattern: a before-hook that signs the caller in (req.user). */
class ApiKey {
  static async beforeKey(req: Request, res: Response) {
    const who = KEYS[String(req.headers["x-api-key"] ?? "")];
    if (!who) return res.json({ error: "Bad key" }, 401);
    req.user = { sub: who };
  }
}

/** Signs in when a key is sent; anonymous visitors pass (a page that greets whoever it can). */
class OptionalKey {
  static async beforeKey(req: Request) {
    const who = KEYS[String(req.headers["x-api-key"] ?? "")];
    if (who) req.user = { sub: who };
  }
}

// Locally without Redis the redis cases skip (serviceUrl prints why); under TINA4_TEST_SERVICES=required
// serviceUrl throws instead, so CI never skips them.
const redisUrl = serviceUrl("REDIS");
const backends: Array<[BackendName, string | undefined, boolean]> = [["memory", undefined, true], ["redis", redisUrl, redisUrl !== undefined]];

describe.each(backends)("responseCache on %s with signed-in users", (backend, cacheUrl, available) => {
  let server: RunningServer & { app: App };
  let built = 0;
  const run = randomUUID();

  beforeAll(async () => {
    if (!available) return;
    server = await startApp((app) => {
      const cache = () => responseCache({ backend, cacheUrl, ttl: 60 });
      const account = async (req: Request) => {
        built++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { account: req.user?.sub, balance: req.user?.sub === "alice" ? 1000 : 5 };
      };
      app.get(`/${run}/auth-first`, account, [ApiKey, cache()]);
      app.get(`/${run}/cache-first`, account, [cache(), ApiKey]);
      app.get(`/${run}/public`, () => ({ n: ++built }), [cache()]);
      app.get(`/${run}/greeting`, (req: Request) => ({ hello: req.user?.sub ?? "guest" }), [OptionalKey, cache()]);
    });
  });
  afterAll(async () => {
    await server?.close();
    await closeResponseCaches();
  });

  const get = (path: string, key?: string) => fetch(`${server.url}/${run}${path}`, { headers: key ? { "x-api-key": key } : {} });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

  it.skipIf(!available).each(["/auth-first", "/cache-first"])("%s: bob never reads alice's page, and nothing personal is stored", async (path) => {
    const alice = await get(path, "key-alice");
    expect(await alice.json()).toEqual({ account: "alice", balance: 1000 });
    await settle();
    const bob = await get(path, "key-bob");
    expect(bob.headers.get("x-cache")).not.toBe("HIT");
    expect(await bob.json()).toEqual({ account: "bob", balance: 5 });
    await settle();
    const again = await get(path, "key-alice");
    expect(again.headers.get("x-cache")).not.toBe("HIT");
    expect(await again.json()).toEqual({ account: "alice", balance: 1000 });
    const anonymous = await get(path);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "Bad key" });
  });

  it.skipIf(!available)("concurrent misses of alice and bob each get their own page", async () => {
    const [alice, bob] = await Promise.all([get("/cache-first?c=1", "key-alice"), get("/cache-first?c=1", "key-bob")]);
    expect(await alice.json()).toEqual({ account: "alice", balance: 1000 });
    expect(await bob.json()).toEqual({ account: "bob", balance: 5 });
  });

  it.skipIf(!available)("a signed-in caller is not served the page cached for anonymous visitors (X-Cache: BYPASS)", async () => {
    expect(await (await get("/greeting")).json()).toEqual({ hello: "guest" });
    await settle();
    const guest = await get("/greeting");
    expect(guest.headers.get("x-cache")).toBe("HIT");
    expect(await guest.json()).toEqual({ hello: "guest" });
    const alice = await get("/greeting", "key-alice");
    expect(alice.headers.get("x-cache")).toBe("BYPASS");
    expect(await alice.json()).toEqual({ hello: "alice" });
  });

  it.skipIf(!available)("a public page on the same app is still cached", async () => {
    const first = await get("/public");
    expect(first.headers.get("x-cache")).toBe("MISS");
    const body = await first.text();
    await settle();
    const second = await get("/public");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(await second.text()).toBe(body);
    if (backend === "redis") {
      // the entry is in Redis itself: a silent fallback to the file cache would fail here
      const client = createClient({ url: cacheUrl });
      await client.connect();
      try {
        const keys: string[] = [];
        for await (const batch of client.scanIterator({ MATCH: "*/public*", COUNT: 1000 })) keys.push(...([] as string[]).concat(batch));
        expect(keys.length).toBeGreaterThan(0);
      } finally {
        await client.quit();
      }
    }
  });
});
