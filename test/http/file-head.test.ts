/**
 * HEAD of a file (public/ or `res.file()`, with or without Range: HEAD ignores it, docs/http.md)
 * gets exactly the headers GET would, and nothing is opened or read to send them: a pipe whose
 * open or read would wait, or a file whose read would fail, answers at once. A file gone (or a
 * directory) is the same 404 as for GET; one rewritten since its stat gets the headers GET would
 * rebuild for it (file-basis.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { request, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";
import { fileEtag } from "../../runtime/http/file-basis.js";

let server: RunningServer;
let port: number;
let pub: string;
let files: string;
/** One change per path, made after the response's headers are decided and before it is written. */
const changes = new Map<string, () => void>();
/** A regular file whose stat (4096 bytes) says more than it holds: a read ends short (GET is cut). */
const SYSFS = "/sys/devices/system/cpu/online";
const TEXT = "0123456789".repeat(270); // 2.7 KB

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "tina4-file-head-"));
  pub = join(root, "public");
  files = join(root, "files");
  mkdirSync(pub);
  mkdirSync(files);
  writeFileSync(join(pub, "page.txt"), TEXT);
  writeFileSync(join(files, "report.txt"), TEXT);
  server = await startApp(
    (app) => {
      app.use(async (req, _res, next) => {
        await next();
        const change = changes.get(req.path);
        changes.delete(req.path);
        change?.();
      });
      app.get("/download/{name}", (req, res) => res.file(join(files, String(req.params.name))));
      app.get("/sysfs", (_req, res) => res.file(SYSFS));
    },
    { publicDir: pub },
  );
  port = Number(new URL(server.url).port);
});
afterAll(async () => server.close());

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  complete: boolean;
}

/** One request on a fresh connection; rejects on a hang (no answer within `deadlineMs`). */
function send(method: string, path: string, headers: Record<string, string> = {}, deadlineMs = 2000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", () => undefined);
      res.on("close", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), complete: res.complete }));
    });
    req.on("error", reject);
    req.setTimeout(deadlineMs, () => req.destroy(new Error(`no answer to ${method} ${path} within ${deadlineMs} ms (a hang)`)));
    req.end();
  });
}

/** Headers without the two that differ per request by design. */
function comparable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date: _date, "x-request-id": _id, ...rest } = headers;
  return rest;
}

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

describe("HEAD of a file: GET's headers, no body", () => {
  it.each([
    ["public/", "/page.txt", {}],
    ["public/ with Range (ignored by HEAD)", "/page.txt", { range: "bytes=10-99" }],
    ["res.file()", "/download/report.txt", {}],
    ["res.file() with Range (ignored by HEAD)", "/download/report.txt", { range: "bytes=-100" }],
  ] as const)("%s", async (_name, path, headers) => {
    const get = await send("GET", path);
    const head = await send("HEAD", path, headers);
    expect(get.status).toBe(200);
    expect(get.body).toBe(TEXT);
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.complete).toBe(true);
    expect(comparable(head.headers)).toEqual(comparable(get.headers));
    expect(head.headers["content-length"]).toBe(String(TEXT.length));
  });

  it("a file rewritten since its stat: the headers GET would rebuild (its own length and ETag)", async () => {
    const path = join(pub, "rewritten.txt");
    writeFileSync(path, "old");
    const stale = fileEtag(statSync(path));
    changes.set("/rewritten.txt", () => writeFileSync(path, "new and longer"));
    const head = await send("HEAD", "/rewritten.txt");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String("new and longer".length));
    expect(head.headers.etag).toBe(fileEtag(statSync(path)));
    expect(head.headers.etag).not.toBe(stale);
    expect(comparable((await send("GET", "/rewritten.txt")).headers)).toEqual(comparable(head.headers));
  });

  it.each(["/gone.txt", "/download/gone.txt"])("a file gone before the answer is written (%s): GET's 404", async (path) => {
    const file = path.startsWith("/download/") ? join(files, "gone.txt") : join(pub, "gone.txt");
    writeFileSync(file, TEXT);
    changes.set(path, () => rmSync(file));
    const head = await send("HEAD", path);
    writeFileSync(file, TEXT);
    changes.set(path, () => rmSync(file));
    const get = await send("GET", path);
    expect(head.status).toBe(404);
    expect(get.status).toBe(404);
    expect(JSON.parse(get.body)).toMatchObject({ error: "Not Found", path });
    expect(comparable(head.headers)).toEqual(comparable(get.headers));
  });

  it("a file missing from the start: GET's 404", async () => {
    const head = await send("HEAD", "/download/never-there.txt");
    expect(head.status).toBe(404);
    expect(head.headers["content-type"]).toBe("application/json; charset=utf-8");
  });
});

describe("HEAD opens and reads nothing", () => {
  // A FIFO with no writer: open() waits for one, and a read would wait for data. A HEAD that
  // opened or read it would hang; it answers at once and never holds a descriptor on it.
  it.skipIf(process.platform !== "linux")("res.file() of a pipe no one writes to: answered at once, never opened", async () => {
    const path = join(files, "quiet.fifo");
    execFileSync("mkfifo", [path]);
    try {
      const head = await send("HEAD", "/download/quiet.fifo");
      expect(head.status).toBe(200);
      expect(head.complete).toBe(true);
      expect(head.headers["accept-ranges"]).toBeUndefined(); // not a regular file: no length, no ranges (as for GET)
      expect(openDescriptors(path)).toBe(0);
    } finally {
      // had the server opened it, its open would still wait: a writer lets it go before the next test
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: no reader waiting, as it should be
      }
    }
  });

  it.skipIf(!existsSync(SYSFS) || statSync(SYSFS).size <= readFileSync(SYSFS).length)("a file whose read ends short of its stat (GET is cut): HEAD is a complete 200 with the stat's length", async () => {
    const get = await send("GET", "/sysfs");
    expect(get.complete).toBe(false);
    const head = await send("HEAD", "/sysfs");
    expect(head.status).toBe(200);
    expect(head.complete).toBe(true);
    expect(head.headers["content-length"]).toBe(String(statSync(SYSFS).size));
    expect(comparable(head.headers)).toEqual(comparable(get.headers));
  });
});
