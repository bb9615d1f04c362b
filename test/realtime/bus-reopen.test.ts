/**
 * The bus after a shutdown (closeBus: what every testClient().close() runs): a subscriber
 * registered before — a route module's, which is not imported again — keeps receiving once
 * the next publish opens a new transport. With Redis the new transport subscribes again on
 * its own connection while the publish goes out on the other, so the publish must wait for
 * that SUBSCRIBE, or its message is lost. The Redis server is real; the SUBSCRIBE is slowed
 * down (as on a loaded link) so that the order is not left to chance.
 */
import { afterEach, describe, expect, it } from "vitest";
import { publish, subscribe } from "../../runtime/index.js";
import { busKind, closeBus } from "../../runtime/realtime/bus/bus.js";
import { RedisTransport } from "../../runtime/realtime/bus/redis.js";
import { serviceUrl } from "../support/services.js";

const url = serviceUrl("REDIS");
const listen = RedisTransport.prototype.listen;

afterEach(async () => {
  RedisTransport.prototype.listen = listen;
  await closeBus();
  delete process.env.TINA4_PUBSUB_URL;
  delete process.env.TINA4_PUBSUB_PREFIX;
});

async function waitFor(check: () => boolean, ms = 1000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 10))) if (check()) return true;
  return check();
}

describe("a subscriber registered before closeBus()", () => {
  it("in-process: receives what is published after it", async () => {
    const got: number[] = [];
    await subscribe<number>("reopen-memory", (n) => got.push(n)).ready;
    await closeBus();
    await publish("reopen-memory", 1);
    expect(got).toEqual([1]);
  });

  it.skipIf(!url)("redis: receives the first message published on the new transport, even when its SUBSCRIBE is slow", async () => {
    process.env.TINA4_PUBSUB_URL = url!;
    process.env.TINA4_PUBSUB_PREFIX = `reopen${process.pid}`;
    const got: number[] = [];
    const off = subscribe<number>("reopen-redis", (n) => got.push(n));
    await off.ready;
    expect(busKind()).toBe("redis");
    await publish("reopen-redis", 1);
    expect(await waitFor(() => got.includes(1))).toBe(true);
    await closeBus();
    RedisTransport.prototype.listen = function (this: RedisTransport, channel: string) {
      return new Promise<void>((resolve) => setTimeout(resolve, 100)).then(() => listen.call(this, channel));
    };
    await publish("reopen-redis", 2);
    expect(await waitFor(() => got.includes(2))).toBe(true);
    expect(got).toEqual([1, 2]);
    off();
  });
});
