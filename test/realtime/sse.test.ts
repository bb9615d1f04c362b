/**
 * Server-Sent Events: res.sse() streams events (event, id, multi-line data, JSON), sends
 * heartbeats, exposes Last-Event-ID, joins rooms and receives broadcast() like a socket, and
 * ends when the client leaves or the server drains.
 */
import { afterEach, describe, expect, it } from "vitest";
import { broadcast, type SseStream } from "../../runtime/index.js";
import { localCount } from "../../runtime/realtime/hub.js";
import { formatEvent } from "../../runtime/realtime/sse.js";
import type { App } from "../../runtime/app.js";
import { startApp } from "../support/http.js";
import { connect as tcp } from "node:net";

const closers: Array<() => Promise<unknown>> = [];
const aborts: AbortController[] = [];
afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort();
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function serve(setup: (app: App) => void) {
  const server = await startApp(setup);
  closers.push(server.close);
  return server;
}

/** Opens an event stream and collects its text. */
async function stream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  aborts.push(abort);
  const response = await fetch(url, { headers, signal: abort.signal });
  let text = "";
  let ended = false;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    response,
    abort: () => abort.abort(),
    text: () => text,
    ended: () => ended,
    until: (pattern: RegExp | string, timeout = 3000) => expect.poll(() => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text)), { timeout, interval: 10 }).toBe(true),
  };
}

describe("res.sse()", () => {
  it("streams events with event names, ids, multi-line and JSON data, and exposes Last-Event-ID", async () => {
    const server = await serve((app) => app.get("/events", (req, res) => {
      const events = res.sse();
      events.send("hello");
      events.send({ n: 1 }, { event: "tick", id: 7 });
      events.send("two\nlines");
      events.send(`resumed after ${events.lastEventId}`, { event: "resume" });
    }));
    const client = await stream(`${server.url}/events`, { "last-event-id": "41" });
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(client.response.headers.get("cache-control")).toBe("no-cache, no-transform");
    await client.until("resumed after 41");
    expect(client.text()).toBe(":ok\n\ndata: hello\n\nevent: tick\nid: 7\ndata: {\"n\":1}\n\ndata: two\ndata: lines\n\nevent: resume\ndata: resumed after 41\n\n");
  });

  it("formats events safely: no line break can inject a field", () => {
    expect(formatEvent("a\r\nb\rc", "x\ny", "1\n2")).toBe("event: xy\nid: 12\ndata: a\ndata: b\ndata: c\n\n");
  });

  it("joins rooms and receives broadcasts (with the SSE event name) like a socket; leaves on disconnect", async () => {
    let opened: SseStream | null = null;
    let closed = 0;
    const server = await serve((app) => app.get("/feed/{room}", (req, res) => {
      opened = res.sse({ heartbeat: 0 }).join(String(req.params.room)).onClose(() => void closed++);
    }));
    const before = localCount();
    const news = await stream(`${server.url}/feed/news`);
    const sport = await stream(`${server.url}/feed/sport`);
    await news.until(":ok");
    await sport.until(":ok");
    expect(localCount("news")).toBe(1);
    await broadcast("news", { headline: "x" }, { event: "headline" });
    await broadcast("everyone");
    await news.until("data: everyone");
    await sport.until("data: everyone");
    expect(news.text()).toBe(':ok\n\nevent: headline\ndata: {"headline":"x"}\n\ndata: everyone\n\n');
    expect(sport.text()).toBe(":ok\n\ndata: everyone\n\n");
    news.abort();
    await expect.poll(() => closed).toBe(1);
    expect(localCount("news")).toBe(0);
    expect(localCount()).toBe(before + 1);
    expect(opened).not.toBeNull();
  });

  it("sends heartbeat comments", async () => {
    const server = await serve((app) => app.get("/beat", (_req, res) => void res.sse({ heartbeat: 1 })));
    const client = await stream(`${server.url}/beat`);
    await client.until(":ok\n\n:\n\n", 2500);
  });

  it("ends every stream when the server drains", async () => {
    const server = await startApp((app) => app.get("/s", (_req, res) => void res.sse()));
    const client = await stream(`${server.url}/s`);
    await client.until(":ok");
    const started = Date.now();
    await server.close();
    await expect.poll(() => client.ended()).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("disconnects a client that stops reading once maxBuffered bytes are queued (the server never buffers without bound)", async () => {
    let accepted = 0;
    let refused = 0;
    let closed = false;
    const chunk = "x".repeat(16 * 1024);
    const server = await serve((app) => app.get("/flood", (_req, res) => {
      const events = res.sse({ heartbeat: 0, maxBuffered: 64 * 1024 });
      events.onClose(() => void (closed = true));
      const pump = () => {
        for (let i = 0; i < 8; i++) {
          if (events.send(chunk)) accepted++;
          else refused++;
        }
        if (!events.closed && accepted < 40_000) setImmediate(pump);
      };
      setImmediate(pump);
    }));
    const socket = tcp(server.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.pause(); // never reads
    socket.write("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
    await expect.poll(() => closed, { timeout: 5000 }).toBe(true);
    // what the kernel's buffers took plus the 64 KiB limit, not the 640 MB the loop would send
    expect(accepted * chunk.length).toBeLessThan(32 * 1024 * 1024);
    expect(refused).toBeGreaterThan(0);
    socket.destroy();
  });
});
