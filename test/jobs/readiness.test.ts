/**
 * `/__ready`'s `queue` check follows the queue the app configured: TINA4_QUEUE_BACKEND and
 * TINA4_QUEUE_URL, or a configureQueue() call from app code, which wins; none for a database
 * queue. A closed port for "down", the real Redis of .ci/services.env for "ok".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// the public API: importing it registers the checks, as in a served app
import { configureQueue, queue } from "../../runtime/index.js";
import { closeQueues } from "../../runtime/jobs/index.js";
import { runShutdownHooks } from "../../runtime/lifecycle.js";
import { startServe } from "../support/cli.js";
import { closedPort } from "../support/http.js";
import { useEnv } from "../support/env.js";
import { readiness } from "../support/ready.js";
import { serviceUrl } from "../support/services.js";
import { appWithJobs, removeApp } from "./support.js";

// Under TINA4_TEST_SERVICES=required serviceUrl throws when it is unset, so CI never skips; locally it prints why the Redis cases skip.
const redis = serviceUrl("REDIS");

const SETTINGS = ["TINA4_DATABASE_URL", "TINA4_CACHE_BACKEND", "TINA4_CACHE_URL", "TINA4_QUEUE_BACKEND", "TINA4_QUEUE_URL", "TINA4_QUEUE_PREFIX"] as const;
useEnv(SETTINGS);
afterEach(async () => {
  await configureQueue(); // back to the environment's queue (and closes the one a test opened)
  await runShutdownHooks();
});

describe("/__ready follows the queue the app configured", () => {
  it("no queue check for the default database queue, nor for an app that never touches the queue", async () => {
    expect(await readiness()).toMatchObject({ status: 200, checks: { server: "ok" } });
    expect((await readiness()).checks).not.toHaveProperty("queue");
  });

  it.skipIf(!redis)("configureQueue() to a closed port: 503 naming `queue` (never the URL); to the real Redis: ok at once", async () => {
    await configureQueue({ backend: "redis", url: `redis://:qu3ue-pw@127.0.0.1:${await closedPort()}` });
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.checks).toEqual({ server: "ok", queue: "unavailable" });
    expect(down.text).not.toContain("qu3ue-pw");
    // a new server is probed now, not answered with the closed port's result of a moment ago
    await configureQueue({ backend: "redis", url: redis!, prefix: `ready-${process.pid}` });
    expect(await readiness()).toMatchObject({ status: 200, checks: { server: "ok", queue: "ok" } });
    // and it is the server the queue really uses: a job goes through it
    await queue("readiness").add({ n: 1 });
    expect((await queue("readiness").counts()).waiting).toBe(1);
    await queue("readiness").clear(["waiting"]);
  });

  it.skipIf(!redis)("configureQueue({ url }) wins over TINA4_QUEUE_URL: the env's Redis answers, the configured one does not → 503", async () => {
    process.env.TINA4_QUEUE_BACKEND = "redis";
    process.env.TINA4_QUEUE_URL = redis!;
    expect(await readiness()).toMatchObject({ status: 200, checks: { server: "ok", queue: "ok" } });
    await configureQueue({ url: `redis://127.0.0.1:${await closedPort()}` });
    expect(await readiness()).toMatchObject({ status: 503, checks: { server: "ok", queue: "unavailable" } });
  });

  it("configureQueue({ backend: 'database' }) over a BullMQ environment whose Redis is down: the app uses no Redis queue, so no `queue` check", async () => {
    process.env.TINA4_QUEUE_BACKEND = "redis";
    process.env.TINA4_QUEUE_URL = `redis://127.0.0.1:${await closedPort()}`;
    expect(await readiness()).toMatchObject({ status: 503, checks: { queue: "unavailable" } });
    await configureQueue({ backend: "database", url: "sqlite::memory:" });
    const reply = await readiness();
    expect(reply.status).toBe(200);
    expect(reply.checks).toEqual({ server: "ok" });
    await closeQueues();
  });
});

describe("in an app served by `tina4 serve`", () => {
  it.skipIf(!redis)("src/app.ts's configureQueue() is what /__ready checks: 503 naming `queue` on a closed port, ok once the app moves the queue to the real Redis", async () => {
    const root = appWithJobs({});
    try {
      writeFileSync(join(root, ".env"), `TINA4_SECRET=${"s".repeat(64)}\nTINA4_QUEUE_INLINE=false\n`);
      writeFileSync(join(root, "src", "app.ts"), `import { configureQueue } from "tina4";\nawait configureQueue({ backend: "redis", url: "redis://127.0.0.1:${await closedPort()}" });\n`);
      mkdirSync(join(root, "src", "routes", "move-queue"), { recursive: true });
      writeFileSync(
        join(root, "src", "routes", "move-queue", "post.ts"),
        `import { configureQueue } from "tina4";\nexport const secured = false;\nexport default async () => {\n  await configureQueue({ backend: "redis", url: ${JSON.stringify(redis)} });\n  return { moved: true };\n};\n`,
      );
      const served = await startServe(root);
      try {
        const down = await fetch(`${served.url}/__ready`, { headers: { connection: "close" } });
        expect(down.status).toBe(503);
        expect(((await down.json()) as { checks: Record<string, string> }).checks).toMatchObject({ server: "ok", queue: "unavailable" });
        expect((await fetch(`${served.url}/move-queue`, { method: "POST", headers: { connection: "close" } })).status).toBe(200);
        const up = await fetch(`${served.url}/__ready`, { headers: { connection: "close" } });
        expect(up.status).toBe(200);
        expect(((await up.json()) as { checks: Record<string, string> }).checks).toMatchObject({ server: "ok", queue: "ok" });
      } finally {
        served.child.kill("SIGTERM");
        await served.exited;
      }
    } finally {
      removeApp(root);
    }
  }, 30_000);
});
