import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startApp } from "../support/http.js";
import { clearCache, closeResponseCaches, responseCache } from "../../runtime/middleware/response-cache.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

let server: RunningServer & { app: App };
const calls = new Map<string, number>();
const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
let counter = 0;

beforeAll(async () => {
  server = await startApp((app) => {
    const cached = [responseCache({ backend: "memory", ttl: 60 })];
    app.get("/plain", () => {
      count("plain");
      return { n: ++counter };
    }, cached);
    app.get("/writes", (_req, res) => {
      count("writes");
      res.raw.writeHead(200, { "content-type": "text/plain" });
      res.raw.write("part1,");
      res.raw.write(Buffer.from("part2,"));
      res.raw.end("end");
    }, cached);
    app.get("/stream", (_req, res) => {
      count("stream");
      return res.stream(Readable.from([Buffer.from("s1-"), Buffer.from("s2-"), Buffer.from("s3")]), "text/plain");
    }, cached);
    app.get("/binary", () => Buffer.from([0xff, 0x00, 0xfe]), cached);
    app.get("/cookie", (_req, res) => {
      count("cookie");
      return res.cookie("sid", "x").json({ n: ++counter });
    }, cached);
    app.get("/no-store", (_req, res) => {
      count("no-store");
      return res.header("cache-control", "no-store").json({ n: ++counter });
    }, cached);
    app.get("/private", (_req, res) => {
      count("private");
      return res.header("cache-control", "private, max-age=60").json({ n: ++counter });
    }, cached);
    app.get("/vary-star", (_req, res) => {
      count("vary-star");
      return res.header("vary", "*").json({ n: ++counter });
    }, cached);
    app.get("/vary", (req, res) => {
      count("vary");
      return res.header("vary", "Accept-Language").json({ lang: req.headers["accept-language"] ?? "none", n: ++counter });
    }, cached);
    app.get("/slow", async () => {
      count("slow");
      await new Promise((r) => setTimeout(r, 150));
      return { n: ++counter };
    }, cached);
    app.get("/missing", (_req, res) => {
      count("missing");
      return res.json({ error: "nope" }, 404);
    }, cached);
    app.get("/boom", () => {
      count("boom");
      throw new Error("x");
    }, cached);
    app.get("/products/{id}", (req, res) => {
      count(`products/${req.params.id}`);
      return res.header("vary", "Accept-Language").json({ id: req.params.id, n: ++counter });
    }, cached);
    // this test file itself, served with byte ranges (206 listed so only the rule for parts keeps it out)
    const ranged = [responseCache({ backend: "memory", ttl: 60, statusCodes: [200, 206] })];
    app.get("/file", (_req, res) => {
      count("file");
      return res.file(fileURLToPath(import.meta.url), "text/plain");
    }, ranged);
    app.get("/partial", (_req, res) => {
      count("partial");
      return res.header("content-range", "bytes 0-1/10").text("ab", 206);
    }, ranged);
    app.post("/plain", () => {
      count("post");
      return { posted: ++counter };
    }, { middleware: cached, secured: false }); // about caching, not auth
  });
});
afterEach(async () => {
  await clearCache();
  calls.clear();
});
afterAll(async () => {
  await server.close();
  await closeResponseCaches();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
const settle = () => new Promise((r) => setTimeout(r, 30)); // the store happens after the response finished

describe("responseCache()", () => {
  it("MISS then HIT with the same body, status and content type", async () => {
    const first = await get("/plain?x=1");
    expect(first.headers.get("x-cache")).toBe("MISS");
    const body = await first.text();
    await settle();
    const second = await get("/plain?x=1");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await second.text()).toBe(body);
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(calls.get("plain")).toBe(1);
    const other = await get("/plain?x=2");
    expect(other.headers.get("x-cache")).toBe("MISS");
  });

  it("stores the whole body however it was written: several write() calls, streams, binary", async () => {
    for (const [path, expected] of [["/writes", "part1,part2,end"], ["/stream", "s1-s2-s3"]] as const) {
      expect(await (await get(path)).text()).toBe(expected);
      await settle();
      const hit = await get(path);
      expect(hit.headers.get("x-cache"), path).toBe("HIT");
      expect(await hit.text(), path).toBe(expected);
    }
    await get("/binary");
    await settle();
    const hit = await get("/binary");
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(Buffer.from(await hit.arrayBuffer())).toEqual(Buffer.from([0xff, 0x00, 0xfe]));
  });

  it("never stores for Authorization or Cookie requests", async () => {
    for (const headers of [{ authorization: "Bearer a" }, { cookie: "sid=1" }] as Array<Record<string, string>>) {
      await get("/plain?private", headers);
      await settle();
      const again = await get("/plain?private", headers);
      expect(again.headers.get("x-cache")).toBe("BYPASS");
    }
    expect((await get("/plain?private")).headers.get("x-cache")).toBe("MISS");
  });

  it("never stores Set-Cookie, no-store, private or Vary: * responses", async () => {
    for (const path of ["/cookie", "/no-store", "/private", "/vary-star"]) {
      await get(path);
      await settle();
      const again = await get(path);
      expect(again.headers.get("x-cache"), path).toBe("MISS");
      expect(calls.get(path.slice(1)), path).toBe(2);
    }
  });

  it("honours Vary: variants are cached separately", async () => {
    const en = await (await get("/vary", { "accept-language": "en" })).json();
    await settle();
    const fr = await get("/vary", { "accept-language": "fr" });
    expect(fr.headers.get("x-cache")).toBe("MISS");
    expect(((await fr.json()) as { lang: string }).lang).toBe("fr");
    await settle();
    const enAgain = await get("/vary", { "accept-language": "en" });
    expect(enAgain.headers.get("x-cache")).toBe("HIT");
    expect(await enAgain.json()).toEqual(en);
    const frAgain = await get("/vary", { "accept-language": "fr" });
    expect(frAgain.headers.get("x-cache")).toBe("HIT");
  });

  it("runs the handler once for concurrent misses of one URL", async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => get("/slow")));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(calls.get("slow")).toBe(1);
    expect(responses.filter((r) => r.headers.get("x-cache") === "HIT")).toHaveLength(7);
  });

  it("stores only listed statuses, never errors or non-GET requests; HEAD is served from GET's entry", async () => {
    await get("/missing");
    await settle();
    expect((await get("/missing")).headers.get("x-cache")).toBe("MISS");
    expect((await get("/boom")).status).toBe(500);
    expect((await get("/boom")).status).toBe(500);
    expect(calls.get("boom")).toBe(2);
    await fetch(`${server.url}/plain`, { method: "POST" });
    await fetch(`${server.url}/plain`, { method: "POST" });
    expect(calls.get("post")).toBe(2);
    await get("/plain?head");
    await settle();
    const head = await fetch(`${server.url}/plain?head`, { method: "HEAD" });
    expect(head.headers.get("x-cache")).toBe("HIT");
  });

  it("leaves byte ranges to the route: a 206 is never stored, a stored whole answer never answers a Range", async () => {
    const whole = readFileSync(fileURLToPath(import.meta.url));
    const part = await get("/file", { range: "bytes=0-9" });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(0, 10));
    expect(part.headers.get("x-cache")).toBeNull();
    await settle();
    const first = await get("/file");
    expect([first.status, first.headers.get("x-cache")]).toEqual([200, "MISS"]); // the part was not stored
    expect(Buffer.from(await first.arrayBuffer())).toEqual(whole);
    await settle();
    expect((await get("/file")).headers.get("x-cache")).toBe("HIT");
    const again = await get("/file", { range: "bytes=10-19" });
    expect(again.status).toBe(206); // from the route, not the stored whole file
    expect(Buffer.from(await again.arrayBuffer())).toEqual(whole.subarray(10, 20));
    expect(calls.get("file")).toBe(3);
    // a handler's own 206 (no Range asked) is a part too
    await get("/partial");
    await settle();
    expect((await get("/partial")).headers.get("x-cache")).toBe("MISS");
    expect(calls.get("partial")).toBe(2);
  });

  it("an unknown backend name is an error when the middleware is created", () => {
    expect(() => responseCache({ backend: "nope" as never })).toThrow(/unknown responseCache backend "nope": valid backends are memory, file/);
  });

  it("clearCache() empties the response cache", async () => {
    await get("/plain?c");
    await settle();
    expect((await get("/plain?c")).headers.get("x-cache")).toBe("HIT");
    await clearCache();
    expect((await get("/plain?c")).headers.get("x-cache")).toBe("MISS");
  });

  it("clearCache(path) drops that path's responses (every query string and Vary variant), nothing else", async () => {
    const variants: Array<[string, Record<string, string>]> = [["/products/1", {}], ["/products/1?page=2", {}], ["/products/1", { "accept-language": "fr" }], ["/products/2", {}], ["/products/10", {}]];
    for (const [path, headers] of variants) await get(path, headers);
    await settle();
    for (const [path, headers] of variants) expect((await get(path, headers)).headers.get("x-cache"), path).toBe("HIT");
    await clearCache("/products/1");
    for (const [path, headers] of variants.slice(0, 3)) expect((await get(path, headers)).headers.get("x-cache"), `${path} ${JSON.stringify(headers)}`).toBe("MISS");
    expect((await get("/products/2")).headers.get("x-cache")).toBe("HIT");
    expect((await get("/products/10")).headers.get("x-cache")).toBe("HIT"); // an exact path, not a prefix
    // made again after the clear, they are cached again
    await settle();
    expect((await get("/products/1?page=2")).headers.get("x-cache")).toBe("HIT");
    expect(calls.get("products/1")).toBe(6);
  });

  it("clearCache(path) refuses what is not a request path, naming it", async () => {
    for (const bad of ["products/1", "/products/1?page=2", ""]) {
      await expect(clearCache(bad)).rejects.toMatchObject({ code: "T4_ERR_RESPONSE_CACHE_PATH", message: expect.stringContaining(JSON.stringify(bad)) });
    }
  });
});
