/**
 * responseCache() with compress(), in either order, on the real Redis: what the cache stores is
 * read back from Redis itself (plain bytes, the route's own headers), and a hit answered by
 * another process (a fresh backend, no decoded copy) is compressed as its client asks when
 * compress() is outside the cache, plain when it is inside. Every request on a new connection
 * with a raw Accept-Encoding, bodies decoded here.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { compress } from "../../runtime/middleware/compress.js";
import { etag } from "../../runtime/middleware/etag.js";
import { closeResponseCaches, responseCache } from "../../runtime/middleware/response-cache.js";
import type { MiddlewareFunction } from "../../runtime/middleware/types.js";
import { startApp } from "../support/http.js";
import { sendDecoded as send } from "../support/encoded-request.js";
import { serviceUrl } from "../support/services.js";

// Locally without Redis this file skips (serviceUrl prints why); under TINA4_TEST_SERVICES=required
// serviceUrl throws instead, so CI never skips it.
const redisUrl = serviceUrl("REDIS");
const prefix = "tina4:response:";

interface StoredEntry {
  s: number;
  h: Record<string, string | string[]>;
  b: string;
  e: string;
  v?: string;
}

function page(title: string): string {
  let rows = "";
  for (let i = 0; i < 200; i++) rows += `<tr><td>${i}</td><td>${title} ${(i * 7919) % 1000}</td></tr>\n`;
  return `<!doctype html><html><head><title>${title}</title></head><body><table>${rows}</table></body></html>`;
}

describe.skipIf(!redisUrl)("responseCache() and compress() on redis", () => {
  const run = randomUUID();
  const cached = () => responseCache({ backend: "redis", cacheUrl: redisUrl, ttl: 60 });
  const orders: Record<string, () => MiddlewareFunction[]> = {
    outside: () => [compress(), cached()],
    // etag() innermost: its tag is set after the cache took the body, over those same bytes
    inside: () => [cached(), compress(), etag()],
  };
  let url = "";
  let close: (() => Promise<unknown>) | undefined;
  let redis: ReturnType<typeof createClient>;
  const runs = new Map<string, number>();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
  /** No decoded copies in this process any more (a fresh backend), as in a second instance. */
  const asAnotherProcess = () => closeResponseCaches();
  const stored = async (key: string): Promise<StoredEntry> => JSON.parse((await redis.get(`${prefix}~body:${key}`))!) as StoredEntry;

  beforeAll(async () => {
    const server = await startApp((app) => {
      for (const [order, chain] of Object.entries(orders)) {
        const base = `/${run}/${order}`;
        app.get(`${base}/tagged`, (_req, res) => {
          runs.set(`${order}/tagged`, (runs.get(`${order}/tagged`) ?? 0) + 1);
          res.header("etag", '"v1"').html(page(`${order} tagged`));
        }, chain());
        app.get(`${base}/varied`, (_req, res) => {
          runs.set(`${order}/varied`, (runs.get(`${order}/varied`) ?? 0) + 1);
          res.header("vary", "Origin").html(page(`${order} varied`));
        }, chain());
      }
    });
    url = server.url;
    close = server.close;
    redis = createClient({ url: redisUrl });
    await redis.connect();
  });

  afterAll(async () => {
    await close?.();
    await closeResponseCaches();
    await redis?.quit();
  });

  for (const order of Object.keys(orders)) {
    const compressedHits = order === "outside";

    it(`compress() ${order} responseCache(): Redis holds the plain body with the route's headers; another process's hit is ${compressedHits ? "compressed per client" : "plain"}`, async () => {
      const path = `/${run}/${order}/tagged`;
      const html = page(`${order} tagged`);
      const miss = await send(`${url}${path}`, { "accept-encoding": "br" });
      expect(miss.headers["x-cache"]).toBe("MISS");
      expect(miss.headers["content-encoding"]).toBe("br");
      expect(miss.headers.vary).toBe("Accept-Encoding");
      expect(miss.headers.etag).toBe('W/"v1"'); // the br bytes are only equivalent to "v1"
      expect(miss.body).toBe(html);
      await settle(); // stored once the response finished

      const version = JSON.parse((await redis.get(`${prefix}${path}`))!) as string;
      const entry = await stored(path);
      expect(entry.v).toBe(version);
      expect(entry.e).toBe("utf8");
      expect(entry.b).toBe(html);
      expect(entry.h["content-encoding"]).toBeUndefined();
      expect(entry.h.vary).toBeUndefined();
      expect(entry.h.etag).toBe('"v1"');
      expect(entry.h["content-type"]).toBe("text/html; charset=utf-8");

      await asAnotherProcess();
      const gzip = await send(`${url}${path}`, { "accept-encoding": "gzip" });
      expect(gzip.headers["x-cache"]).toBe("HIT");
      expect(gzip.body).toBe(html);
      if (compressedHits) {
        expect(gzip.headers["content-encoding"]).toBe("gzip");
        expect(gzip.headers.vary).toBe("Accept-Encoding");
        expect(gzip.headers.etag).toBe('W/"v1"');
      } else {
        expect(gzip.headers["content-encoding"]).toBeUndefined();
        expect(gzip.headers.etag).toBe('"v1"');
      }
      const plain = await send(`${url}${path}`);
      expect(plain.headers["x-cache"]).toBe("HIT");
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.raw.toString("utf8")).toBe(html);
      expect(runs.get(`${order}/tagged`)).toBe(1);
    });

    it(`compress() ${order} responseCache(): a Vary'd answer is one variant for every Accept-Encoding, versioned like a URL`, async () => {
      const path = `/${run}/${order}/varied`;
      const html = page(`${order} varied`);
      const headers = { origin: "https://a.example" };
      const miss = await send(`${url}${path}`, { ...headers, "accept-encoding": "br" });
      expect(miss.headers["content-encoding"]).toBe("br");
      expect(miss.headers.vary).toBe("Origin, Accept-Encoding");
      await settle();

      expect(JSON.parse((await redis.get(`${prefix}${path}`))!)).toEqual({ vary: ["origin"] });
      const variant = `${path}|origin=https://a.example`;
      const version = JSON.parse((await redis.get(`${prefix}${variant}`))!) as unknown;
      expect(version).toMatch(/^[A-Za-z0-9_-]{12}$/); // a version, not the response
      const entry = await stored(variant);
      expect(entry.v).toBe(version);
      expect(entry.b).toBe(html);
      expect(entry.h.vary).toBe("Origin");
      expect(entry.h["content-encoding"]).toBeUndefined();
      const etagged = entry.h.etag;
      // etag() inside the cache tagged the plain bytes after the cache took them; outside, no etag()
      if (compressedHits) expect(etagged).toBeUndefined();
      else expect(etagged).toMatch(/^W\/"/);

      await asAnotherProcess();
      const gzip = await send(`${url}${path}`, { ...headers, "accept-encoding": "gzip" });
      expect(gzip.headers["x-cache"]).toBe("HIT");
      expect(gzip.body).toBe(html);
      expect(gzip.headers["content-encoding"]).toBe(compressedHits ? "gzip" : undefined);
      expect(gzip.headers.vary).toBe(compressedHits ? "Origin, Accept-Encoding" : "Origin");
      if (!compressedHits) expect(gzip.headers.etag).toBe(etagged);
      // the variant's body was fetched once: with it gone from Redis, this process answers from its copy
      await redis.del(`${prefix}~body:${variant}`);
      const again = await send(`${url}${path}`, headers);
      expect(again.headers["x-cache"]).toBe("HIT");
      expect(again.raw.toString("utf8")).toBe(html);
      // another origin is another variant: a miss
      const other = await send(`${url}${path}`, { origin: "https://b.example" });
      expect(other.headers["x-cache"]).toBe("MISS");
      expect(runs.get(`${order}/varied`)).toBe(2);
    });
  }
});
