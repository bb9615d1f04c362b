/**
 * `/__ready` checks every network cache server the app uses, not only TINA4_CACHE_BACKEND's:
 * responseCache's, the session store's, the query cache's and BullMQ's Redis each under the
 * consumer's name (never a URL), from when the consumer declares or opens it until it closes;
 * consumers of one server share one probe a second. A real Redis for "ok", a closed port or a
 * server that drops every connection for "down".
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// the public API: importing it registers the checks, as in a served app
import { Database, cacheSet, closeCache, responseCache, session } from "../../runtime/index.js";
import { closeResponseCaches } from "../../runtime/middleware/response-cache.js";
import { runShutdownHooks } from "../../runtime/lifecycle.js";
import { closedPort, countingServer, startApp } from "../support/http.js";
import { useEnv } from "../support/env.js";
import { readiness } from "../support/ready.js";
import { serviceUrl } from "../support/services.js";

const redis = serviceUrl("REDIS");
const postgres2 = serviceUrl("POSTGRES2");

const SETTINGS = ["TINA4_DATABASE_URL", "TINA4_CACHE_BACKEND", "TINA4_CACHE_URL", "TINA4_DB_CACHE", "TINA4_DB_CACHE_BACKEND", "TINA4_DB_CACHE_URL", "TINA4_QUEUE_BACKEND", "TINA4_QUEUE_URL", "TINA4_SECRET"] as const;
useEnv(SETTINGS);
beforeEach(() => {
  process.env.TINA4_SECRET = "r".repeat(64);
});
afterEach(async () => {
  // what a graceful shutdown does: consumers close, and their checks leave with them
  await runShutdownHooks();
  await closeResponseCaches();
});

describe("/__ready checks every network cache the app uses", () => {
  it("responseCache on its own Redis: `responseCache` while it is down (the cache fell back to files), gone once closed", async () => {
    const url = `redis://:c4che-pw@127.0.0.1:${await closedPort()}`;
    responseCache({ backend: "redis", cacheUrl: url });
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.checks).toEqual({ server: "ok", responseCache: "unavailable" });
    expect(down.text).not.toContain("c4che-pw");
    await closeResponseCaches();
    expect(await readiness()).toMatchObject({ status: 200, checks: { server: "ok" } });
  });

  // Skipped only locally when this server's URL is unset (serviceUrl prints why); under TINA4_TEST_SERVICES=required serviceUrl throws instead, so CI never skips it.
  it.skipIf(!redis)("responseCache on a Redis that answers is ok", async () => {
    responseCache({ backend: "redis", cacheUrl: redis! });
    expect(await readiness()).toMatchObject({ status: 200, checks: { server: "ok", responseCache: "ok" } });
  });

  it("session() on a Redis that is down: `sessions`, before any request opened the store", async () => {
    session({ backend: "redis", url: `redis://127.0.0.1:${await closedPort()}` });
    const reply = await readiness();
    expect(reply.status).toBe(503);
    expect(reply.checks).toEqual({ server: "ok", sessions: "unavailable" });
    await runShutdownHooks();
    expect((await readiness()).checks).toEqual({ server: "ok" });
  });

  it("the query cache's Redis (TINA4_DB_CACHE_BACKEND): `queryCache` while its database is open", async () => {
    process.env.TINA4_DB_CACHE = "true";
    process.env.TINA4_DB_CACHE_BACKEND = "redis";
    process.env.TINA4_DB_CACHE_URL = `redis://127.0.0.1:${await closedPort()}`;
    const db = await Database.connect("sqlite::memory:");
    try {
      const reply = await readiness();
      expect(reply.status).toBe(503);
      expect(reply.checks).toEqual({ server: "ok", queryCache: "unavailable" });
    } finally {
      await db.close();
    }
    expect((await readiness()).checks).toEqual({ server: "ok" });
  });

  it("BullMQ's Redis (TINA4_QUEUE_BACKEND=redis): `queue`, ok when it answers", async (ctx) => {
    process.env.TINA4_QUEUE_BACKEND = "redis";
    process.env.TINA4_QUEUE_URL = `redis://127.0.0.1:${await closedPort()}`;
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.checks).toEqual({ server: "ok", queue: "unavailable" });
    if (!redis) return ctx.skip();
    process.env.TINA4_QUEUE_URL = redis;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the failed result is reused for 1 s
    expect(await readiness()).toEqual(expect.objectContaining({ status: 200, checks: { server: "ok", queue: "ok" } }));
  });

  it("a consumer on the configured cache's server is left to the `cache` check", async () => {
    process.env.TINA4_CACHE_BACKEND = "redis";
    process.env.TINA4_CACHE_URL = `redis://127.0.0.1:${await closedPort()}`;
    responseCache();
    process.env.TINA4_QUEUE_BACKEND = "redis";
    process.env.TINA4_QUEUE_URL = process.env.TINA4_CACHE_URL;
    expect((await readiness()).checks).toEqual({ server: "ok", cache: "unavailable" });
  });

  it("consumers of one server share one probe, at most once a second", async () => {
    const server = await countingServer();
    try {
      responseCache({ backend: "redis", cacheUrl: `redis://127.0.0.1:${server.port}` });
      session({ backend: "redis", url: `redis://127.0.0.1:${server.port}` });
      await new Promise((resolve) => setTimeout(resolve, 200)); // responseCache's own first connect
      const before = server.connections();
      const app = await startApp(() => undefined);
      try {
        for (let i = 0; i < 6; i++) {
          const reply = await fetch(`${app.url}/__ready`);
          expect(reply.status).toBe(503);
          expect(((await reply.json()) as { checks: Record<string, string> }).checks).toMatchObject({ responseCache: "unavailable", sessions: "unavailable" });
        }
        expect(server.connections() - before).toBe(1);
      } finally {
        await app.close();
      }
    } finally {
      await server.close();
    }
  });

  // Skipped only locally when this server's URL is unset (serviceUrl prints why); under TINA4_TEST_SERVICES=required serviceUrl throws instead, so CI never skips it.
  it.skipIf(!postgres2)("a `database` cache at its own URL is `cache` alone: its connection is not also a `database:<name>` check", async () => {
    process.env.TINA4_CACHE_BACKEND = "database";
    process.env.TINA4_CACHE_URL = postgres2!;
    try {
      await cacheSet("readiness-probe", 1); // opens the KV cache, and with it a Database on that URL
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // the `cache` result of the test above is reused for 1 s
      expect(await readiness()).toEqual(expect.objectContaining({ status: 200, checks: { server: "ok", cache: "ok" } }));
    } finally {
      await closeCache();
    }
  });
});
