import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rawRequest, startApp, verbatim } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

let server: RunningServer;
let secretDir: string;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "tina4-hostile-"));
  const pub = join(root, "public");
  mkdirSync(pub);
  writeFileSync(join(pub, "ok.txt"), "fine");
  writeFileSync(join(root, "secret.txt"), "TOP SECRET");
  secretDir = root;
  server = await startApp(
    (app) => {
      app.post("/echo", (req) => ({ body: req.body }), { secured: false }); // about body parsing, not auth
      app.get("/q", (req) => ({ q: req.query }));
      app.get("/p/{name}", (req) => ({ name: req.params.name }));
    },
    { publicDir: pub, maxBody: 1024 },
  );
});
afterAll(async () => server.close());

async function alive() {
  const res = await fetch(`${server.url}/__health`);
  expect(res.status).toBe(200);
}

describe("bad input gets a 4xx and the server keeps serving", () => {
  it("malformed JSON → 400 Invalid JSON body", async () => {
    const res = await fetch(`${server.url}/echo`, { method: "POST", body: '{"a":', headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "Invalid JSON body" });
    await alive();
  });

  it("a JSON bomb (deep nesting) → 400 before it reaches the handler", async () => {
    const body = "[".repeat(500) + "]".repeat(500);
    const res = await fetch(`${server.url}/echo`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/nests deeper than 128/);
    const fine = await fetch(`${server.url}/echo`, { method: "POST", body: JSON.stringify({ s: "[[[[{{{{" + "[".repeat(300) }), headers: { "content-type": "application/json" } });
    expect(fine.status).toBe(200);
    await alive();
  });

  it("JSON with invalid UTF-8 → 400", async () => {
    const res = await fetch(`${server.url}/echo`, { method: "POST", body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    await alive();
  });

  it("oversized body → 413, declared or streamed", async () => {
    const declared = await fetch(`${server.url}/echo`, { method: "POST", body: "x".repeat(5000), headers: { "content-type": "text/plain" } });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: string }).error).toMatch(/exceeds the 1024 byte limit/);
    const chunked = await fetch(`${server.url}/echo`, {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("y".repeat(500)));
          controller.close();
        },
      }),
      duplex: "half",
      headers: { "content-type": "text/plain" },
    } as RequestInit);
    expect(chunked.status).toBe(413);
    await alive();
  });

  it("oversized multipart → 413; truncated multipart → 400", async () => {
    const form = new FormData();
    form.append("f", new Blob(["z".repeat(4000)]), "big.bin");
    expect((await fetch(`${server.url}/echo`, { method: "POST", body: form })).status).toBe(413);
    const boundary = "XyZ";
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue-without-end`;
    const truncated = await fetch(`${server.url}/echo`, { method: "POST", body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } });
    expect(truncated.status).toBe(400);
    const noBoundary = await fetch(`${server.url}/echo`, { method: "POST", body: "x", headers: { "content-type": "multipart/form-data" } });
    expect(noBoundary.status).toBe(400);
    await alive();
  });

  it("bad percent-encoding in path or query → 400", async () => {
    expect((await verbatim(server.port, "GET", "/p/%E0%A4%A")).status).toBe(400);
    expect((await verbatim(server.port, "GET", "/p/%ZZ")).status).toBe(400);
    expect((await verbatim(server.port, "GET", "/p/%FF%FE")).status).toBe(400);
    expect((await verbatim(server.port, "GET", "/q?x=%E0%A4%A")).status).toBe(400);
    expect((await verbatim(server.port, "GET", "/p/a%00b")).status).toBe(400);
    await alive();
  });

  it("path traversal never escapes public/", async () => {
    for (const path of ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/..%5csecret.txt", "/ok.txt/..%2f..%2fsecret.txt", "/%2e%2e%5c%2e%2e%5csecret.txt"]) {
      const res = await verbatim(server.port, "GET", path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body, path).not.toContain("TOP SECRET");
    }
    expect(secretDir).toBeTruthy();
    expect((await verbatim(server.port, "GET", "/ok.txt")).body).toBe("fine");
  });

  it("unknown method, garbage request line and absurd headers → 4xx", async () => {
    const unknown = await rawRequest(server.port, "BREW /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(unknown).toMatch(/^HTTP\/1\.1 4\d\d/);
    const garbage = await rawRequest(server.port, "\x00\x01garbage\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    const huge = await rawRequest(server.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
    const connectMethod = await rawRequest(server.port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expect(connectMethod).toMatch(/^HTTP\/1\.1 405/);
    const propfind = await verbatim(server.port, "PROPFIND", "/echo");
    expect(propfind.status).toBe(405);
    await alive();
  });
});
