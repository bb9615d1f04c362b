/**
 * compress() and responseCache() send a `res.file()` body themselves (encoded, or read whole to
 * store it), so they must read it as commit does (test/http/file-changes.test.ts): from one
 * opened descriptor whose fstat decides the validators. A file rewritten (a deploy) between the
 * stat its headers came from and that read goes out as it is now, with the ETag, Last-Modified
 * (and Content-Length) of the bytes sent — never the new bytes under the old validators, which a
 * browser, a CDN or responseCache itself would keep (responseCache for its whole TTL).
 * The change is made deterministically by a global middleware after `await next()`: the headers
 * are decided by then, and both middleware read the file only when the response is written.
 */
import { mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../runtime/http/server.js";
import { fileEtag } from "../../runtime/http/file-basis.js";
import { compress } from "../../runtime/middleware/compress.js";
import { closeResponseCaches, responseCache } from "../../runtime/middleware/response-cache.js";
import { sendDecoded } from "../support/encoded-request.js";
import { startApp } from "../support/http.js";

let server: RunningServer;
let files: string;
/** Per requested file name: its new content (and modification time: NEW_TIME unless given), written once the response's headers are decided, before its body is read. */
const rewrites = new Map<string, string | { content: string; at: Date }>();
/** Per requested file name: another file rewritten once every send hook has run (compress() has chosen what to send), before commit opens it. */
const lateRewrites = new Map<string, { file: string; content: Buffer }>();

/** Text well over compress()'s 1 KiB threshold; `rows` sets the size. */
const text = (label: string, rows: number) => Array.from({ length: rows }, (_, i) => `${label} line ${i} ${"x".repeat(i % 37)}\n`).join("");
const OLD_TIME = new Date("2024-01-02T03:04:05Z");
const NEW_TIME = new Date("2025-06-07T08:09:10Z");

function put(name: string, content: string | Buffer, at: Date): string {
  const path = join(files, name);
  writeFileSync(path, content);
  utimesSync(path, at, at);
  return path;
}

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), "tina4-mw-file-changes-"));
  server = await startApp((app) => {
    app.use(async (req, _res, next) => {
      await next();
      const name = req.path.split("/").pop()!;
      const change = rewrites.get(name);
      rewrites.delete(name);
      if (typeof change === "string") put(name, change, NEW_TIME);
      else if (change) put(name, change.content, change.at);
    });
    // the app's onSend hooks run after the response's own (compress()'s)
    app.addHook("onSend", (req) => {
      const name = req.path.split("/").pop()!;
      const change = lateRewrites.get(name);
      lateRewrites.delete(name);
      if (change) put(change.file, change.content, NEW_TIME);
    });
    const file = (req: { params: Record<string, unknown> }, res: { file(path: string, type?: string): unknown }) => void res.file(join(files, String(req.params.name)), "text/plain; charset=utf-8");
    app.get("/compressed/{name}", file, [compress()]);
    app.get("/cached/{name}", file, [responseCache({ backend: "memory", ttl: 60 })]);
    app.get("/both/{name}", file, [compress(), responseCache({ backend: "memory", ttl: 60 })]);
  });
});
afterAll(async () => {
  await server.close();
  await closeResponseCaches();
});
beforeEach(() => {
  rewrites.clear();
  lateRewrites.clear();
});

/** What the validators of `name` must be now: made from its current stat. */
function current(name: string): { etag: string; lastModified: string } {
  const stats = statSync(join(files, name));
  return { etag: fileEtag(stats), lastModified: stats.mtime.toUTCString() };
}

describe("a res.file() rewritten after its headers were decided", () => {
  describe.each([
    ["compress(), a small file (encoded whole, its copy kept)", "compressed", "small.txt", 200],
    ["compress(), a file over 1 MiB (encoded as it is read)", "compressed", "large.txt", 40_000],
  ])("%s", (_title, route, name, rows) => {
    it("goes out encoded as it is now, with the ETag and Last-Modified of those bytes; the next request too", async () => {
      const before = text("old", rows);
      const after = text("NEW", rows + 3);
      put(name, before, OLD_TIME);
      const old = current(name);
      rewrites.set(name, after);
      const reply = await sendDecoded(`${server.url}/${route}/${name}`, { "accept-encoding": "gzip" });
      expect(reply.status).toBe(200);
      expect(reply.headers["content-encoding"]).toBe("gzip");
      expect(reply.body).toBe(after);
      const now = current(name);
      expect(now.etag).not.toBe(old.etag);
      expect(reply.headers.etag).toBe(now.etag);
      expect(reply.headers["last-modified"]).toBe(now.lastModified);

      // nothing stale kept: the file as it is, and a 304 for the validator just sent
      const again = await sendDecoded(`${server.url}/${route}/${name}`, { "accept-encoding": "gzip" });
      expect([again.body === after, again.headers.etag]).toEqual([true, now.etag]);
      const revalidated = await sendDecoded(`${server.url}/${route}/${name}`, { "accept-encoding": "gzip", "if-none-match": now.etag });
      expect(revalidated.status).toBe(304);
    }, 20_000);
  });

  it("compress() answering from its kept encoded copy (the file put back to a version it encoded before) sends that version's validators", async () => {
    const versionA = text("version A", 150);
    put("kept.txt", versionA, OLD_TIME);
    const a = current("kept.txt");
    const first = await sendDecoded(`${server.url}/compressed/kept.txt`, { "accept-encoding": "gzip" });
    expect([first.body === versionA, first.headers.etag]).toEqual([true, a.etag]); // encoded and kept
    put("kept.txt", text("version B", 170), NEW_TIME);
    // the headers are made from B; then A is put back (same bytes and time): the kept copy of A is found
    rewrites.set("kept.txt", { content: versionA, at: OLD_TIME });
    const reply = await sendDecoded(`${server.url}/compressed/kept.txt`, { "accept-encoding": "gzip" });
    expect(reply.body).toBe(versionA);
    expect([reply.headers.etag, reply.headers["last-modified"]]).toEqual([a.etag, a.lastModified]);
  });

  it("compress() sends a precompressed sibling rewritten (grown) after it was chosen whole, never cut at its old length", async () => {
    const body = text("sibling", 300);
    put("sib.txt", body, OLD_TIME);
    put("sib.txt.gz", gzipSync(body, { level: 1 }), OLD_TIME);
    const grown = text("sibling", 300) + text("appended", 200);
    // a deploy writes the new sibling (the original follows later): a valid gzip of other bytes, larger
    lateRewrites.set("sib.txt", { file: "sib.txt.gz", content: gzipSync(grown, { level: 1 }) });
    const reply = await sendDecoded(`${server.url}/compressed/sib.txt`, { "accept-encoding": "gzip" });
    expect(reply.headers["content-encoding"]).toBe("gzip");
    expect(reply.headers["content-length"]).toBe(String(statSync(join(files, "sib.txt.gz")).size));
    expect(reply.body).toBe(grown);
  });

  it("compress() of an unchanged file keeps the validators it was announced with (the control)", async () => {
    put("steady.txt", text("steady", 200), OLD_TIME);
    const announced = current("steady.txt");
    const reply = await sendDecoded(`${server.url}/compressed/steady.txt`, { "accept-encoding": "br" });
    expect(reply.headers["content-encoding"]).toBe("br");
    expect([reply.headers.etag, reply.headers["last-modified"]]).toEqual([announced.etag, announced.lastModified]);
  });

  it("responseCache() sends and stores it as it is now: the miss and the hit carry the validators of the bytes", async () => {
    const before = text("old", 100);
    const after = text("NEW", 120);
    put("stored.txt", before, OLD_TIME);
    rewrites.set("stored.txt", after);
    const miss = await sendDecoded(`${server.url}/cached/stored.txt`);
    expect(miss.headers["x-cache"]).toBe("MISS");
    expect(miss.body).toBe(after);
    const now = current("stored.txt");
    expect([miss.headers.etag, miss.headers["last-modified"], miss.headers["content-length"]]).toEqual([now.etag, now.lastModified, String(Buffer.byteLength(after))]);
    const hit = await sendDecoded(`${server.url}/cached/stored.txt`);
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hit.body).toBe(after);
    expect([hit.headers.etag, hit.headers["last-modified"]]).toEqual([now.etag, now.lastModified]);
  });

  it("compress() around responseCache(): the encoded miss and the stored hit both describe the new bytes", async () => {
    put("layered.txt", text("old", 100), OLD_TIME);
    const after = text("NEW", 130);
    rewrites.set("layered.txt", after);
    const miss = await sendDecoded(`${server.url}/both/layered.txt`, { "accept-encoding": "gzip" });
    const now = current("layered.txt");
    expect([miss.headers["x-cache"], miss.headers["content-encoding"], miss.body === after, miss.headers.etag]).toEqual(["MISS", "gzip", true, now.etag]);
    const hit = await sendDecoded(`${server.url}/both/layered.txt`, { "accept-encoding": "br" });
    expect([hit.headers["x-cache"], hit.headers["content-encoding"], hit.body === after, hit.headers.etag]).toEqual(["HIT", "br", true, now.etag]);
  });
});
