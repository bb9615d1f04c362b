/**
 * `/__ready` checks the pub/sub server named by TINA4_PUBSUB_URL as `pubsub`: while it cannot
 * be reached every WebSocket upgrade is refused (503) and broadcasts fail, so the instance is
 * not ready. No check without the variable (in-process / cluster relay), nor when the `cache`
 * check already probes that server. A closed port for "down", the real Redis of
 * .ci/services.env for "ok".
 */
import { afterEach, describe, expect, it } from "vitest";
// the public API: importing it registers the checks, as in a served app
import { broadcast } from "../../runtime/index.js";
import { busKind, closeBus } from "../../runtime/realtime/bus/bus.js";
import { runShutdownHooks } from "../../runtime/lifecycle.js";
import { closedPort } from "../support/http.js";
import { useEnv } from "../support/env.js";
import { readiness } from "../support/ready.js";
import { serviceUrl } from "../support/services.js";

// Under TINA4_TEST_SERVICES=required serviceUrl throws when it is unset, so CI never skips; locally it prints why the Redis case skips.
const redis = serviceUrl("REDIS");

const SETTINGS = ["TINA4_PUBSUB_URL", "TINA4_PUBSUB_PREFIX", "TINA4_CACHE_BACKEND", "TINA4_CACHE_URL", "TINA4_QUEUE_BACKEND", "TINA4_QUEUE_URL"] as const;
useEnv(SETTINGS);
afterEach(async () => {
  await closeBus();
  await runShutdownHooks();
});

const ready = () => readiness({ headers: { connection: "close" } });

describe("/__ready and the pub/sub bus", () => {
  it("no pubsub check without TINA4_PUBSUB_URL", async () => {
    const reply = await ready();
    expect(reply.status).toBe(200);
    expect(reply.checks).not.toHaveProperty("pubsub");
  });

  it("TINA4_PUBSUB_URL on a closed port: 503 naming `pubsub` (never the URL)", async () => {
    process.env.TINA4_PUBSUB_URL = `redis://:bus-pw@127.0.0.1:${await closedPort()}`;
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.checks).toMatchObject({ server: "ok", pubsub: "unavailable" });
    expect(down.text).not.toContain("bus-pw");
  });

  it.skipIf(!redis)("TINA4_PUBSUB_URL on the real Redis (valkey:// spelling too): ok, and it is the server the bus uses", async () => {
    process.env.TINA4_PUBSUB_URL = redis!.replace(/^redis:/, "valkey:");
    process.env.TINA4_PUBSUB_PREFIX = `t4ready-${process.pid}`;
    expect(await ready()).toMatchObject({ status: 200, checks: { server: "ok", pubsub: "ok" } });
    await broadcast("nobody", "x");
    expect(busKind()).toBe("redis");
  });

  it.skipIf(!redis)("the cache's own server is left to the `cache` check", async () => {
    process.env.TINA4_CACHE_BACKEND = "redis";
    process.env.TINA4_CACHE_URL = redis!;
    process.env.TINA4_PUBSUB_URL = redis!;
    const reply = await ready();
    expect(reply).toMatchObject({ status: 200, checks: { cache: "ok" } });
    expect(reply.checks).not.toHaveProperty("pubsub");
  });
});
