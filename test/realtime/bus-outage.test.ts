/**
 * A Redis bus that goes down after the process subscribed: new WebSocket upgrades are refused
 * with 503 while it is down (a socket opened then could not receive broadcasts), and accepted
 * again once it is back; the sockets opened before receive broadcasts again. A private
 * redis-server, stopped and started by PID.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { broadcast } from "../../runtime/index.js";
import { busKind, closeBus } from "../../runtime/realtime/bus/bus.js";
import { PrivateServer, freePort, serverInstalled } from "../cache/private-server.js";
import { refusal, wsFixture, wsUrl } from "./support.js";

const installed = serverInstalled("redis-server");
if (!installed) console.log("bus-outage: redis-server is not installed here: skipped");

const { serve, open, cleanup } = wsFixture();

describe.skipIf(!installed)("the Redis bus going down and coming back", () => {
  let redis: PrivateServer;

  beforeAll(async () => {
    redis = new PrivateServer("redis", await freePort(47400));
    await redis.start();
    process.env.TINA4_PUBSUB_URL = `redis://127.0.0.1:${redis.port}`;
    process.env.TINA4_PUBSUB_PREFIX = `t4outage-${process.pid}`;
    process.env.TINA4_PUBSUB_CONNECT_TIMEOUT = "500";
  });
  afterEach(cleanup);
  afterAll(async () => {
    await closeBus();
    await redis?.stop();
    for (const name of ["TINA4_PUBSUB_URL", "TINA4_PUBSUB_PREFIX", "TINA4_PUBSUB_CONNECT_TIMEOUT"]) delete process.env[name];
  });

  it("refuses upgrades with 503 while the server is down, then accepts them and delivers again", async () => {
    const server = await serve((app) => {
      app.websocket("/room", { open: (socket) => void socket.join("r") });
    });
    const before = await open(wsUrl(server.url, "/room"));
    expect(busKind()).toBe("redis");
    await broadcast("r", "one");
    expect(await before.next()).toBe("one");

    await redis.signal("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const down = await refusal(wsUrl(server.url, "/room"));
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ error: "Realtime bus unavailable" });
    await expect(broadcast("r", "lost")).rejects.toMatchObject({ code: "T4_ERR_WS_BUS_UNREACHABLE" });

    await redis.start();
    await expect.poll(async () => {
      try {
        const client = await open(wsUrl(server.url, "/room"));
        client.ws.close();
        return "accepted";
      } catch (error) {
        return String((error as { status?: number }).status);
      }
    }, { timeout: 8000, interval: 200 }).toBe("accepted");
    const after = await open(wsUrl(server.url, "/room"));
    await broadcast("r", "two");
    expect(await after.next()).toBe("two");
    expect(await before.next()).toBe("two");
  });
});
