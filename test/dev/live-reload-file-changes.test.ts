/**
 * `tina4 serve` (dev) appends its live-reload client to HTML files (public/ pages and
 * `res.file()` answers), growing their Content-Length by the client's size. Dev is where files
 * are edited while a browser reloads: the file can change between the stat that decided the
 * headers and the read of its body. The body must then still match the headers it goes out
 * with — the file as it is now plus the client, under that file's own Content-Length, ETag and
 * Last-Modified — or a keep-alive connection takes the extra bytes for its next response (a
 * grown file) or waits for bytes that never come (a shrunk one), and the page is cut.
 * The change is made deterministically by a global middleware after `await next()`: the headers
 * are decided by then, and the client's onSend hook reads the file after it.
 */
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { injectLiveClient, LIVE_CLIENT } from "../../cli/dev/live-reload.js";
import { fileEtag } from "../../runtime/http/file-basis.js";
import type { RunningServer } from "../../runtime/http/server.js";
import { startApp } from "../support/http.js";

let server: RunningServer;
let pub: string;
let files: string;
/** Per request path: the file's new content, written once the headers are decided, before the body is read. */
const changes = new Map<string, { path: string; content: string }>();

const OTHER = "<!doctype html><p>the next page on the same connection</p>";
const ORIGINAL = `<!doctype html><html><body><h1>version 1</h1>${"<p>old paragraph</p>".repeat(20)}</body></html>\n`;
const GROWN = `<!doctype html><html><body><h1>version 2</h1>${"<p>a longer new paragraph</p>".repeat(40)}</body></html>\n`;
const SHRUNK = "<!doctype html><html><body><h1>v3</h1></body></html>\n";
const NEW_TIME = new Date("2025-06-07T08:09:10Z");

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "tina4-live-file-changes-"));
  pub = join(root, "public");
  files = join(root, "files");
  mkdirSync(pub);
  mkdirSync(files);
  writeFileSync(join(pub, "other.html"), OTHER);
  server = await startApp(
    (app) => {
      app.use(async (req, _res, next) => {
        await next();
        const change = changes.get(req.path);
        changes.delete(req.path);
        if (change) {
          writeFileSync(change.path, change.content);
          utimesSync(change.path, NEW_TIME, NEW_TIME);
        }
      });
      app.get("/download/{name}", (req, res) => res.file(join(files, String(req.params.name)), "text/html; charset=utf-8"));
      app.addHook("onSend", injectLiveClient); // as tina4 serve adds it: after the app's own hooks
    },
    { publicDir: pub, dev: true },
  );
});
afterAll(async () => server.close());

let agent: Agent;
beforeEach(() => {
  changes.clear();
  agent?.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});
afterAll(() => agent?.destroy());

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

/** A GET through the keep-alive agent; rejects when the body is cut, or after `deadlineMs` (a hang). */
function get(path: string, deadlineMs = 2500): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no complete answer for ${path} within ${deadlineMs} ms (a hang)`));
    }, deadlineMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    const req = request({ host: "127.0.0.1", port: server.port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("close", () => {
        if (!res.complete) fail(new Error(`the body of ${path} was cut`));
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), socket: req.socket! });
      });
    });
    req.on("error", fail);
    req.end();
  });
}

/** Sends `paths` pipelined on one raw connection (the last asks to close it) and splits the replies by Content-Length, as a client would. */
function pipelined(paths: string[], deadlineMs = 2500): Promise<{ responses: Array<{ status: number; body: string; complete: boolean }>; rest: string }> {
  return new Promise((resolve) => {
    const socket = connect(server.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const responses = [];
      let rest = Buffer.concat(chunks).toString("latin1");
      for (;;) {
        const end = rest.indexOf("\r\n\r\n");
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(rest);
        if (end < 0 || !status) break;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
        const body = rest.slice(end + 4, end + 4 + length);
        responses.push({ status: Number(status[1]), body, complete: body.length === length });
        rest = rest.slice(end + 4 + body.length);
      }
      resolve({ responses, rest });
    };
    const timer = setTimeout(done, deadlineMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined); // a reset is one way of closing: "close" follows
    socket.on("close", done);
    socket.write(paths.map((path, i) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${i === paths.length - 1 ? "Connection: close\r\n" : ""}\r\n`).join(""));
  });
}

/** Writes `content` to `path` and returns the ETag tina4 gives it now. */
function place(path: string, content: string): string {
  writeFileSync(path, content);
  return fileEtag(statSync(path));
}

/** The page as the file is now, followed by the client, under that file's own validators and the page's exact length. */
function expectCurrentPage(reply: Reply, path: string, content: string, staleEtag: string): void {
  const now = statSync(path);
  expect(reply.status).toBe(200);
  expect(reply.body).toBe(content + LIVE_CLIENT);
  expect(reply.headers["content-length"]).toBe(String(Buffer.byteLength(content + LIVE_CLIENT)));
  expect(reply.headers.etag).toBe(fileEtag(now));
  expect(reply.headers.etag).not.toBe(staleEtag);
  expect(reply.headers["last-modified"]).toBe(now.mtime.toUTCString());
}

/** The next request on the same kept-alive connection is answered intact. */
async function expectNextIntact(first: Reply): Promise<void> {
  const next = await get("/other.html");
  expect(next.socket).toBe(first.socket);
  expect([next.status, next.body]).toEqual([200, OTHER + LIVE_CLIENT]);
}

describe("dev live-reload client on an HTML file edited between its headers and its read", () => {
  it("an unchanged page keeps its validators and gets the client (the control)", async () => {
    const path = join(pub, "steady.html");
    const etag = place(path, ORIGINAL);
    const reply = await get("/steady.html");
    expect([reply.status, reply.body, reply.headers.etag]).toEqual([200, ORIGINAL + LIVE_CLIENT, etag]);
    expect(reply.headers["content-length"]).toBe(String(Buffer.byteLength(ORIGINAL + LIVE_CLIENT)));
    await expectNextIntact(reply);
  });

  it.each([
    ["grown", GROWN],
    ["shrunk", SHRUNK],
  ])("public/, %s: the new page whole, with the client and its own length and ETag; the next request on the connection intact", async (label, content) => {
    const path = join(pub, `${label}.html`);
    const stale = place(path, ORIGINAL);
    changes.set(`/${label}.html`, { path, content });
    const first = await get(`/${label}.html`);
    expectCurrentPage(first, path, content, stale);
    await expectNextIntact(first);
  });

  it.each([
    ["grown", GROWN],
    ["shrunk", SHRUNK],
  ])("res.file() of an HTML file, %s: the same", async (label, content) => {
    const path = join(files, `${label}.html`);
    const stale = place(path, ORIGINAL);
    changes.set(`/download/${label}.html`, { path, content });
    const first = await get(`/download/${label}.html`);
    expectCurrentPage(first, path, content, stale);
    await expectNextIntact(first);
  });

  it.each([
    ["grown", GROWN],
    ["shrunk", SHRUNK],
  ])("%s, pipelined on a raw connection: exactly two complete responses, nothing between or after them", async (label, content) => {
    const path = join(pub, `raw-${label}.html`);
    place(path, ORIGINAL);
    changes.set(`/raw-${label}.html`, { path, content });
    const { responses, rest } = await pipelined([`/raw-${label}.html`, "/other.html"]);
    expect(rest).toBe("");
    expect(responses.map((r) => [r.status, r.body, r.complete])).toEqual([
      [200, content + LIVE_CLIENT, true],
      [200, OTHER + LIVE_CLIENT, true],
    ]);
  });
});
