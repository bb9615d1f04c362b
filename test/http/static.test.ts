import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

let server: RunningServer;

beforeAll(async () => {
  const pub = mkdtempSync(join(tmpdir(), "tina4-static-"));
  mkdirSync(join(pub, "css"));
  mkdirSync(join(pub, "docs"));
  writeFileSync(join(pub, "index.html"), "<h1>home</h1>");
  writeFileSync(join(pub, "css", "site.css"), "body{}");
  writeFileSync(join(pub, "app.js"), "console.log(1)");
  writeFileSync(join(pub, "logo.svg"), "<svg/>");
  writeFileSync(join(pub, "docs", "index.html"), "<p>docs</p>");
  writeFileSync(join(pub, ".env"), "SECRET=1");
  server = await startApp((app) => app.get("/api/x", () => ({ route: true })), { publicDir: pub });
});
afterAll(async () => server.close());

describe("static files", () => {
  it("serves files with correct content types and index.html for folders", async () => {
    const cases: Array<[string, string, string]> = [
      ["/", "text/html; charset=utf-8", "<h1>home</h1>"],
      ["/css/site.css", "text/css; charset=utf-8", "body{}"],
      ["/app.js", "text/javascript; charset=utf-8", "console.log(1)"],
      ["/logo.svg", "image/svg+xml", "<svg/>"],
      ["/docs", "text/html; charset=utf-8", "<p>docs</p>"],
    ];
    for (const [path, type, body] of cases) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe(type);
      expect(await res.text(), path).toBe(body);
    }
  });

  it("answers 304 for a matching ETag or If-Modified-Since", async () => {
    const first = await fetch(`${server.url}/css/site.css`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"/);
    const cached = await fetch(`${server.url}/css/site.css`, { headers: { "if-none-match": etag } });
    expect(cached.status).toBe(304);
    const since = await fetch(`${server.url}/css/site.css`, { headers: { "if-modified-since": first.headers.get("last-modified")! } });
    expect(since.status).toBe(304);
    const stale = await fetch(`${server.url}/css/site.css`, { headers: { "if-none-match": 'W/"other"' } });
    expect(stale.status).toBe(200);
  });

  it("routes win over files, dotfiles are hidden, and unknown paths are 404 JSON", async () => {
    expect(await (await fetch(`${server.url}/api/x`)).json()).toEqual({ route: true });
    expect((await fetch(`${server.url}/.env`)).status).toBe(404);
    const missing = await fetch(`${server.url}/nope.png`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "Not Found", path: "/nope.png" });
    expect((await fetch(`${server.url}/app.js`, { method: "POST" })).status).toBe(404);
  });
});
