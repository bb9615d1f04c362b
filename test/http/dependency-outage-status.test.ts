/**
 * A route that fails because a shared server is down answers 503 Service Unavailable, as one
 * whose database is down does (and as a WebSocket upgrade refused by a down bus does): the
 * instance's trouble, not the request's, and a client or balancer may retry it elsewhere or a
 * moment later. Here the server is a private redis-server carrying the pub/sub bus
 * (`await broadcast()` rejects T4_ERR_WS_BUS_UNREACHABLE) and a BullMQ queue (`queue().add()`
 * rejects T4_ERR_QUEUE_UNAVAILABLE); before, both routes answered 500 Internal Server Error.
 * Errors that are bugs (a payload that cannot be sent) stay 500. Real HTTP, new connection per request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { broadcast, queue } from "../../runtime/index.js";
import { closeBus } from "../../runtime/realtime/bus/bus.js";
import { closeQueues, configureQueue } from "../../runtime/jobs/index.js";
import { PrivateServer, freePort, serverInstalled } from "../cache/private-server.js";
import { freshRequest } from "../support/fresh-request.js";
import { skipUnlessAvailable } from "../support/services.js";
import { wsFixture } from "../realtime/support.js";

// prints why when redis-server is missing; under TINA4_TEST_SERVICES=required (CI) a missing one fails
const skip = skipUnlessAvailable(serverInstalled("redis-server"), "redis-server is not installed");

const { serve, cleanup } = wsFixture();

describe.skipIf(skip)("routes whose Redis (bus, queue) is down", () => {
  let redis: PrivateServer;

  beforeAll(async () => {
    redis = new PrivateServer("redis", await freePort(47600));
    await redis.start();
    process.env.TINA4_PUBSUB_URL = `redis://127.0.0.1:${redis.port}`;
    process.env.TINA4_PUBSUB_PREFIX = `t4dos-${process.pid}`;
    process.env.TINA4_PUBSUB_CONNECT_TIMEOUT = "500";
    await configureQueue({ backend: "redis", url: `redis://127.0.0.1:${redis.port}`, prefix: `t4dos-${process.pid}` });
  });
  afterEach(cleanup);
  afterAll(async () => {
    await closeQueues();
    await configureQueue();
    await closeBus();
    await redis?.stop();
    for (const name of ["TINA4_PUBSUB_URL", "TINA4_PUBSUB_PREFIX", "TINA4_PUBSUB_CONNECT_TIMEOUT"]) delete process.env[name];
  });

  it("answer 503 while it is down (500 only for a bug), and 200 once it is back", async () => {
    const server = await serve((app) => {
      app.post("/notify", async () => { await broadcast("r", { hi: 1 }); return { sent: true }; }, { secured: false });
      app.post("/enqueue", async () => ({ id: await queue("mail").add({ to: "a@example.com" }) }), { secured: false });
      app.post("/bad", async () => { await broadcast("r", { n: 1n }); return {}; }, { secured: false });
    });
    const call = (path: string) => freshRequest(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect((await call("/notify")).status).toBe(200);
    expect((await call("/enqueue")).status).toBe(200);

    await redis.signal("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const path of ["/notify", "/enqueue"]) {
      const res = await call(path);
      expect(res.status, `${path}: ${res.body}`).toBe(503);
      expect(res.json()).toEqual({ error: "Service Unavailable", requestId: res.headers["x-request-id"] });
    }
    expect((await call("/bad")).status).toBe(500);

    await redis.start();
    for (const path of ["/notify", "/enqueue"]) {
      await expect.poll(async () => (await call(path)).status, { timeout: 10_000, interval: 200 }).toBe(200);
    }
  }, 40_000);
});
