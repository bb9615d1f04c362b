/**
 * `res.file()` of a path that is a directory: there is no file to send, so it is a 404 like a
 * missing file (docs/http.md), never a 200 whose body is then cut (reading a directory fails,
 * EISDIR, once the headers are out). Decided from the fstat commit already makes of what it opened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

let server: RunningServer;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tina4-file-dir-"));
  mkdirSync(join(dir, "reports"));
  writeFileSync(join(dir, "reports", "a.txt"), "a");
  server = await startApp((app) => {
    app.get("/download/{name}", (req, res) => res.file(join(dir, String(req.params.name))));
    // a handler's own validators and Accept-Ranges: none keep completeFile from stat'ing: commit alone decides
    app.get("/own", (_req, res) => res.header("accept-ranges", "none").header("etag", '"mine"').file(join(dir, "reports")));
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => server.close());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  complete: boolean;
}

/** One request on a fresh connection; `complete` is false when the body was cut. */
function send(path: string, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", () => undefined);
      res.on("close", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), complete: res.complete }));
    });
    req.on("error", reject);
    req.setTimeout(2500, () => req.destroy(new Error(`no answer for ${path} (a hang)`)));
    req.end();
  });
}

describe("res.file() of a directory", () => {
  it.each(["/download/reports", "/own"])("GET %s: 404 JSON of the same shape as any other 404, complete, without the file's validators", async (path) => {
    const reply = await send(path);
    expect(reply.status).toBe(404);
    expect(reply.complete).toBe(true);
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = JSON.parse(reply.body) as Record<string, unknown>;
    expect(body).toMatchObject({ error: "Not Found", path, code: "T4_ERR_HTTP_NOT_FOUND" });
    const unmatched = JSON.parse((await send("/no/such/route")).body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(unmatched).sort());
    expect(reply.headers.etag).toBeUndefined();
    expect(reply.headers["last-modified"]).toBeUndefined();
    expect(reply.headers["content-length"]).toBe(String(Buffer.byteLength(reply.body)));
  });

  it("a missing file: the same 404", async () => {
    const reply = await send("/download/nothing-here.txt");
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({ error: "Not Found", path: "/download/nothing-here.txt", code: "T4_ERR_HTTP_NOT_FOUND" });
  });

  it("HEAD: 404 too, with GET's Content-Length", async () => {
    const [get, head] = [await send("/download/reports"), await send("/download/reports", "HEAD")];
    expect(head.status).toBe(404);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(get.headers["content-length"]);
  });
});
