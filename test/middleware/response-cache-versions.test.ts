/**
 * On a backend outside the process, responseCache stores a short version at the URL's key and
 * the response beside it (`~body:<url>`); a hit reads the version and answers from the copy
 * this process decoded, fetching the body only for a version it has not seen. Checked on the
 * real Redis, reading and tampering with the keys the middleware wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { startApp } from "../support/http.js";
import { serviceUrl } from "../support/services.js";
import { closeResponseCaches, responseCache, responseCacheBackend } from "../../runtime/middleware/response-cache.js";
import { BODY, localEntries } from "../../runtime/middleware/response-cache-local.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

// Locally without Redis this file skips (serviceUrl prints why); under TINA4_TEST_SERVICES=required
// serviceUrl throws instead, so CI never skips it.
const redisUrl = serviceUrl("REDIS");
const prefix = "tina4:response:";

describe.skipIf(!redisUrl)("responseCache versions on redis", () => {
  let server: RunningServer & { app: App };
  let redis: ReturnType<typeof createClient>;
  let built = 0;
  const run = randomUUID();
  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}/${run}${path}`);
  const settle = () => new Promise((r) => setTimeout(r, 100));

  beforeAll(async () => {
    server = await startApp((app) => {
      app.get(`/${run}/page`, () => ({ n: ++built, text: "x".repeat(2000) }), [responseCache({ backend: "redis", cacheUrl: redisUrl, ttl: 60 })]);
    });
    redis = createClient({ url: redisUrl });
    await redis.connect();
  });

  afterAll(async () => {
    await server?.close();
    await closeResponseCaches();
    await redis?.quit();
  });

  /** Starts again with no decoded copies in this process (a fresh backend), as a second instance would. */
  const asAnotherProcess = () => closeResponseCaches();

  it("the URL's key holds a short version; the body lives under ~body: with that version", async () => {
    expect((await get("/page?a=1")).headers.get("x-cache")).toBe("MISS");
    await settle();
    const head = await redis.get(`${prefix}/${run}/page?a=1`);
    expect(head).toMatch(/^"[A-Za-z0-9_-]{12}"$/); // a JSON string, not the response
    const body = JSON.parse((await redis.get(`${prefix}~body:/${run}/page?a=1`))!) as { v: string; b: string };
    expect(body.v).toBe(JSON.parse(head!));
    expect(JSON.parse(body.b)).toMatchObject({ n: built });
  });

  it("a hit in the process that stored it is answered without the body (deleting it changes nothing)", async () => {
    const first = await get("/page?b=1");
    const text = await first.text();
    await settle();
    await redis.del(`${prefix}~body:/${run}/page?b=1`);
    const again = await get("/page?b=1");
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(await again.text()).toBe(text);
    // another process has no copy: without the body it is a miss, never an empty answer
    await asAnotherProcess();
    const elsewhere = await get("/page?b=1");
    expect(elsewhere.headers.get("x-cache")).toBe("MISS");
  });

  it("another process fetches the body once, then answers from its copy", async () => {
    const first = await get("/page?c=1");
    const text = await first.text();
    await settle();
    await asAnotherProcess();
    const fetched = await get("/page?c=1");
    expect(fetched.headers.get("x-cache")).toBe("HIT");
    expect(await fetched.text()).toBe(text);
    await redis.del(`${prefix}~body:/${run}/page?c=1`);
    const fromCopy = await get("/page?c=1");
    expect(fromCopy.headers.get("x-cache")).toBe("HIT");
    expect(await fromCopy.text()).toBe(text);
  });

  it("a version whose body was stored again under another version is a miss, never the other body", async () => {
    await get("/page?d=1");
    await settle();
    const headKey = `${prefix}/${run}/page?d=1`;
    const bodyKey = `${prefix}~body:/${run}/page?d=1`;
    const stored = JSON.parse((await redis.get(bodyKey))!) as { v: string; b: string };
    // another instance stored a newer response, and this reader saw the old version first
    await redis.set(bodyKey, JSON.stringify({ ...stored, v: "another-version", b: JSON.stringify({ n: -1 }) }), { PX: 60_000 });
    await asAnotherProcess();
    const answer = await get("/page?d=1");
    expect(answer.headers.get("x-cache")).toBe("MISS");
    expect(((await answer.json()) as { n: number }).n).toBeGreaterThan(0);
    await settle(); // stored after the response finished
    expect(await redis.get(headKey)).not.toBe(JSON.stringify(stored.v)); // the miss stored a fresh version
  });

  it("a process that fetched a version holds its body once: in its decoded copies, not also in the backend's memo", async () => {
    const first = await get("/page?f=1");
    const text = await first.text();
    await settle();
    await asAnotherProcess();
    const fetched = await get("/page?f=1");
    expect(fetched.headers.get("x-cache")).toBe("HIT");
    expect(await fetched.text()).toBe(text);
    const backend = await responseCacheBackend({ backend: "redis", cacheUrl: redisUrl, ttl: 60 });
    const key = `/${run}/page?f=1`;
    const version = JSON.parse((await redis.get(`${prefix}${key}`))!) as string;
    // one decoded copy, counted under the one bound (entries and characters)
    const copy = localEntries<{ v?: string; b: string }>(backend).get(key, version);
    expect(copy?.b).toBe(text);
    expect(localEntries(backend).size).toEqual({ entries: 1, chars: text.length });
    // the backend keeps none of its own: a memo would hand back the copy it decoded, the same object each time
    const read = await backend.get(BODY + key);
    const readAgain = await backend.get(BODY + key);
    expect(read.value).toMatchObject({ v: version, b: text });
    expect(read.value).not.toBe(copy);
    expect(readAgain.value).not.toBe(read.value);
  });

  it("a response stored whole at the URL's key (before versions) is still served", async () => {
    const headKey = `${prefix}/${run}/page?e=1`;
    const whole = { s: 200, h: { "content-type": "application/json; charset=utf-8" }, b: JSON.stringify({ legacy: true }), e: "utf8", t: Date.now() };
    await redis.set(headKey, JSON.stringify(whole), { PX: 60_000 });
    const answer = await get("/page?e=1");
    expect(answer.headers.get("x-cache")).toBe("HIT");
    expect(await answer.json()).toEqual({ legacy: true });
  });
});
