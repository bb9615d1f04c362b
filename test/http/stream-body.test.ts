/**
 * A streamed body (`res.stream()`, and every 206 byte range) once its headers are out:
 * - the source failing mid-body cuts the connection: the client sees a cut body, never a short
 *   one that looks complete (chunked: no last chunk; with a Content-Length: fewer bytes, closed);
 * - the client leaving destroys the source (its `_destroy` runs: a file or a query it holds is
 *   released), also for a source that is waiting for data;
 * - the socket's backpressure holds: a client that reads nothing stops the source early;
 * - a source already destroyed when the response is written cuts it at once (no hang);
 * - a source handed over once the client has gone is destroyed (it is never piped anywhere).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { Readable } from "node:stream";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

let server: RunningServer;
let port: number;
let big: string;

/** What the last source of each route saw: how much it produced, and whether (why) it was destroyed. */
const sources = new Map<string, { produced: number; destroyed: boolean; error: Error | null }>();

/**
 * A source of `total` bytes in 16 KiB chunks (endless when Infinity) that fails after `failAfter`
 * bytes, or waits forever once it has produced `stallAfter` bytes; records its `_destroy`.
 */
function source(name: string, options: { total?: number; failAfter?: number; stallAfter?: number }): Readable {
  const state = { produced: 0, destroyed: false, error: null as Error | null };
  sources.set(name, state);
  const total = options.total ?? Infinity;
  return new Readable({
    read() {
      if (options.failAfter !== undefined && state.produced >= options.failAfter) {
        this.destroy(new Error("the source failed mid-body"));
        return;
      }
      if (options.stallAfter !== undefined && state.produced >= options.stallAfter) return; // waits for data that never comes
      if (state.produced >= total) return void this.push(null);
      const size = Math.min(16 * 1024, total - state.produced);
      state.produced += size;
      setImmediate(() => this.push(Buffer.alloc(size, 0x61)));
    },
    destroy(error, callback) {
      state.destroyed = true;
      state.error = error;
      callback(error);
    },
  });
}

beforeAll(async () => {
  const pub = mkdtempSync(join(tmpdir(), "tina4-stream-body-"));
  big = join(pub, "big.bin");
  writeFileSync(big, Buffer.alloc(16 * 1024 * 1024, 1)); // more than the socket buffers take: the read waits on the client
  server = await startApp((app) => {
    app.get("/whole", (_req, res) => res.stream(source("whole", { total: 100_000 }), "text/plain"));
    app.get("/fails", (_req, res) => res.stream(source("fails", { failAfter: 32 * 1024 }), "text/plain"));
    app.get("/fails-sized", (_req, res) => res.header("content-length", 100_000).stream(source("fails-sized", { failAfter: 32 * 1024 }), "text/plain"));
    app.get("/stalls", (_req, res) => res.stream(source("stalls", { stallAfter: 16 * 1024 }), "text/plain"));
    app.get("/endless", (_req, res) => res.stream(source("endless", {}), "application/octet-stream"));
    // answers only once its client has gone: the body is never written
    app.get("/late", async (_req, res) => {
      if (!res.raw.destroyed) await new Promise((resolve) => res.raw.once("close", resolve));
      return res.stream(source("late", { total: 100 }), "text/plain");
    });
    app.get("/abandoned", (_req, res) => {
      const body = source("abandoned", { total: 100 });
      body.destroy();
      return res.stream(body, "text/plain");
    });
  }, { publicDir: pub });
  port = Number(new URL(server.url).port);
});
afterAll(async () => server.close());

interface Reply {
  status: number;
  length: number;
  complete: boolean;
}

function get(path: string, deadlineMs = 2500): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let length = 0;
      res.on("data", (chunk: Buffer) => (length += chunk.length));
      res.on("error", () => undefined);
      res.on("close", () => resolve({ status: res.statusCode ?? 0, length, complete: res.complete }));
    });
    req.on("error", reject);
    req.setTimeout(deadlineMs, () => req.destroy(new Error(`no end to ${path} within ${deadlineMs} ms (a hang)`)));
    req.end();
  });
}

async function until(check: () => boolean, deadlineMs = 2500): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("a streamed body", () => {
  it("sent whole when the source ends", async () => {
    expect(await get("/whole")).toEqual({ status: 200, length: 100_000, complete: true });
  });

  it("the source failing mid-body (chunked): the body is cut, never complete-looking", async () => {
    const reply = await get("/fails");
    expect(reply.status).toBe(200);
    expect(reply.complete).toBe(false);
    expect(reply.length).toBeGreaterThan(0);
    expect(sources.get("fails")!.error?.message).toBe("the source failed mid-body");
  });

  it("the source failing mid-body (with a Content-Length): the connection closes short of it at once", async () => {
    const started = Date.now();
    const reply = await get("/fails-sized");
    expect(reply.complete).toBe(false);
    expect(reply.length).toBeLessThan(100_000);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a source already destroyed when the response is written: cut at once, no hang", async () => {
    const started = Date.now();
    // the connection goes before the headers do (socket hang up) or right after them: never a complete answer
    const outcome = await get("/abandoned").then(
      (reply) => (reply.complete ? "complete" : "cut"),
      (error: Error) => (/hang up|ECONNRESET/.test(error.message) ? "cut" : error.message),
    );
    expect(outcome).toBe("cut");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("the client leaving mid-body destroys the source (a source waiting for data too)", async () => {
    for (const name of ["stalls", "endless"]) {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(`GET /${name} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      await new Promise<void>((resolve) => socket.once("data", () => resolve()));
      expect(sources.get(name)!.destroyed).toBe(false);
      socket.destroy();
      await until(() => sources.get(name)!.destroyed);
      expect(sources.get(name)!.destroyed).toBe(true);
    }
  });

  it("a body handed over after the client left is destroyed, never left holding what it opened", async () => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET /late HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await until(() => sources.get("late")?.destroyed === true);
    expect(sources.get("late")?.destroyed).toBe(true);
  });

  it("backpressure: a client that reads nothing stops the source long before its end", async () => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET /endless HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await new Promise<void>((resolve) => socket.once("data", () => resolve()));
    socket.pause(); // reads nothing more: the socket buffers fill and the server must wait
    await new Promise((resolve) => setTimeout(resolve, 300));
    const produced = sources.get("endless")!.produced;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sources.get("endless")!.produced).toBe(produced); // stopped, not buffering in memory
    expect(produced).toBeLessThan(64 * 1024 * 1024);
    socket.destroy();
    await until(() => sources.get("endless")!.destroyed);
    expect(sources.get("endless")!.destroyed).toBe(true);
  });

  // /proc/self/fd lists open descriptors on Linux only
  it.skipIf(process.platform !== "linux")("a 206 byte range: the client leaving mid-body leaves no descriptor open on the file", async () => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=1-\r\n\r\n");
    const head = await new Promise<string>((resolve) => socket.once("data", (chunk: Buffer) => resolve(chunk.toString("latin1"))));
    expect(head).toMatch(/^HTTP\/1\.1 206 /);
    expect(openDescriptors(big)).toBe(1);
    socket.destroy();
    await until(() => openDescriptors(big) === 0);
    expect(openDescriptors(big)).toBe(0);
  });
});

/** How many of this process's descriptors (the server runs in it) are open on `path`. */
function openDescriptors(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}
