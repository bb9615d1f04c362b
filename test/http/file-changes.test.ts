/**
 * A file served from public/ or with `res.file()` can change between the stat that decides its
 * headers (Content-Length, ETag, Last-Modified, Content-Range, an `asset()` URL's immutable
 * Cache-Control) and the read that sends its body: a deploy rewrites it. The body is read from
 * the descriptor that was fstat'ed, and must agree with what the headers say of it:
 * - a whole file (200) that changed is answered as it is now: Content-Length, ETag and
 *   Last-Modified rebuilt from the fstat, never the new bytes under the old validators (a
 *   browser or CDN would keep that mix), and an `asset()` URL is no longer called immutable;
 * - a byte range (206) of a file that changed: the connection is cut (its bytes are not the
 *   ones Content-Range and the ETag named; the client asks again and gets the current file);
 * - deleted before it is opened: the usual 404;
 * - changed after the fstat (unit tests of FileBytes below): never more bytes than announced,
 *   and one ending short is an error (the connection is cut), never a short body a keep-alive
 *   client would wait on or take the next response for.
 * The change is made deterministically by a global middleware after `await next()`: the headers
 * are decided by then and the file is only opened when the response is written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { Response } from "../../runtime/http/response.js";
import { assetVersion } from "../../runtime/http/asset-version.js";
import { fileEtag } from "../../runtime/http/file-basis.js";
import { FileBytes, openFile } from "../../runtime/http/file-bytes.js";

let server: RunningServer;
let port: number;
let pub: string;
let files: string;
/** One change per path, made after the response's headers are decided and before its body is read. */
const changes = new Map<string, (res: Response) => void>();

const OTHER = "the other file, served intact on the same connection";
/** 100 bytes: a shrink by 40 leaves fewer missing bytes than the next response holds. */
const ORIGINAL = "o".repeat(100);
const GROWN = "N".repeat(100) + " and a tail written after the stat";
/** A regular file whose stat (4096 bytes) says more than it holds ("0-1\n"): a file ending short, every time. */
const SYSFS = "/sys/devices/system/cpu/online";

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "tina4-file-changes-"));
  pub = join(root, "public");
  files = join(root, "files");
  mkdirSync(pub);
  mkdirSync(files);
  writeFileSync(join(pub, "other.txt"), OTHER);
  server = await startApp(
    (app) => {
      app.use(async (req, res, next) => {
        await next();
        const change = changes.get(req.path);
        changes.delete(req.path);
        change?.(res);
      });
      app.get("/download/{name}", (req, res) => res.file(join(files, String(req.params.name))));
      app.get("/bad-header", (_req, res) => res.header("x-note", "line\nbreak").file(join(files, "bad-header.txt")));
      app.get("/sysfs", (_req, res) => res.file(SYSFS));
      app.get("/tagged", (_req, res) => res.header("etag", '"handler-v7"').file(join(files, "tagged.txt")));
      app.get("/private", (_req, res) => res.header("cache-control", "private, max-age=31536000, immutable, no-transform").file(join(files, "private.txt")));
    },
    { publicDir: pub },
  );
  port = Number(new URL(server.url).port);
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
function get(path: string, headers: Record<string, string> = {}, deadlineMs = 2500): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no complete answer for ${path} within ${deadlineMs} ms (a hang)`));
    }, deadlineMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    const req = request({ host: "127.0.0.1", port, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("close", () => {
        if (!res.complete) fail(new Error(`the body of ${path} was cut`));
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("latin1"), socket: req.socket! });
      });
    });
    req.on("error", fail);
    req.end();
  });
}

/** Expects `get(path)` to fail promptly: the connection cut, never a hang until the keep-alive timeout (5 s). */
async function expectCut(path: string, headers: Record<string, string> = {}): Promise<void> {
  const started = Date.now();
  const error = await get(path, headers).then(
    (reply) => new Error(`a complete ${reply.status} answer of ${reply.body.length} bytes`),
    (cut: Error) => cut,
  );
  expect(error.message).not.toMatch(/a hang|complete/);
  expect(Date.now() - started).toBeLessThan(2500);
}

interface Parsed {
  status: number;
  length: number;
  body: string;
  complete: boolean;
}

/**
 * Sends `paths` pipelined on one raw connection (the last asks to close it) and splits what
 * comes back by Content-Length, as a client would. Bytes that do not start a response are left
 * in `rest`. `closed`: the server closed the connection within the deadline.
 */
function pipelined(paths: Array<[string, Record<string, string>?]>, deadlineMs = 2500): Promise<{ responses: Parsed[]; rest: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...splitResponses(Buffer.concat(chunks).toString("latin1")), closed });
    };
    const timer = setTimeout(() => done(false), deadlineMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined); // a reset is one way of closing: "close" follows
    socket.on("close", () => done(true));
    socket.write(
      paths
        .map(([path, headers = {}], i) => {
          const lines = [`GET ${path} HTTP/1.1`, "Host: 127.0.0.1", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
          if (i === paths.length - 1) lines.push("Connection: close");
          return lines.join("\r\n") + "\r\n\r\n";
        })
        .join(""),
    );
  });
}

function splitResponses(text: string): { responses: Parsed[]; rest: string } {
  const responses: Parsed[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(rest);
    if (end < 0 || !status) break;
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    responses.push({ status: Number(status[1]), length, body, complete: body.length === length });
    rest = rest.slice(end + 4 + body.length);
  }
  return { responses, rest };
}

/** The next request on the same kept-alive connection is answered intact. */
async function expectNextIntact(first: Reply): Promise<void> {
  const next = await get("/other.txt");
  expect(next.socket).toBe(first.socket);
  expect(next.status).toBe(200);
  expect(next.body).toBe(OTHER);
}

/**
 * The reply describes the bytes it carries: the file as it is now, with that file's own
 * Content-Length, ETag and Last-Modified (not those of the file its headers were first made for).
 */
function expectDescribesFile(reply: Reply, path: string, content: string, staleEtag: string): void {
  const now = statSync(path);
  expect(reply.status).toBe(200);
  expect(reply.body).toBe(content);
  expect(reply.headers["content-length"]).toBe(String(content.length));
  expect(reply.headers.etag).toBe(fileEtag(now));
  expect(reply.headers.etag).not.toBe(staleEtag);
  expect(reply.headers["last-modified"]).toBe(now.mtime.toUTCString());
}

/** Writes `content` to `path` and returns the ETag tina4 gives it now. */
function place(path: string, content: string): string {
  writeFileSync(path, content);
  return fileEtag(statSync(path));
}

/** Rewrites `path` with `content` and a modification time of its own (a same-size rewrite still shows). */
function rewrite(path: string, content: string): () => void {
  return () => {
    writeFileSync(path, content);
    utimesSync(path, new Date("2001-02-03T04:05:06Z"), new Date("2001-02-03T04:05:06Z"));
  };
}

describe("a whole file (200) rewritten between its stat and its open", () => {
  it("public/, grown: the answer is rebuilt from the file as opened (its body matches its own Content-Length and ETag), the next one on the connection intact", async () => {
    const path = join(pub, "grown.txt");
    const stale = place(path, ORIGINAL);
    changes.set("/grown.txt", () => writeFileSync(path, GROWN));
    const first = await get("/grown.txt");
    expectDescribesFile(first, path, GROWN, stale);
    await expectNextIntact(first);
  });

  it("public/, pipelined on a raw connection: exactly two complete responses, nothing between or after them", async () => {
    const path = join(pub, "grown-raw.txt");
    place(path, ORIGINAL);
    changes.set("/grown-raw.txt", () => writeFileSync(path, GROWN));
    const { responses, rest, closed } = await pipelined([["/grown-raw.txt"], ["/other.txt"]]);
    expect(rest).toBe("");
    expect(responses.map((r) => [r.status, r.length, r.body, r.complete])).toEqual([
      [200, GROWN.length, GROWN, true],
      [200, OTHER.length, OTHER, true],
    ]);
    expect(closed).toBe(true);
  });

  it("an empty file (announced Content-Length: 0) that gains content: sent whole with its own length and ETag", async () => {
    const path = join(pub, "was-empty.txt");
    const stale = place(path, "");
    changes.set("/was-empty.txt", () => writeFileSync(path, GROWN));
    const first = await get("/was-empty.txt");
    expectDescribesFile(first, path, GROWN, stale);
    await expectNextIntact(first);
  });

  it("same size, new content: the ETag and Last-Modified are the new file's", async () => {
    const path = join(pub, "same-size.txt");
    const stale = place(path, ORIGINAL);
    const renewed = "R".repeat(ORIGINAL.length);
    changes.set("/same-size.txt", rewrite(path, renewed));
    const first = await get("/same-size.txt");
    expectDescribesFile(first, path, renewed, stale);
    expect(first.headers["last-modified"]).toBe("Sat, 03 Feb 2001 04:05:06 GMT");
  });

  it("public/, shrunk: the current bytes with their own Content-Length and ETag (no cut, no hang), the next one intact", async () => {
    const path = join(pub, "shrunk.txt");
    const stale = place(path, ORIGINAL);
    changes.set("/shrunk.txt", () => writeFileSync(path, ORIGINAL.slice(0, 60)));
    const first = await get("/shrunk.txt");
    expectDescribesFile(first, path, ORIGINAL.slice(0, 60), stale);
    await expectNextIntact(first);
  });

  it("public/, shrunk, pipelined on a raw connection: exactly two complete responses", async () => {
    const path = join(pub, "shrunk-raw.txt");
    place(path, ORIGINAL);
    changes.set("/shrunk-raw.txt", () => writeFileSync(path, ORIGINAL.slice(0, 60)));
    const { responses, rest, closed } = await pipelined([["/shrunk-raw.txt"], ["/other.txt"]]);
    expect(rest).toBe("");
    expect(responses.map((r) => [r.status, r.length, r.body, r.complete])).toEqual([
      [200, 60, ORIGINAL.slice(0, 60), true],
      [200, OTHER.length, OTHER, true],
    ]);
    expect(closed).toBe(true);
  });

  it("truncated to nothing: an empty 200 with Content-Length: 0 and the empty file's ETag", async () => {
    const path = join(pub, "truncated.txt");
    const stale = place(path, ORIGINAL);
    changes.set("/truncated.txt", () => truncateSync(path, 0));
    const first = await get("/truncated.txt");
    expectDescribesFile(first, path, "", stale);
    await expectNextIntact(first);
  });

  it("deleted before it is opened: the usual 404, and the connection stays usable", async () => {
    writeFileSync(join(pub, "deleted.txt"), ORIGINAL);
    changes.set("/deleted.txt", () => rmSync(join(pub, "deleted.txt")));
    const first = await get("/deleted.txt");
    expect(first.status).toBe(404);
    expect(JSON.parse(first.body)).toMatchObject({ error: "Not Found", path: "/deleted.txt" });
    await expectNextIntact(first);
  });

  it("res.file(), grown or shrunk: rebuilt the same way", async () => {
    for (const [name, content] of [["grown.txt", GROWN], ["shrunk.txt", ORIGINAL.slice(0, 60)]] as const) {
      const path = join(files, name);
      const stale = place(path, ORIGINAL);
      changes.set(`/download/${name}`, () => writeFileSync(path, content));
      const first = await get(`/download/${name}`);
      expectDescribesFile(first, path, content, stale);
      await expectNextIntact(first);
    }
  });

  it("res.file() with the handler's own ETag: that one is kept (tina4 cannot rebuild it), Last-Modified and Content-Length are the file's", async () => {
    const path = join(files, "tagged.txt");
    place(path, ORIGINAL);
    changes.set("/tagged", () => writeFileSync(path, GROWN));
    const first = await get("/tagged");
    expect(first.body).toBe(GROWN);
    expect(first.headers["content-length"]).toBe(String(GROWN.length));
    expect(first.headers.etag).toBe('"handler-v7"');
    expect(first.headers["last-modified"]).toBe(statSync(path).mtime.toUTCString());
  });
});

describe("an asset() URL whose file changed between its stat and its open", () => {
  const CSS = "body{color:red}";
  const NEW_CSS = "body{color:blue; /* deployed */}";

  it("is not served immutable: revalidated, with the validators of what was sent", async () => {
    const path = join(pub, "app.css");
    const url = `/app.css?v=${assetVersion(Buffer.from(CSS))}`;
    place(path, CSS);
    const unchanged = await get(url);
    expect(unchanged.headers["cache-control"]).toBe("public, max-age=31536000, immutable"); // the URL is the current version
    const stale = String(unchanged.headers.etag);
    changes.set("/app.css", () => writeFileSync(path, NEW_CSS));
    const changed = await get(url);
    expect(changed.headers["cache-control"]).toBe("public, max-age=0, must-revalidate");
    expectDescribesFile(changed, path, NEW_CSS, stale);
  });

  it("a handler's own immutable policy keeps its other directives (private stays private)", async () => {
    const path = join(files, "private.txt");
    place(path, ORIGINAL);
    const unchanged = await get("/private");
    expect(unchanged.headers["cache-control"]).toBe("private, max-age=31536000, immutable, no-transform");
    changes.set("/private", () => writeFileSync(path, GROWN));
    const changed = await get("/private");
    expect(changed.body).toBe(GROWN);
    expect(changed.headers["cache-control"]).toBe("private, no-transform, max-age=0, must-revalidate");
  });
});

describe("a byte range (206) of a file rewritten between its stat and its open", () => {
  it("grown: the connection is cut at once (no byte of the new file under the old Content-Range); asked again, the current file", async () => {
    const path = join(pub, "grown-range.txt");
    const stale = place(path, ORIGINAL);
    changes.set("/grown-range.txt", () => writeFileSync(path, GROWN));
    await expectCut("/grown-range.txt", { range: "bytes=90-" });
    const again = await get("/grown-range.txt", { range: "bytes=90-" });
    expect(again.status).toBe(206);
    expect(again.headers["content-range"]).toBe(`bytes 90-${GROWN.length - 1}/${GROWN.length}`);
    expect(again.body).toBe(GROWN.slice(90));
    expect(again.headers.etag).toBe(fileEtag(statSync(path)));
    // a client that resumes with If-Range and the validator it had gets the whole current file
    const resumed = await get("/grown-range.txt", { range: "bytes=90-", "if-range": stale });
    expectDescribesFile(resumed, path, GROWN, stale);
    await expectNextIntact(resumed);
  });

  it("same size, new content: the connection is cut at once", async () => {
    const path = join(pub, "same-size-range.txt");
    place(path, ORIGINAL);
    changes.set("/same-size-range.txt", rewrite(path, "R".repeat(ORIGINAL.length)));
    await expectCut("/same-size-range.txt", { range: "bytes=10-19" });
    expect((await get("/other.txt")).body).toBe(OTHER);
  });

  it("shrunk so the range now ends beyond the file: the connection is cut at once", async () => {
    writeFileSync(join(pub, "shrunk-range.txt"), ORIGINAL);
    changes.set("/shrunk-range.txt", () => writeFileSync(join(pub, "shrunk-range.txt"), ORIGINAL.slice(0, 60)));
    await expectCut("/shrunk-range.txt", { range: "bytes=50-89" });
    expect((await get("/other.txt")).body).toBe(OTHER);
  });

  it("pipelined on a raw connection: nothing parses as a complete answer, nothing follows it", async () => {
    writeFileSync(join(pub, "shrunk-range-raw.txt"), ORIGINAL);
    changes.set("/shrunk-range-raw.txt", () => writeFileSync(join(pub, "shrunk-range-raw.txt"), ORIGINAL.slice(0, 60)));
    const started = Date.now();
    const { responses, rest, closed } = await pipelined([["/shrunk-range-raw.txt", { Range: "bytes=20-99" }], ["/other.txt"]]);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(rest).toBe("");
    expect(responses.filter((r) => r.complete)).toEqual([]);
    expect(responses.map((r) => r.body).join("")).toBe(""); // no byte of the changed file under the old Content-Range
  });

  it("deleted before it is opened: the connection is cut at once", async () => {
    writeFileSync(join(pub, "deleted-range.txt"), ORIGINAL);
    changes.set("/deleted-range.txt", () => rmSync(join(pub, "deleted-range.txt")));
    await expectCut("/deleted-range.txt", { range: "bytes=0-9" });
    expect((await get("/other.txt")).body).toBe(OTHER);
  });
});

describe("a file answer whose headers Node refuses to write", () => {
  // Linux only: the descriptor check reads /proc/self/fd
  it.skipIf(process.platform !== "linux")("a control character in a header value: the connection is cut, the file closed, the server goes on", async () => {
    const path = join(files, "bad-header.txt");
    writeFileSync(path, ORIGINAL);
    await expectCut("/bad-header");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openDescriptors(path)).toBe(0);
    expect((await get("/other.txt")).body).toBe(OTHER);
  });
});

describe("a file that reads shorter than the stat it was announced from", () => {
  // needs a Linux sysfs file that stats longer than it reads (4096 bytes against a few): elsewhere none exists
  it.skipIf(!existsSync(SYSFS) || statSync(SYSFS).size <= readFileSync(SYSFS).length)("the connection is cut at once (never a short body), and the server goes on", async () => {
    await expectCut("/sysfs");
    expect((await get("/other.txt")).body).toBe(OTHER);
  });
});

describe("res.file() of a pipe (nothing to stat a length from)", () => {
  // Linux only: a FIFO made with mkfifo and the descriptor count from /proc/self/fd
  it.skipIf(process.platform !== "linux")("streams what is written to it, to its end", async () => {
    const path = join(files, "piped.fifo");
    execFileSync("mkfifo", [path]);
    const reply = get("/download/piped.fifo");
    let writer = -1;
    const deadline = Date.now() + 2500;
    while (writer < 0 && Date.now() < deadline) {
      try {
        writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK); // ENXIO until the server opens it for reading
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    writeSync(writer, "through the pipe");
    closeSync(writer);
    const answer = await reply;
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("through the pipe");
  });
});

describe("FileBytes: reading a file that changes after its fstat, from the descriptor that was fstat'ed", () => {
  async function readAll(body: Readable): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("latin1");
  }

  it("grown: reads only the bytes asked for", async () => {
    const path = join(files, "fd-grown.txt");
    writeFileSync(path, ORIGINAL);
    const file = await openFile(path);
    expect(file.stats.size).toBe(ORIGINAL.length);
    writeFileSync(path, GROWN);
    expect(await readAll(new FileBytes(file.fd, 0, file.stats.size - 1))).toBe(GROWN.slice(0, ORIGINAL.length));
  });

  it("shrunk: an error (T4_ERR_HTTP_FILE_SHRUNK) after the bytes there are, never a plain short end", async () => {
    const path = join(files, "fd-shrunk.txt");
    writeFileSync(path, ORIGINAL);
    const file = await openFile(path);
    truncateSync(path, 60);
    const body = new FileBytes(file.fd, 20, 99);
    const chunks: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of body) chunks.push(chunk as Buffer);
    })().then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: "T4_ERR_HTTP_FILE_SHRUNK", status: 500 });
    expect(Buffer.concat(chunks).toString("latin1")).toBe(ORIGINAL.slice(20, 60));
  });

  // Linux only: the descriptor count from /proc/self/fd
  it.skipIf(process.platform !== "linux")("no byte asked (an empty file that gained content): reads none, and closes the descriptor", async () => {
    const path = join(files, "fd-was-empty.txt");
    writeFileSync(path, "");
    const file = await openFile(path);
    writeFileSync(path, GROWN);
    expect(await readAll(new FileBytes(file.fd, 0, -1))).toBe("");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openDescriptors(path)).toBe(0);
  });

  // Closed under a read still queued, the descriptor's number could go to another request's
  // file before that read runs, and the read take (and move on) that file's bytes.
  it.skipIf(process.platform !== "linux")("destroyed during a read: the descriptor is closed once the read is over, not under it", async () => {
    const path = join(files, "fd-reading.fifo");
    execFileSync("mkfifo", [path]);
    const opening = openFile(path);
    let writer = -1;
    while (writer < 0) {
      try {
        writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK); // ENXIO until the reader is there
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const file = await opening;
    try {
      const body = new FileBytes(file.fd, 0, Infinity);
      body.on("error", () => undefined);
      body.resume(); // a read starts, and waits: the pipe is open and empty
      await new Promise((resolve) => setTimeout(resolve, 30));
      body.destroy();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(openDescriptors(path)).toBe(2); // the writer, and the reader its read still holds
    } finally {
      closeSync(writer); // the read ends (end of pipe): now it is closed
    }
    const deadline = Date.now() + 2500;
    while (openDescriptors(path) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(openDescriptors(path)).toBe(0);
  });

  it.skipIf(process.platform !== "linux")("destroyed before it is read: the descriptor is closed", async () => {
    const path = join(files, "fd-unread.txt");
    writeFileSync(path, ORIGINAL);
    const file = await openFile(path);
    expect(openDescriptors(path)).toBe(1);
    new FileBytes(file.fd, 0, 99).destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openDescriptors(path)).toBe(0);
  });
});

/** How many of this process's file descriptors (the server runs in it) are open on `path`. */
function openDescriptors(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed while listed (the listing's own descriptor)
    }
  }).length;
}

describe("a client that leaves", () => {
  // /proc/self/fd lists open descriptors on Linux only
  it.skipIf(process.platform !== "linux")("mid-body: leaves no descriptor open on the file", async () => {
    const path = join(pub, "big.bin");
    writeFileSync(path, Buffer.alloc(16 * 1024 * 1024, 1)); // more than the socket buffers take: the read waits on the client
    const socket = connect(port, "127.0.0.1");
    socket.write("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await new Promise<void>((resolve) => socket.once("data", () => resolve()));
    expect(openDescriptors(path)).toBe(1);
    socket.destroy();
    const deadline = Date.now() + 2500;
    while (openDescriptors(path) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openDescriptors(path)).toBe(0);
  });

  // A FIFO holds its open until a writer comes: the client can leave in between, for sure.
  it.skipIf(process.platform !== "linux")("before the file has opened: its descriptor is closed once it opens", async () => {
    const path = join(files, "slow-open.fifo");
    execFileSync("mkfifo", [path]);
    let left!: Promise<void>;
    const answering = new Promise<void>((reached) =>
      changes.set("/download/slow-open.fifo", (res) => {
        left = new Promise<void>((resolve) => res.raw.once("close", () => resolve()));
        reached();
      }),
    );
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET /download/slow-open.fifo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await answering; // the response is being written: the server waits in open() for a writer
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    await left;
    expect(openDescriptors(path)).toBe(0);
    // the server's open returns; this writer stays open (so a read would wait) and is the one descriptor left
    const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const deadline = Date.now() + 2500;
      while (openDescriptors(path) > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(openDescriptors(path)).toBe(1);
    } finally {
      closeSync(writer);
    }
  });
});
