/**
 * HEAD of a route answering with `res.stream()` (HEAD falls back to GET's handler): the headers
 * GET would send go out at once, and the stream is destroyed unread — Node writes no body for
 * a HEAD, so piping it would read the whole stream for nothing, and an endless one (a generator,
 * a live feed) would never end the HEAD answer. GET still streams, and a HEAD then a GET on one
 * keep-alive connection are both answered.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { request, Agent, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { Readable } from "node:stream";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

let server: RunningServer;
let port: number;

/** What each route's last source saw: bytes produced, whether it was destroyed. */
const sources = new Map<string, { produced: number; destroyed: boolean }>();

/** 16 KiB chunks, endless when `total` is Infinity; records its `_destroy`. */
function source(name: string, total = Infinity): Readable {
  const state = { produced: 0, destroyed: false };
  sources.set(name, state);
  return new Readable({
    read() {
      if (state.produced >= total) return void this.push(null);
      const size = Math.min(16 * 1024, total - state.produced);
      state.produced += size;
      setImmediate(() => this.push(Buffer.alloc(size, 0x61)));
    },
    destroy(error, callback) {
      state.destroyed = true;
      callback(error);
    },
  });
}

/** The last endless async generator a route streamed (Readable.from): finished once its stream is destroyed. */
let generator: AsyncGenerator<string> | null = null;
function endlessGenerator(): Readable {
  generator = (async function* () {
    for (let i = 0; ; i++) {
      yield `event ${i}\n`;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  return Readable.from(generator);
}

let sseClosed = false;

beforeAll(async () => {
  server = await startApp((app) => {
    app.get("/endless", (_req, res) => res.header("x-feed", "live").stream(source("endless"), "text/plain; charset=utf-8"));
    app.get("/generator", (_req, res) => res.stream(endlessGenerator(), "text/event-stream"));
    app.get("/sized", (_req, res) => res.header("content-length", 50_000).stream(source("sized", 50_000), "application/octet-stream"));
    app.get("/finite", (_req, res) => res.stream(source("finite", 40_000), "text/plain"));
    app.get("/events", (_req, res) => {
      const events = res.sse({ heartbeat: 1 }).join("head-test");
      sseClosed = false;
      events.onClose(() => (sseClosed = true));
    });
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => server.close());
beforeEach(() => sources.clear());

interface Head {
  status: number;
  headers: IncomingHttpHeaders;
  ms: number;
}

/** A HEAD on a fresh connection; rejects after `deadlineMs` (a HEAD that never ends). */
function head(path: string, deadlineMs = 2000): Promise<Head> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "HEAD", agent: false }, (res) => {
      res.resume();
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, ms: Date.now() - started });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`HEAD ${path} did not end within ${deadlineMs} ms`));
    }, deadlineMs);
    req.on("error", reject);
    req.end();
  });
}

async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("HEAD of a res.stream() route", () => {
  it("answers an endless stream promptly with GET's headers (no Content-Length GET would not have) and destroys it unread", async () => {
    const reply = await head("/endless");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(reply.headers["x-feed"]).toBe("live");
    expect(reply.headers["x-request-id"]).toBeTruthy();
    // GET's stream goes out chunked (HTTP/1.1, no length): the HEAD says so too, and never invents a length
    expect(reply.headers["content-length"]).toBeUndefined();
    expect(reply.headers["transfer-encoding"]).toBe("chunked");
    await until("the source to be destroyed", () => sources.get("endless")?.destroyed === true);
    // at most what a Readable buffers before anyone reads (its highWaterMark), not the stream
    expect(sources.get("endless")!.produced).toBeLessThanOrEqual(64 * 1024);
  });

  it("an endless generator is returned (finished): nothing keeps producing after the HEAD", async () => {
    generator = null;
    const reply = await head("/generator");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/event-stream");
    expect(generator).not.toBeNull();
    // Readable.from returns its generator when destroyed: a finished one yields nothing more
    let next: IteratorResult<string> | undefined;
    await until("the generator to finish", () => {
      void generator!.next().then((r) => (next = r));
      return next?.done === true;
    });
  });

  it("res.sse() on a HEAD: the event stream's headers, and the stream closed (its heartbeat and rooms released)", async () => {
    const reply = await head("/events");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(reply.headers["cache-control"]).toBe("no-cache, no-transform");
    await until("the event stream to close", () => sseClosed);
  });

  it("keeps the Content-Length a handler set for its stream (GET sends it too)", async () => {
    const reply = await head("/sized");
    expect(reply.headers["content-length"]).toBe("50000");
    expect(reply.headers["transfer-encoding"]).toBeUndefined();
    await until("the source to be destroyed", () => sources.get("sized")?.destroyed === true);
  });

  it("GET still streams the endless source; the client leaving destroys it", async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/endless", agent: false }, (res) => {
        expect(res.headers["transfer-encoding"]).toBe("chunked");
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes >= 200_000) {
            req.destroy();
            resolve(bytes);
          }
        });
      });
      req.on("error", (error) => (error.message.includes("socket hang up") ? undefined : reject(error)));
      req.end();
    });
    expect(received).toBeGreaterThanOrEqual(200_000);
    await until("the source to be destroyed", () => sources.get("endless")?.destroyed === true);
  });

  it("a HEAD then a GET on one keep-alive connection are both answered", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const send = (method: string, path: string) =>
        new Promise<{ status: number; body: number; socket: unknown }>((resolve, reject) => {
          const req = request({ host: "127.0.0.1", port, path, method, agent }, (res) => {
            let body = 0;
            res.on("data", (chunk: Buffer) => (body += chunk.length));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, socket: req.socket }));
          });
          req.on("error", reject);
          setTimeout(() => reject(new Error(`${method} ${path}: no answer within 2 s`)), 2000).unref();
          req.end();
        });
      const first = await send("HEAD", "/endless");
      const second = await send("GET", "/finite");
      const third = await send("HEAD", "/generator");
      const fourth = await send("GET", "/finite");
      expect([first.status, second.status, third.status, fourth.status]).toEqual([200, 200, 200, 200]);
      expect([first.body, second.body, third.body, fourth.body]).toEqual([0, 40_000, 0, 40_000]);
      // one connection carried all four
      expect(new Set([first.socket, second.socket, third.socket, fourth.socket]).size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it("pipelined on one raw connection: HEAD of an endless stream, then GET, both complete in order", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let data = "";
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no complete pair within 2 s:\n${data.slice(0, 2000)}`));
      }, 2000);
      socket.on("data", (chunk: Buffer) => (data += chunk.toString("latin1")));
      socket.on("end", () => {
        clearTimeout(timer);
        resolve(data);
      });
      socket.on("error", reject);
      socket.write("HEAD /endless HTTP/1.1\r\nHost: x\r\n\r\nGET /finite HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    });
    const starts = [...text.matchAll(/HTTP\/1\.1 200 OK\r\n/g)].map((m) => m.index);
    expect(starts).toHaveLength(2);
    const headPart = text.slice(0, starts[1]);
    expect(headPart).toMatch(/\r\n\r\n$/); // headers only, no body bytes before the next response
    expect(headPart.toLowerCase()).not.toContain("content-length");
    expect(headPart.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(text.slice(starts[1]!)).toMatch(/\r\n0\r\n\r\n$/); // the GET's chunked body ended
  });
});
