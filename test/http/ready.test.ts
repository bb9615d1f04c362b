import { describe, expect, it } from "vitest";
// The public API: importing it registers the database and cache checks, as in a served app.
import { addReadinessCheck } from "../../runtime/index.js";
import { addReadinessTarget, type ReadinessCheck } from "../../runtime/ready.js";
import { closedPort, startApp } from "../support/http.js";
import { serviceUrl } from "../support/services.js";
import { useEnv } from "../support/env.js";
import type { AppOptions } from "../../runtime/app.js";


const SETTINGS = ["TINA4_DATABASE_URL", "TINA4_CACHE_BACKEND", "TINA4_CACHE_URL"] as const;
useEnv(SETTINGS);

async function probe(options: AppOptions = {}, setup: Parameters<typeof startApp>[0] = () => undefined) {
  const server = await startApp(setup, options);
  try {
    const ready = await fetch(`${server.url}/__ready`);
    const health = await fetch(`${server.url}/__health`);
    return { status: ready.status, body: (await ready.json()) as Record<string, unknown>, cache: ready.headers.get("cache-control"), health: health.status };
  } finally {
    await server.close();
  }
}

/** Each test uses its own check names or settings: results are cached for a second per name. */
describe("GET /__ready (readiness) and /__health (liveness)", () => {
  it("is 200 with the checks that apply, and never cached by a proxy", async () => {
    const reply = await probe();
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "ok", checks: { server: "ok" } });
    expect(reply.cache).toBe("no-store");
    expect(reply.health).toBe(200);
  });

  it("is 503 naming the database while TINA4_DATABASE_URL is unreachable; liveness stays 200", async () => {
    process.env.TINA4_DATABASE_URL = `postgres://tina4:secret@127.0.0.1:${await closedPort()}/nowhere`;
    const production = await probe({ dev: false });
    expect(production.status).toBe(503);
    expect(production.body).toEqual({ status: "unavailable", checks: { server: "ok", database: "unavailable" } });
    expect(production.health).toBe(200);
    // dev also says why (production leaves it to the log: it can name internal hosts)
    const dev = await probe({ dev: true });
    expect(dev.status).toBe(503);
    expect((dev.body.reasons as Record<string, string>).database).toMatch(/ECONNREFUSED|unreachable|connect/i);
    expect(JSON.stringify(dev.body)).not.toContain("secret");
  });

  it("is 200 with database ok when the configured PostgreSQL answers", async (ctx) => {
    const url = serviceUrl("POSTGRES");
    if (!url) return ctx.skip();
    process.env.TINA4_DATABASE_URL = url;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a failed result of the test above is reused for 1 s
    const reply = await probe();
    expect(reply.body).toEqual({ status: "ok", checks: { server: "ok", database: "ok" } });
    expect(reply.status).toBe(200);
  });

  it("is 503 naming the cache while a configured Redis is unreachable, 200 when it answers", async (ctx) => {
    process.env.TINA4_CACHE_BACKEND = "redis";
    process.env.TINA4_CACHE_URL = `redis://127.0.0.1:${await closedPort()}`;
    const down = await probe();
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: "unavailable", checks: { server: "ok", cache: "unavailable" } });

    const url = serviceUrl("REDIS");
    if (!url) return ctx.skip();
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the failed result is reused for 1 s
    process.env.TINA4_CACHE_URL = url;
    const up = await probe();
    expect(up.body).toEqual({ status: "ok", checks: { server: "ok", cache: "ok" } });
  });

  it("is 503 naming the cache while a database cache at its own TINA4_CACHE_URL is unreachable, 200 when it answers", async (ctx) => {
    process.env.TINA4_CACHE_BACKEND = "database";
    process.env.TINA4_CACHE_URL = `postgres://tina4:secret@127.0.0.1:${await closedPort()}/nowhere`;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a result of the tests above is reused for 1 s
    const down = await probe();
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: "unavailable", checks: { server: "ok", cache: "unavailable" } });

    const url = serviceUrl("POSTGRES");
    if (!url) return ctx.skip();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    process.env.TINA4_CACHE_URL = url;
    const up = await probe();
    expect(up.body).toEqual({ status: "ok", checks: { server: "ok", cache: "ok" } });
  });

  it("is 503 while the app drains (shutting down)", async () => {
    const reply = await probe({}, (app) => (app.draining = true));
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({ status: "unavailable", checks: { server: "draining" } });
    expect(reply.health).toBe(200);
  });

  it("runs a registered check at most once a second, and reports a failing one by name", async () => {
    let runs = 0;
    let healthy = true;
    const remove = addReadinessCheck("counting", () => {
      runs++;
      if (!healthy) throw new Error("queue backlog too long");
    });
    const server = await startApp(() => undefined, { dev: true });
    try {
      for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/__ready`)).status).toBe(200);
      expect(runs).toBe(1);
      healthy = false;
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const failing = await fetch(`${server.url}/__ready`);
      expect(runs).toBe(2);
      expect(failing.status).toBe(503);
      expect(await failing.json()).toEqual({
        status: "unavailable",
        checks: { server: "ok", counting: "unavailable" },
        reasons: { counting: "queue backlog too long" },
      });
      remove();
      expect((await fetch(`${server.url}/__ready`)).status).toBe(200);
    } finally {
      remove();
      await server.close();
    }
  });

  it("checks registered with one function (one server, several consumers) share its runs; describe() names a failure's state", async () => {
    let runs = 0;
    const sharedProbe = () => {
      runs++;
      throw new Error("password authentication failed for user app");
    };
    const removers = [
      addReadinessCheck("first-consumer", sharedProbe, { describe: () => "authentication failed" }),
      addReadinessCheck("second-consumer", sharedProbe, { describe: () => "authentication failed" }),
    ];
    try {
      const reply = await probe({ dev: true });
      expect(reply.status).toBe(503);
      expect(reply.body.checks).toEqual({ server: "ok", "first-consumer": "authentication failed", "second-consumer": "authentication failed" });
      expect(runs).toBe(1);
    } finally {
      for (const remove of removers) remove();
    }
  });

  it("a check whose target moves (addReadinessTarget: the queue's server after configureQueue()) probes the new one at once and reuses each one's result for a second", async () => {
    const runs = { down: 0, up: 0 };
    const down = () => {
      runs.down++;
      throw new Error("connect ECONNREFUSED");
    };
    const up = () => {
      runs.up++;
    };
    let target: ReadinessCheck | null = down;
    const remove = addReadinessTarget("moving", () => target);
    try {
      expect(await probe()).toMatchObject({ status: 503, body: { checks: { server: "ok", moving: "unavailable" } } });
      target = up; // within the second the down result is reused for: the new target is not answered with it
      expect(await probe()).toMatchObject({ status: 200, body: { checks: { server: "ok", moving: "ok" } } });
      expect(await probe()).toMatchObject({ status: 200 });
      expect(runs).toEqual({ down: 1, up: 1 });
      target = null; // nothing to check now: the name leaves the body
      expect((await probe()).body).toEqual({ status: "ok", checks: { server: "ok" } });
    } finally {
      remove();
    }
  });

  it("counts a check that does not answer in time as unavailable", async () => {
    const remove = addReadinessCheck("stuck", () => new Promise(() => undefined), { timeoutMs: 100 });
    try {
      const started = Date.now();
      const reply = await probe({ dev: true });
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ checks: { stuck: "unavailable" }, reasons: { stuck: "no answer within 100 ms" } });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      remove();
    }
  });
});
