/**
 * docs/errors.md's example as a reader builds it: `tina4 init`, the Twig files and the route the
 * page shows (each block naming its file in a first-line comment), `tina4 serve`, then what the
 * page says a browser and an API client get — each request on a new connection.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot, runCli, startServe, tempDir } from "../support/cli.js";
import { freshRequest } from "../support/fresh-request.js";

/** path → text of every ```twig and ```ts block of the page that names its file in a first-line comment. */
function exampleFiles(doc: string): Map<string, string> {
  const files = new Map<string, string>();
  const markdown = readFileSync(join(repoRoot, doc), "utf8");
  for (const [, text] of markdown.matchAll(/```(?:twig|ts)\n([\s\S]*?)```/g)) {
    const path = /^(?:\{# (src\/\S+\.twig) #\}|\/\/ (src\/\S+\.ts))\n/.exec(text!);
    if (path) files.set(path[1] ?? path[2]!, text!);
  }
  return files;
}

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";
const work = tempDir("tina4-errors-example-");
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

describe("docs/errors.md, your own pages", () => {
  it("answers a browser with errors/404.twig and errors/4xx.twig, an API client with JSON", async () => {
    const app = join(work, "shop");
    const init = runCli(["init", app, "--yes"], work);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    const files = exampleFiles("docs/errors.md");
    expect([...files.keys()].sort()).toEqual(["src/routes/orders/[id:int]/get.ts", "src/templates/errors/404.twig", "src/templates/errors/4xx.twig", "src/templates/layout.twig"]);
    for (const [path, text] of files) {
      mkdirSync(dirname(join(app, path)), { recursive: true });
      writeFileSync(join(app, path), text);
    }
    const served = await startServe(app);
    child = served.child;

    const api = await freshRequest(`${served.url}/nowhere`);
    expect([api.status, api.headers["content-type"]]).toEqual([404, "application/json; charset=utf-8"]);
    expect(api.json()).toMatchObject({ error: "Not Found", path: "/nowhere", code: "T4_ERR_HTTP_NOT_FOUND" });

    const missing = await freshRequest(`${served.url}/nowhere`, { headers: { accept: BROWSER } });
    expect([missing.status, missing.headers["content-type"]]).toEqual([404, "text/html; charset=utf-8"]);
    expect(missing.body).toContain("<title>Not found — Shop</title>");
    expect(missing.body).toContain("<h1>We could not find /nowhere</h1>");
    expect(missing.body).toContain("<footer>Shop</footer>");

    const archived = await freshRequest(`${served.url}/orders/101`, { headers: { accept: "text/html" } });
    expect(archived.status).toBe(410);
    expect(archived.body).toMatch(/<h1>410 Gone<\/h1>\s*<p>Order 101 was archived<\/p>/);
    expect((await freshRequest(`${served.url}/orders/7`)).json()).toEqual({ id: 7 });
  }, 60_000);

  it("serves the same pages in production after tina4 build (templates precompiled into dist/)", async () => {
    const app = join(work, "shop");
    child?.kill("SIGTERM");
    const build = runCli(["build"], app);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const served = await startServe(app, ["--production", "--workers", "1"]);
    child = served.child;
    const missing = await freshRequest(`${served.url}/nowhere`, { headers: { accept: BROWSER } });
    expect([missing.status, missing.headers["content-type"]]).toEqual([404, "text/html; charset=utf-8"]);
    expect(missing.body, served.output()).toContain("<h1>We could not find /nowhere</h1>");
    const archived = await freshRequest(`${served.url}/orders/101`, { headers: { accept: BROWSER } });
    expect(archived.body).toMatch(/<h1>410 Gone<\/h1>\s*<p>Order 101 was archived<\/p>/);
    const api = await freshRequest(`${served.url}/nowhere`, { headers: { accept: "*/*" } });
    expect(api.json()).toMatchObject({ error: "Not Found", code: "T4_ERR_HTTP_NOT_FOUND" });
  }, 90_000);
});
