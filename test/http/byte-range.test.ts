import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";
import { parseRange } from "../../runtime/http/byte-range.js";
import { responseCache } from "../../runtime/middleware/response-cache.js";
import { compress } from "../../runtime/middleware/compress.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request on a NEW connection with raw headers (as a browser's media loader or curl sends them); the body as bytes. */
function send(port: number, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** 200 KB: a range crosses the 64 KiB chunks a file stream reads. */
const data = randomBytes(200_000);
const size = data.length;
let server: RunningServer;
let port: number;
let pub: string;
let outside: string;

beforeAll(async () => {
  const top = mkdtempSync(join(tmpdir(), "tina4-range-"));
  pub = join(top, "public");
  outside = join(top, "files");
  mkdirSync(join(pub, "sub"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(pub, "data.bin"), data);
  writeFileSync(join(pub, "empty.txt"), "");
  writeFileSync(join(pub, "ok.txt"), "fine");
  writeFileSync(join(pub, "sub", ".secret"), "DOTFILE");
  writeFileSync(join(top, "secret.txt"), "TOP SECRET");
  writeFileSync(join(outside, "report.csv"), data);
  // Last-Modified only validates an If-Range date for a file at least a second old
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(join(pub, "data.bin"), past, past);
  utimesSync(join(outside, "report.csv"), past, past);
  server = await startApp(
    (app) => {
      app.get("/download", (_req, res) => res.file(join(outside, "report.csv")));
      app.get("/typed", (_req, res) => res.file(join(outside, "report.csv"), "text/csv; charset=utf-8"));
      app.get("/async-download", async (_req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return res.file(join(outside, "report.csv"));
      });
      app.get("/own-weak-tag", (_req, res) => res.header("etag", 'W/"v1"').file(join(outside, "report.csv")));
      app.get("/own-strong-tag", (_req, res) => res.header("etag", '"v1"').file(join(outside, "report.csv")));
      app.get("/no-ranges", (_req, res) => res.header("accept-ranges", "none").file(join(outside, "report.csv")));
      app.get("/missing", (_req, res) => res.file(join(outside, "nope.csv")));
      app.post("/upload-echo", (_req, res) => res.file(join(outside, "report.csv")), { secured: false });
    },
    { publicDir: pub },
  );
  port = server.port;
});
afterAll(async () => server.close());

const slice = (start: number, end: number) => data.subarray(start, end + 1);

async function expectPartial(path: string, range: string, start: number, end: number, extra: Record<string, string> = {}): Promise<Reply> {
  const reply = await send(port, path, { range, ...extra });
  expect(reply.status, `${path} ${range}`).toBe(206);
  expect(reply.headers["content-range"], range).toBe(`bytes ${start}-${end}/${size}`);
  expect(reply.headers["content-length"], range).toBe(String(end - start + 1));
  expect(reply.headers["accept-ranges"]).toBe("bytes");
  expect(reply.body.equals(slice(start, end)), `${range}: the exact bytes`).toBe(true);
  return reply;
}

async function expectWhole(path: string, headers: Record<string, string>, why: string): Promise<Reply> {
  const reply = await send(port, path, headers);
  expect(reply.status, why).toBe(200);
  expect(reply.headers["content-range"], why).toBeUndefined();
  expect(reply.headers["content-length"], why).toBe(String(size));
  expect(reply.body.equals(data), `${why}: the whole file`).toBe(true);
  return reply;
}

describe("byte ranges on public/ files", () => {
  it("advertises Accept-Ranges and serves the whole file without a Range", async () => {
    const reply = await expectWhole("/data.bin", {}, "no Range");
    expect(reply.headers["accept-ranges"]).toBe("bytes");
    expect(reply.headers["content-type"]).toBe("application/octet-stream");
  });

  it("answers 206 with exactly the bytes asked for: first byte, last byte, the middle across chunks, open-ended, suffix", async () => {
    await expectPartial("/data.bin", "bytes=0-0", 0, 0);
    await expectPartial("/data.bin", `bytes=${size - 1}-${size - 1}`, size - 1, size - 1);
    await expectPartial("/data.bin", "bytes=-1", size - 1, size - 1);
    await expectPartial("/data.bin", "bytes=65000-140000", 65000, 140000);
    await expectPartial("/data.bin", "bytes=150000-", 150000, size - 1);
    await expectPartial("/data.bin", "bytes=0-", 0, size - 1); // what a browser's media loader sends first
    await expectPartial("/data.bin", "bytes=-500", size - 500, size - 1);
    await expectPartial("/data.bin", "Bytes=10-19", 10, 19); // the unit is case-insensitive
  });

  it("clamps an end beyond the file and a suffix longer than the file", async () => {
    await expectPartial("/data.bin", `bytes=${size - 10}-${size + 1000}`, size - 10, size - 1);
    await expectPartial("/data.bin", `bytes=-${size * 3}`, 0, size - 1);
    await expectPartial("/data.bin", "bytes=5-99999999999999999999999", 5, size - 1);
  });

  it("answers 416 with Content-Range: bytes */size for a range starting at or beyond the end", async () => {
    for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, "bytes=-0", "bytes=99999999999999999999-"]) {
      const reply = await send(port, "/data.bin", { range });
      expect(reply.status, range).toBe(416);
      expect(reply.headers["content-range"], range).toBe(`bytes */${size}`);
      expect(JSON.parse(reply.body.toString()), range).toMatchObject({ error: "Range Not Satisfiable", code: "T4_ERR_HTTP_416" });
      expect(reply.headers["cache-control"], range).toBe("no-store");
    }
  });

  it("an empty file: no range is satisfiable but a suffix, which gets the (empty) whole file", async () => {
    const plain = await send(port, "/empty.txt");
    expect([plain.status, plain.headers["content-length"], plain.body.length]).toEqual([200, "0", 0]);
    const from = await send(port, "/empty.txt", { range: "bytes=0-" });
    expect([from.status, from.headers["content-range"]]).toEqual([416, "bytes */0"]);
    const suffix = await send(port, "/empty.txt", { range: "bytes=-5" });
    expect([suffix.status, suffix.headers["content-range"], suffix.body.length]).toEqual([200, undefined, 0]);
  });

  it("ignores a malformed Range or another unit (RFC 9110: 200 with the whole file)", async () => {
    for (const range of ["bytes=abc", "bytes=5-2", "items=0-1", "bytes=", "bytes=-", "bytes 0-1", "bytes=0-1-2", "bytes=1.5-3", "bytes=0x10-20", "bytes=+1-2", "=0-1"]) {
      await expectWhole("/data.bin", { range }, range);
    }
  });

  it("several ranges get the whole file as a 200, so many tiny ranges cost no more than one GET", async () => {
    await expectWhole("/data.bin", { range: "bytes=0-1,5-6" }, "two ranges");
    await expectWhole("/data.bin", { range: "bytes=0-0, -1" }, "two ranges, spaced");
    const many = Array.from({ length: 1500 }, (_, i) => `${i * 2}-${i * 2}`).join(",");
    await expectWhole("/data.bin", { range: `bytes=${many}` }, "1500 one-byte ranges");
    const overlapping = Array.from({ length: 500 }, () => "0-").join(",");
    await expectWhole("/data.bin", { range: `bytes=${overlapping}` }, "500 overlapping whole-file ranges");
  });

  it("If-Range with the current ETag or Last-Modified applies the range; any other validator gets the whole file", async () => {
    const first = await send(port, "/data.bin");
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers["last-modified"]);
    await expectPartial("/data.bin", "bytes=100-199", 100, 199, { "if-range": etag });
    await expectPartial("/data.bin", "bytes=100-199", 100, 199, { "if-range": lastModified });
    await expectWhole("/data.bin", { range: "bytes=100-199", "if-range": 'W/"c8-0"' }, "another ETag");
    await expectWhole("/data.bin", { range: "bytes=100-199", "if-range": etag.replace(/^W\//, "") }, "our tag claimed strong");
    await expectWhole("/data.bin", { range: "bytes=100-199", "if-range": new Date(Date.parse(lastModified) - 1000).toUTCString() }, "an older date");
    await expectWhole("/data.bin", { range: "bytes=100-199", "if-range": "not a date" }, "garbage");
  });

  it("If-Range by date does not hold for a file modified within the last second (its date may not change with a second write)", async () => {
    const path = join(pub, "fresh.bin");
    writeFileSync(path, data);
    const future = new Date(Date.now() + 60_000); // modified "now" as far as the rule can tell, without racing the clock
    utimesSync(path, future, future);
    const lastModified = statSync(path).mtime.toUTCString();
    await expectWhole("/fresh.bin", { range: "bytes=0-9", "if-range": lastModified }, "a date too fresh to be strong");
    await expectPartial("/fresh.bin", "bytes=0-9", 0, 9); // the range itself is fine
  });

  it("a 304 (If-None-Match) wins over Range", async () => {
    const etag = String((await send(port, "/data.bin")).headers.etag);
    const reply = await send(port, "/data.bin", { range: "bytes=0-9", "if-none-match": etag });
    expect(reply.status).toBe(304);
    expect(reply.body.length).toBe(0);
    expect(reply.headers["content-range"]).toBeUndefined();
  });

  it("HEAD ignores Range: 200 headers for the whole file, no body", async () => {
    const reply = await send(port, "/data.bin", { range: "bytes=0-9" }, "HEAD");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-length"]).toBe(String(size));
    expect(reply.headers["accept-ranges"]).toBe("bytes");
    expect(reply.headers["content-range"]).toBeUndefined();
    expect(reply.body.length).toBe(0);
  });

  it("traversal and dotfiles are still refused with a Range header", async () => {
    // without the separator rule, the first two serve public/ok.txt (a 206 of "fine")
    for (const path of ["/sub%2f..%2fok.txt", "/sub/%2e%2e/ok.txt", "/ok.txt%2f..%2f..%2fsecret.txt", "/sub/..%5c..%5csecret.txt"]) {
      const reply = await send(port, path, { range: "bytes=0-3" });
      expect(reply.status, path).toBe(400);
      expect(JSON.parse(reply.body.toString()), path).toMatchObject({ code: "T4_ERR_HTTP_BAD_PATH" });
    }
    const dotfile = await send(port, "/sub/.secret", { range: "bytes=0-3" });
    expect(dotfile.status).toBe(404);
    expect(dotfile.body.toString()).not.toContain("DOTF");
  });
});

describe("byte ranges on res.file()", () => {
  it("serves ranges with the same rules, and adds content type, ETag and Last-Modified the handler did not set", async () => {
    const whole = await expectWhole("/download", {}, "no Range");
    expect(whole.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(whole.headers.etag).toMatch(/^W\/"/);
    expect(whole.headers["last-modified"]).toBe(statSync(join(outside, "report.csv")).mtime.toUTCString());
    expect(whole.headers["accept-ranges"]).toBe("bytes");
    await expectPartial("/download", "bytes=70000-70009", 70000, 70009);
    await expectPartial("/download", "bytes=-3", size - 3, size - 1);
    await expectPartial("/async-download", "bytes=1-2", 1, 2);
    const typed = await expectPartial("/typed", "bytes=0-0", 0, 0);
    expect(typed.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const beyond = await send(port, "/download", { range: `bytes=${size}-` });
    expect([beyond.status, beyond.headers["content-range"]]).toEqual([416, `bytes */${size}`]);
  });

  it("resumes a download: If-Range with the ETag it was given, the whole file once the file changed", async () => {
    const etag = String((await send(port, "/download")).headers.etag);
    await expectPartial("/download", "bytes=123456-", 123456, size - 1, { "if-range": etag });
    await expectWhole("/download", { range: "bytes=123456-", "if-range": 'W/"30d40-1"' }, "the file changed since");
    // a handler's own tags: a strong one validates a range, a weak one never does (RFC 9110 §13.1.5)
    await expectPartial("/own-strong-tag", "bytes=5-", 5, size - 1, { "if-range": '"v1"' });
    await expectWhole("/own-weak-tag", { range: "bytes=5-", "if-range": 'W/"v1"' }, "a weak tag the handler chose");
    await expectPartial("/own-weak-tag", "bytes=5-", 5, size - 1); // without If-Range the range applies
  });

  it("a client's current copy gets a 304 before any Range, as for public/ files", async () => {
    const first = await send(port, "/download");
    const etag = String(first.headers.etag);
    const cases: Array<Record<string, string>> = [{ "if-none-match": etag }, { "if-none-match": etag, range: "bytes=0-9" }, { "if-modified-since": String(first.headers["last-modified"]), range: "bytes=0-9" }];
    for (const headers of cases) {
      const reply = await send(port, "/download", headers);
      expect(reply.status, JSON.stringify(headers)).toBe(304);
      expect(reply.body.length).toBe(0);
      expect(reply.headers["content-range"]).toBeUndefined();
    }
    // a handler's own strong tag, revalidated by a cache that kept it as weak
    expect((await send(port, "/own-strong-tag", { "if-none-match": 'W/"v1"' })).status).toBe(304);
    await expectPartial("/download", "bytes=0-9", 0, 9, { "if-none-match": 'W/"old"' });
    const post = await send(port, "/upload-echo", { "if-none-match": etag }, "POST");
    expect(post.status).toBe(200); // a conditional GET only
  });

  it("leaves alone a handler that opted out (Accept-Ranges: none), non-GET methods, and a missing file", async () => {
    const none = await send(port, "/no-ranges", { range: "bytes=0-9" });
    expect([none.status, none.headers["content-range"], none.headers["accept-ranges"], none.body.equals(data)]).toEqual([200, undefined, "none", true]);
    const post = await send(port, "/upload-echo", { range: "bytes=0-9" }, "POST");
    expect([post.status, post.headers["content-range"], post.body.equals(data)]).toEqual([200, undefined, true]);
    const missing = await send(port, "/missing", { range: "bytes=0-9" });
    expect(missing.status).toBe(404);
  });
});

describe("byte ranges with responseCache() and compress()", () => {
  let cached: RunningServer;
  let text: string;

  beforeAll(async () => {
    text = "line of text that compresses well\n".repeat(4000);
    const file = join(outside, "log.txt");
    writeFileSync(file, text);
    cached = await startApp(
      (app) => {
        app.use(compress());
        app.use(responseCache({ backend: "memory", maxBodyBytes: 10 * 1024 * 1024 }));
        app.get("/log", (_req, res) => res.file(file));
      },
      { publicDir: pub },
    );
  });
  afterAll(async () => cached.close());

  it("a 206 is neither compressed nor cached: a later plain GET gets the whole file", async () => {
    const part = await send(cached.port, "/log", { range: "bytes=10-29", "accept-encoding": "gzip, br" });
    expect(part.status).toBe(206);
    expect(part.headers["content-encoding"]).toBeUndefined();
    expect(part.headers["content-range"]).toBe(`bytes 10-29/${text.length}`);
    expect(part.body.toString()).toBe(text.slice(10, 30));
    for (let i = 0; i < 2; i++) {
      const whole = await send(cached.port, "/log");
      expect(whole.status).toBe(200);
      expect(whole.body.toString()).toBe(text);
    }
    const staticPart = await send(cached.port, "/data.bin", { range: "bytes=5-9", "accept-encoding": "gzip" });
    expect([staticPart.status, staticPart.body.equals(slice(5, 9))]).toEqual([206, true]);
  });
});

describe("parseRange", () => {
  it("reads the forms of RFC 9110 §14.1.2 against a size", () => {
    expect(parseRange("bytes=0-499", 1000)).toEqual({ kind: "slice", start: 0, end: 499 });
    expect(parseRange("bytes=500-", 1000)).toEqual({ kind: "slice", start: 500, end: 999 });
    expect(parseRange("bytes=-200", 1000)).toEqual({ kind: "slice", start: 800, end: 999 });
    expect(parseRange(" bytes = 1-2 ", 1000)).toEqual({ kind: "slice", start: 1, end: 2 });
    expect(parseRange("bytes=1000-", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-0", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=2-1", 1000)).toEqual({ kind: "whole" });
    expect(parseRange("bytes=0-1,3-4", 1000)).toEqual({ kind: "whole" });
  });
});
