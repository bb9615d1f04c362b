/**
 * The pub/sub bus: transports deliver every message once to every listening process (the
 * publisher's included); publish/subscribe carry JSON; the Redis/Valkey transport against
 * the real servers (two transports = two processes), its URL and outage errors.
 */
import { afterEach, describe, expect, it } from "vitest";
import { publish, subscribe } from "../../runtime/index.js";
import { busKind, closeBus } from "../../runtime/realtime/bus/bus.js";
import { InProcessTransport } from "../../runtime/realtime/bus/in-process.js";
import { RedisTransport, normalizePubSubUrl } from "../../runtime/realtime/bus/redis.js";
import { serviceUrl } from "../support/services.js";

afterEach(async () => {
  await closeBus();
  delete process.env.TINA4_PUBSUB_URL;
  delete process.env.TINA4_PUBSUB_PREFIX;
});

const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

describe("publish / subscribe (in-process)", () => {
  it("delivers JSON values to every subscriber of the channel only, until it unsubscribes", async () => {
    const got: unknown[] = [];
    const other: unknown[] = [];
    const off = subscribe<{ n: number }>("orders", (data, channel) => got.push([channel, data]));
    subscribe("other", (data) => other.push(data));
    await off.ready;
    expect(busKind()).toBe("memory");
    await publish("orders", { n: 1 });
    await publish("orders", "text");
    off();
    await publish("orders", { n: 2 });
    expect(got).toEqual([["orders", { n: 1 }], ["orders", "text"]]);
    expect(other).toEqual([]);
  });

  it("rejects bad channel names and unserialisable data; a throwing subscriber does not stop the others", async () => {
    expect(() => subscribe("", () => undefined)).toThrow(expect.objectContaining({ code: "T4_ERR_WS_NAME" }));
    await expect(publish("c", { big: 1n })).rejects.toMatchObject({ code: "T4_ERR_WS_PAYLOAD" });
    await expect(publish("c", undefined)).rejects.toMatchObject({ code: "T4_ERR_WS_PAYLOAD" });
    const got: unknown[] = [];
    const offBug = subscribe("c", () => { throw new Error("subscriber bug"); });
    const off = subscribe("c", (data) => got.push(data));
    await off.ready;
    await publish("c", 1);
    expect(got).toEqual([1]);
    offBug();
    off();
  });

  it("an in-process transport delivers only channels it listens to", async () => {
    const got: string[] = [];
    const transport = new InProcessTransport((channel, message) => got.push(`${channel}:${message}`));
    await transport.publish("a", "before");
    await transport.listen("a");
    await transport.publish("a", "1");
    await transport.publish("b", "2");
    await transport.unlisten("a");
    await transport.publish("a", "3");
    expect(got).toEqual(["a:1"]);
  });
});

describe("the pub/sub URL", () => {
  it("accepts redis://, rediss://, valkey://, valkeys:// and names anything else (password redacted)", () => {
    expect(normalizePubSubUrl("valkey://h:1")).toBe("redis://h:1");
    expect(normalizePubSubUrl("valkeys://h:1")).toBe("rediss://h:1");
    expect(normalizePubSubUrl("redis://h:1/2")).toBe("redis://h:1/2");
    expect(() => normalizePubSubUrl("http://u:secret@h")).toThrow(expect.objectContaining({ code: "T4_ERR_WS_BUS_URL", message: expect.not.stringContaining("secret") }));
  });

  it("an unreachable server fails publish and subscribe readiness with T4_ERR_WS_BUS_UNREACHABLE, within the connect timeout", async () => {
    const transport = new RedisTransport(() => undefined, "redis://127.0.0.1:1", "t4test", 500);
    const started = Date.now();
    await expect(transport.publish("c", "x")).rejects.toMatchObject({ code: "T4_ERR_WS_BUS_UNREACHABLE" });
    await expect(transport.listen("c")).rejects.toMatchObject({ code: "T4_ERR_WS_BUS_UNREACHABLE" });
    expect(Date.now() - started).toBeLessThan(3000);
    await transport.close();
  });
});

for (const name of ["REDIS", "VALKEY"] as const) {
  const url = serviceUrl(name);
  describe.skipIf(!url)(`the ${name.toLowerCase()} transport`, () => {
    it("delivers each message once to every process listening (the publisher's included), and only on its prefix", async () => {
      const prefix = `t4test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const got = { a: [] as string[], b: [] as string[], other: [] as string[] };
      const a = new RedisTransport((channel, message) => got.a.push(`${channel}:${message}`), url!, prefix);
      const b = new RedisTransport((channel, message) => got.b.push(`${channel}:${message}`), url!, prefix);
      const other = new RedisTransport((channel, message) => got.other.push(`${channel}:${message}`), url!, `${prefix}-x`);
      try {
        await Promise.all([a.listen("rooms"), b.listen("rooms"), other.listen("rooms")]);
        await a.publish("rooms", "one");
        await b.publish("rooms", "two\nlines");
        await b.publish("elsewhere", "nobody");
        await settle();
        expect(got.a).toEqual(["rooms:one", "rooms:two\nlines"]);
        expect(got.b).toEqual(["rooms:one", "rooms:two\nlines"]);
        expect(got.other).toEqual([]);
        await b.unlisten("rooms");
        await a.publish("rooms", "three");
        await settle();
        expect(got.b).toHaveLength(2);
        expect(got.a).toHaveLength(3);
      } finally {
        await Promise.all([a.close(), b.close(), other.close()]);
      }
    });

    it("publish/subscribe go through it when TINA4_PUBSUB_URL is set", async () => {
      process.env.TINA4_PUBSUB_URL = url!.replace(/^redis:/, name === "VALKEY" ? "valkey:" : "redis:");
      process.env.TINA4_PUBSUB_PREFIX = `t4test-${Date.now()}`;
      const got: unknown[] = [];
      const off = subscribe("c", (data) => got.push(data));
      await off.ready;
      expect(busKind()).toBe("redis");
      await publish("c", { hello: name });
      await expect.poll(() => got).toEqual([{ hello: name }]);
      off();
    });
  });
}
