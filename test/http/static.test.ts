import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, verbatim } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";
import { StaticFiles } from "../../runtime/http/static.js";

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

/**
 * Each traversal guard of StaticFiles, exercised alone: every test here fails when the guard
 * it names is removed, even though the other guards are still there.
 */
describe("static traversal guards, each alone", () => {
  let guarded: RunningServer;
  let top: string;
  let pub: string;

  beforeAll(async () => {
    top = mkdtempSync(join(tmpdir(), "tina4-guards-"));
    pub = join(top, "public");
    mkdirSync(join(pub, "sub"), { recursive: true });
    mkdirSync(join(top, "public-old"));
    writeFileSync(join(pub, "ok.txt"), "fine");
    writeFileSync(join(pub, "sub", "page.txt"), "page");
    writeFileSync(join(pub, "sub", ".secret"), "DOTFILE");
    writeFileSync(join(top, "secret.txt"), "TOP SECRET");
    writeFileSync(join(top, "public-old", "leak.txt"), "OLD LEAK");
    guarded = await startApp(() => undefined, { publicDir: pub });
  });
  afterAll(async () => guarded.close());

  const refused = async (path: string) => {
    const res = await verbatim(guarded.port, "GET", path);
    expect(res.status, path).toBe(400);
    expect(JSON.parse(res.body), path).toMatchObject({ error: "Invalid path", code: "T4_ERR_HTTP_BAD_PATH" });
  };

  it("dot-segment rule: %2e%2e and %2e segments are refused, even when they would land inside public/", async () => {
    await refused("/sub/%2e%2e/ok.txt"); // without the rule: the dotfile rule answers 404 instead
    await refused("/%2e/ok.txt");
    await refused("/sub/%2E%2E/%2e%2e/secret.txt");
  });

  it("separator rule: a decoded / or \\ inside a segment is refused", async () => {
    await refused("/sub%2f..%2fok.txt"); // without the rule this serves public/ok.txt
    await refused("/sub%2fpage.txt");
    await refused("/sub%5cpage.txt");
    await refused("/ok.txt%2f..%2f..%2fsecret.txt");
    await refused("/sub/..%5c..%5csecret.txt");
  });

  it("separator rule refuses NUL too (the path decoder answers 400 before it is reached over HTTP)", () => {
    class Probe extends StaticFiles {
      refuses(segment: string) {
        return this.refusesSegment(segment);
      }
    }
    const probe = new Probe(pub);
    expect(probe.refuses("page\0.txt")).toBe(true);
    expect(probe.refuses("page.txt")).toBe(false);
    expect(probe.refuses("..page.txt")).toBe(false); // a name, not a dot segment
  });

  it("containment rule: with the segment rule switched off, a joined path outside public/ is still refused", async () => {
    class WithoutSegmentRule extends StaticFiles {
      protected override refusesSegment(): boolean {
        return false;
      }
    }
    const files = new WithoutSegmentRule(pub);
    expect(await files.lookup(["ok.txt/../../secret.txt"])).toEqual({ kind: "forbidden" });
    // a sibling folder whose name starts with the public folder's name is outside it too
    expect(await files.lookup(["sub/../../public-old/leak.txt"])).toEqual({ kind: "forbidden" });
    expect((await files.lookup(["sub/../ok.txt"])).kind).toBe("file"); // inside: the containment rule alone allows it
  });

  it("dotfile rule: dotfiles at any depth are 404, not served", async () => {
    for (const path of ["/sub/.secret", "/sub/%2esecret"]) {
      const res = await verbatim(guarded.port, "GET", path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain("DOTFILE");
    }
  });

  it("the guarded server still serves the files that are meant to be public", async () => {
    expect((await verbatim(guarded.port, "GET", "/sub/page.txt")).body).toBe("page");
    expect((await verbatim(guarded.port, "GET", "/ok.txt")).body).toBe("fine");
  });
});
