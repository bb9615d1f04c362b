/**
 * rateLimit() beyond the basics in builtins.test.ts: counts kept in the cache backend (so two
 * apps — two instances — share them), one count per request per limiter name, and a counting
 * server that goes away (the limiter degrades to counting in this process, never failing).
 * The multi-process proof is test/middleware/rate-limit-distributed.test.ts.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { randomUUID } from "node:crypto";
import { startApp } from "../support/http.js";
import { serviceUrl } from "../support/services.js";
import { closeRateLimitStores, rateLimit } from "../../runtime/middleware/rate-limit.js";
import { log } from "../../runtime/log.js";

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  vi.restoreAllMocks();
});
afterAll(() => closeRateLimitStores());

const statuses = async (url: string, count: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await fetch(url)).status);
  return out;
};

describe("rateLimit() on a shared cache backend", () => {
  const redisUrl = serviceUrl("REDIS");
  it.skipIf(!redisUrl)("two apps on one Redis share the count: the 4th request overall is refused", async () => {
    const name = `shared-${randomUUID().slice(0, 8)}`;
    const make = () => startApp((app) => {
      app.use(rateLimit({ limit: 3, windowSeconds: 60, name, backend: "redis", cacheUrl: redisUrl }));
      app.get("/r", () => "ok");
    });
    const a = await make();
    const b = await make();
    closers.push(a.close, b.close);
    const seen = [...(await statuses(`${a.url}/r`, 2)), ...(await statuses(`${b.url}/r`, 1)), ...(await statuses(`${a.url}/r`, 1)), ...(await statuses(`${b.url}/r`, 1))];
    expect(seen).toEqual([200, 200, 200, 429, 429]);
    const refused = await fetch(`${b.url}/r`);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it.skipIf(!redisUrl)("a limiter on the memory backend counts per process (the old N× behaviour, kept for memory only)", async () => {
    const make = () => startApp((app) => {
      app.use(rateLimit({ limit: 2, windowSeconds: 60, backend: "memory" }));
      app.get("/r", () => "ok");
    });
    const a = await make();
    const b = await make();
    closers.push(a.close, b.close);
    expect([...(await statuses(`${a.url}/r`, 2)), ...(await statuses(`${b.url}/r`, 2))]).toEqual([200, 200, 200, 200]);
  });
});

describe("rateLimit() counting rules", () => {
  it("two limiters of one name on one request count it once; different names count separately", async () => {
    const server = await startApp((app) => {
      app.use(rateLimit({ limit: 2, windowSeconds: 60, name: "api" }));
      app.get("/same", () => "ok", [rateLimit({ limit: 2, windowSeconds: 60, name: "api" })]);
      app.get("/other", () => "ok", [rateLimit({ limit: 1, windowSeconds: 60, name: "other" })]);
    });
    closers.push(server.close);
    expect(await statuses(`${server.url}/same`, 3)).toEqual([200, 200, 429]);
    const fresh = await startApp((app) => {
      app.use(rateLimit({ limit: 5, windowSeconds: 60, name: "api" }));
      app.get("/other", () => "ok", [rateLimit({ limit: 1, windowSeconds: 60, name: "other" })]);
    });
    closers.push(fresh.close);
    expect(await statuses(`${fresh.url}/other`, 2)).toEqual([200, 429]);
  });

  it("rejects a bad limit, window, name or backend at creation", () => {
    expect(() => rateLimit({ limit: 0 })).toThrow(RangeError);
    expect(() => rateLimit({ windowSeconds: -1 })).toThrow(RangeError);
    expect(() => rateLimit({ name: "a b" })).toThrow(RangeError);
    expect(() => rateLimit({ backend: "nope" as "redis" })).toThrow(/unknown rateLimit backend/);
  });

  it("a counting server that is down degrades to counting in this process: the limit still applies, no request fails", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const server = await startApp((app) => {
      // port 1: unreachable at start → the file fallback; then the limiter still counts
      app.use(rateLimit({ limit: 2, windowSeconds: 60, name: `down-${randomUUID().slice(0, 8)}`, backend: "redis", cacheUrl: "redis://127.0.0.1:1" }));
      app.get("/r", () => "ok");
    });
    closers.push(server.close);
    expect(await statuses(`${server.url}/r`, 3)).toEqual([200, 200, 429]);
  });
});
