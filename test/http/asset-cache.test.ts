/**
 * docs/templates.md promises that `asset()` URLs (`/css/app.css?v=<hash>` in production) "can be
 * cached for ever": the static server must then say so (`Cache-Control: public,
 * max-age=31536000, immutable`) — it sent `max-age=0, must-revalidate`, so every page view cost
 * a revalidation per asset. Only the URL whose `v` is the file's current hash is immutable: a
 * stale or guessed `v` (an old page during a deploy) keeps revalidating, so no browser can pin
 * the wrong content under a version for a year.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";

let server: RunningServer;
const root = mkdtempSync(join(tmpdir(), "tina4-asset-cache-"));
const pub = join(root, "public");
const templates = join(root, "templates");

beforeAll(async () => {
  mkdirSync(join(pub, "css"), { recursive: true });
  mkdirSync(templates);
  writeFileSync(join(pub, "css", "app.css"), "body{color:red}");
  writeFileSync(join(templates, "page.twig"), '<link rel="stylesheet" href="{{ asset(\'/css/app.css\') }}">');
  server = await startApp((app) => app.get("/", (_req, res) => res.render("page")), { publicDir: pub, templatesDir: templates, dev: false });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const YEAR = "public, max-age=31536000, immutable";

describe("asset() URLs are cacheable for ever", () => {
  it("serves the versioned URL a production page links with an immutable year-long Cache-Control", async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    const href = /href="([^"]+)"/.exec(page)![1]!;
    expect(href).toMatch(/^\/css\/app\.css\?v=[0-9a-f]{10}$/);
    const res = await fetch(server.url + href);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("body{color:red}");
    expect(res.headers.get("cache-control")).toBe(YEAR);
  });

  it("keeps revalidating the plain URL and a v that is not the file's hash", async () => {
    for (const path of ["/css/app.css", "/css/app.css?v=0000000000", "/css/app.css?v=", "/css/app.css?v=a&v=b"]) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control"), path).toBe("public, max-age=0, must-revalidate");
    }
  });

  it("stops calling the old version immutable once the file changes (a deploy)", async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    const href = /href="([^"]+)"/.exec(page)![1]!;
    writeFileSync(join(pub, "css", "app.css"), "body{color:blue; /* new */}");
    const res = await fetch(server.url + href);
    expect(await res.text()).toBe("body{color:blue; /* new */}");
    expect(res.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
  });
});
