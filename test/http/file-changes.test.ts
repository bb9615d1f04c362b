/**
 * A file served from public/ or with `res.file()` can change between the stat that decides its
 * headers (Content-Length, Content-Range) and the read that sends its body: a deploy rewrites it.
 * The body must never disagree with the length already announced on a keep-alive connection:
 * - grown: only the announced bytes are sent (the tail would be parsed as the next response:
 *   HPE_INVALID_CONSTANT in the client, seen in CI);
 * - shrunk, truncated: the connection is cut at once (a body ending short would leave the client
 *   waiting for the missing bytes, or take the next response for them), and the server goes on;
 * - deleted before it is opened: the usual 404.
 * The change is made deterministically by a global middleware after `await next()`: the headers
 * are decided by then and the file is only opened when the response is written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

let server: RunningServer;
let port: number;
let pub: string;
let files: string;
/** One change per path, made after the response's headers are decided and before its body is read. */
const changes = new Map<string, () => void>();

const OTHER = "the other file, served intact on the same connection";
/** 100 bytes: a shrink by 40 leaves fewer missing bytes than the next response holds. */
const ORIGINAL = "o".repeat(100);
const GROWN = "N".repeat(100) + " and a tail written after the stat";

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "tina4-file-changes-"));
  pub = join(root, "public");
  files = join(root, "files");
  mkdirSync(pub);
  mkdirSync(files);
  writeFileSync(join(pub, "other.txt"), OTHER);
  server = await startApp(
    (app) => {
      app.use(async (req, _res, next) => {
        await next();
        const change = changes.get(req.path);
        changes.delete(req.path);
        change?.();
      });
      app.get("/download/{name}", (req, res) => res.file(join(files, String(req.params.name))));
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

describe("a file that grows between its stat and its read", () => {
  it("public/: sends only the announced bytes, and the next response on the connection is intact", async () => {
    writeFileSync(join(pub, "grown.txt"), ORIGINAL);
    changes.set("/grown.txt", () => writeFileSync(join(pub, "grown.txt"), GROWN));
    const first = await get("/grown.txt");
    expect(first.status).toBe(200);
    expect(first.headers["content-length"]).toBe(String(ORIGINAL.length));
    expect(first.body).toBe(GROWN.slice(0, ORIGINAL.length));
    await expectNextIntact(first);
  });

  it("public/, pipelined on a raw connection: exactly two responses, nothing between or after them", async () => {
    writeFileSync(join(pub, "grown-raw.txt"), ORIGINAL);
    changes.set("/grown-raw.txt", () => writeFileSync(join(pub, "grown-raw.txt"), GROWN));
    const { responses, rest, closed } = await pipelined([["/grown-raw.txt"], ["/other.txt"]]);
    expect(rest).toBe("");
    expect(responses.map((r) => [r.status, r.body])).toEqual([
      [200, GROWN.slice(0, ORIGINAL.length)],
      [200, OTHER],
    ]);
    expect(closed).toBe(true);
  });

  it("an empty file (Content-Length: 0) that gains content sends none of it", async () => {
    writeFileSync(join(pub, "was-empty.txt"), "");
    changes.set("/was-empty.txt", () => writeFileSync(join(pub, "was-empty.txt"), GROWN));
    const first = await get("/was-empty.txt");
    expect(first.status).toBe(200);
    expect(first.headers["content-length"]).toBe("0");
    expect(first.body).toBe("");
    await expectNextIntact(first);
  });

  it("res.file(): sends only the announced bytes, and the next response on the connection is intact", async () => {
    writeFileSync(join(files, "grown.txt"), ORIGINAL);
    changes.set("/download/grown.txt", () => writeFileSync(join(files, "grown.txt"), GROWN));
    const first = await get("/download/grown.txt");
    expect(first.status).toBe(200);
    expect(first.headers["content-length"]).toBe(String(ORIGINAL.length));
    expect(first.body).toBe(GROWN.slice(0, ORIGINAL.length));
    await expectNextIntact(first);
  });

  it("a byte range (206): sends exactly the announced slice, and the next response is intact", async () => {
    writeFileSync(join(pub, "grown-range.txt"), ORIGINAL);
    changes.set("/grown-range.txt", () => writeFileSync(join(pub, "grown-range.txt"), GROWN));
    const first = await get("/grown-range.txt", { range: "bytes=90-" });
    expect(first.status).toBe(206);
    expect(first.headers["content-range"]).toBe("bytes 90-99/100");
    expect(first.body).toBe(GROWN.slice(90, 100));
    await expectNextIntact(first);
  });
});

describe("a file that shrinks between its stat and its read", () => {
  it("public/: the connection is cut at once (no hang), and the server goes on serving", async () => {
    writeFileSync(join(pub, "shrunk.txt"), ORIGINAL);
    changes.set("/shrunk.txt", () => writeFileSync(join(pub, "shrunk.txt"), ORIGINAL.slice(0, 60)));
    await expectCut("/shrunk.txt");
    const fresh = await get("/shrunk.txt");
    expect(fresh.status).toBe(200);
    expect(fresh.body).toBe(ORIGINAL.slice(0, 60));
    await expectNextIntact(fresh);
  });

  it("public/, pipelined on a raw connection: the short response never parses as complete, nothing follows it", async () => {
    writeFileSync(join(pub, "shrunk-raw.txt"), ORIGINAL);
    changes.set("/shrunk-raw.txt", () => writeFileSync(join(pub, "shrunk-raw.txt"), ORIGINAL.slice(0, 60)));
    const started = Date.now();
    const { responses, rest, closed } = await pipelined([["/shrunk-raw.txt"], ["/other.txt"]]);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(rest).toBe("");
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ status: 200, length: 100, body: ORIGINAL.slice(0, 60), complete: false });
  });

  it("truncated to nothing: the connection is cut at once", async () => {
    writeFileSync(join(pub, "truncated.txt"), ORIGINAL);
    changes.set("/truncated.txt", () => truncateSync(join(pub, "truncated.txt"), 0));
    await expectCut("/truncated.txt");
    expect((await get("/other.txt")).body).toBe(OTHER);
  });

  it("deleted before it is opened: the usual 404, and the connection stays usable", async () => {
    writeFileSync(join(pub, "deleted.txt"), ORIGINAL);
    changes.set("/deleted.txt", () => rmSync(join(pub, "deleted.txt")));
    const first = await get("/deleted.txt");
    expect(first.status).toBe(404);
    expect(JSON.parse(first.body)).toMatchObject({ error: "Not Found", path: "/deleted.txt" });
    await expectNextIntact(first);
  });

  it("res.file(): the connection is cut at once, and the server goes on serving", async () => {
    writeFileSync(join(files, "shrunk.txt"), ORIGINAL);
    changes.set("/download/shrunk.txt", () => writeFileSync(join(files, "shrunk.txt"), ORIGINAL.slice(0, 60)));
    await expectCut("/download/shrunk.txt");
    const fresh = await get("/download/shrunk.txt");
    expect(fresh.body).toBe(ORIGINAL.slice(0, 60));
  });

  it("a byte range (206) that now ends beyond the file: the connection is cut at once", async () => {
    writeFileSync(join(pub, "shrunk-range.txt"), ORIGINAL);
    changes.set("/shrunk-range.txt", () => writeFileSync(join(pub, "shrunk-range.txt"), ORIGINAL.slice(0, 60)));
    await expectCut("/shrunk-range.txt", { range: "bytes=50-89" });
    expect((await get("/other.txt")).body).toBe(OTHER);
  });

  it("a byte range (206), pipelined on a raw connection: the short slice never parses as complete", async () => {
    writeFileSync(join(pub, "shrunk-range-raw.txt"), ORIGINAL);
    changes.set("/shrunk-range-raw.txt", () => writeFileSync(join(pub, "shrunk-range-raw.txt"), ORIGINAL.slice(0, 60)));
    const { responses, rest, closed } = await pipelined([["/shrunk-range-raw.txt", { Range: "bytes=20-99" }], ["/other.txt"]]);
    expect(closed).toBe(true);
    expect(rest).toBe("");
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ status: 206, length: 80, body: ORIGINAL.slice(20, 60), complete: false });
  });

  it("a byte range (206) whose file is deleted before it is opened: the connection is cut at once", async () => {
    writeFileSync(join(pub, "deleted-range.txt"), ORIGINAL);
    changes.set("/deleted-range.txt", () => rmSync(join(pub, "deleted-range.txt")));
    await expectCut("/deleted-range.txt", { range: "bytes=0-9" });
    expect((await get("/other.txt")).body).toBe(OTHER);
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

describe("a client that leaves mid-body", () => {
  // /proc/self/fd lists open descriptors on Linux only
  it.skipIf(process.platform !== "linux")("leaves no descriptor open on the file", async () => {
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
});
