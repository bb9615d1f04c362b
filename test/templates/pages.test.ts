import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listen } from "../../runtime/http/server.js";
import { App } from "../../runtime/app.js";
import { pageCandidates, pageRoutes } from "../../runtime/templates/pages.js";
import { session, signToken } from "../../runtime/index.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { CookieClient } from "../support/cookie-client.js";
import { templatesDir } from "./support.js";

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const PAGES = {
  "base.twig": "<html><body>{% block body %}{% endblock %}</body></html>",
  "pages/index.twig": "{% extends 'base.twig' %}{% block body %}<h1>Home</h1>{% endblock %}",
  "pages/about.twig": "<h1>About</h1>",
  "pages/docs/index.twig": "<h1>Docs</h1>",
  "pages/blog/first-post.twig": "<h1>First</h1>",
  "pages/_partial.twig": "partial",
  "pages/contact.twig": "<form method=post>{{ request.method }} {{ request.path }}</form>",
  "pages/where.twig": "{{ request.path }}?{{ request.query.q }}",
};

async function serve(dev: boolean, setup: (app: App, publicDir: string) => void = () => undefined) {
  const folder = templatesDir(PAGES);
  const publicDir = join(folder.root, "public");
  mkdirSync(publicDir);
  writeFileSync(join(publicDir, "index.html"), "static index");
  writeFileSync(join(publicDir, "robots.txt"), "static robots");
  const app = new App({ publicDir, dev, templatesDir: folder.dir });
  setup(app, publicDir);
  const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
  cleanups.push(folder.cleanup, () => server.close());
  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, init);
    return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
  };
  return { get, folder, app, url: `http://127.0.0.1:${server.port}` };
}

describe("page templates: a GET with no route renders src/templates/pages/<path>.twig", () => {
  it("maps paths to pages (/ → index, file or folder index), through layouts, as text/html", async () => {
    const { get } = await serve(false);
    expect(await get("/")).toEqual({ status: 200, type: "text/html; charset=utf-8", body: "<html><body><h1>Home</h1></body></html>" });
    expect((await get("/about")).body).toBe("<h1>About</h1>");
    expect((await get("/about/")).body).toBe("<h1>About</h1>");
    expect((await get("/docs")).body).toBe("<h1>Docs</h1>");
    expect((await get("/blog/first-post")).body).toBe("<h1>First</h1>");
  });

  it("pages come before public/ files; other files are still served; unknown paths are the normal 404", async () => {
    const { get } = await serve(false);
    expect((await get("/")).body).toContain("Home");
    expect((await get("/robots.txt")).body).toBe("static robots");
    const missing = await get("/nope");
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: "Not Found", path: "/nope" });
  });

  it("a route wins over a page; a GET page still shows where only POST is routed", async () => {
    const { get } = await serve(false, (app) => {
      app.get("/about", () => "<p>route</p>");
      app.post("/contact", () => ({ sent: true }));
    });
    expect((await get("/about")).body).toBe("<p>route</p>");
    expect(await get("/contact")).toMatchObject({ status: 200, body: "<form method=post>GET /contact</form>" });
    expect((await get("/contact", { method: "POST" })).body).not.toContain("<form");
  });

  it("partials (_name), dot-files and traversal are never pages; HEAD has no body; POST without a route is 404", async () => {
    const { get } = await serve(false);
    expect((await get("/_partial")).status).toBe(404);
    expect((await get("/%2e%2e/base")).status).not.toBe(200);
    expect((await get("/pages/about")).status).toBe(404);
    expect(await get("/about", { method: "HEAD" })).toMatchObject({ status: 200, body: "" });
    expect((await get("/about", { method: "POST" })).status).toBe(404);
  });

  it("a path that runs through a page file (/about.twig, /about.twig/x) is the normal 404, in dev too (it was a 500: ENOTDIR)", async () => {
    for (const dev of [true, false]) {
      const { get } = await serve(dev);
      for (const path of ["/about.twig", "/about.twig/x", "/docs/index.twig"]) {
        const answer = await get(path);
        expect({ dev, path, status: answer.status }).toEqual({ dev, path, status: 404 });
        expect(JSON.parse(answer.body)).toMatchObject({ error: "Not Found", path });
      }
      expect((await get("/about")).status).toBe(200);
    }
  });

  it("pages see the request (path, query)", async () => {
    const { get } = await serve(false);
    expect((await get("/where?q=tea")).body).toBe("/where?tea");
  });

  it("dev: a page added while serving is found without a restart; production lists pages once", async () => {
    const dev = await serve(true);
    expect((await dev.get("/new")).status).toBe(404);
    dev.folder.write("pages/new.twig", "new page");
    expect((await dev.get("/new")).body).toBe("new page");
    const prod = await serve(false);
    expect((await prod.get("/about")).status).toBe(200);
    prod.folder.write("pages/later.twig", "later");
    expect((await prod.get("/later")).status).toBe(404);
  });

  it("lists one route per page for `tina4 routes` (file page before folder index, partials left out)", async () => {
    const { app, folder } = await serve(false);
    folder.write("pages/docs.twig", "docs file wins");
    app.views!.clear();
    expect(pageRoutes(app.views!).map((r) => [r.path, r.template])).toEqual([
      ["/", "pages/index.twig"],
      ["/about", "pages/about.twig"],
      ["/blog/first-post", "pages/blog/first-post.twig"],
      ["/contact", "pages/contact.twig"],
      ["/docs", "pages/docs.twig"],
      ["/where", "pages/where.twig"],
    ]);
    expect(pageRoutes(app.views!)[0]!.file).toBe(join(folder.dir, "pages", "index.twig"));
  });

  it("a page sees `user` as a route's template does: from a Bearer token or the session's logged-in user", async () => {
    const secret = process.env.TINA4_SECRET;
    process.env.TINA4_SECRET = "pages-test-secret-0123456789abcdef-012345";
    cleanups.push(() => (secret === undefined ? delete process.env.TINA4_SECRET : (process.env.TINA4_SECRET = secret)), () => closeSessionStores());
    const { app, folder, get, url } = await serve(true, (app) => {
      app.use(session());
      app.post("/login", async (req) => {
        await req.session!.regenerate();
        req.session!.set("user", { sub: "7", email: "ann@example.com" });
        return { ok: true };
      }, { secured: false });
    });
    folder.write("pages/me.twig", "{{ user ? user.email ~ ' ' ~ user.sub : 'anonymous' }}");
    app.views!.clear();
    expect((await get("/me")).body).toBe("anonymous");
    const token = await signToken({ sub: "9", email: "bob@example.com" });
    expect((await get("/me", { headers: { authorization: `Bearer ${token}` } })).body).toBe("bob@example.com 9");
    expect((await get("/me", { headers: { authorization: "Bearer not.a.token" } })).body).toBe("anonymous");
    const browser = new CookieClient(url);
    expect((await browser.request("/login", { method: "POST" })).status).toBe(200);
    expect(await (await browser.request("/me")).text()).toBe("ann@example.com 7");
  });

  it("candidate names refuse segments that are not page names", () => {
    expect(pageCandidates([])).toEqual(["pages/index.twig"]);
    expect(pageCandidates(["a", "b"])).toEqual(["pages/a/b.twig", "pages/a/b/index.twig"]);
    for (const bad of [[".."], [".env"], ["_x"], ["a\\b"], ["a\0"], [""], ["a/b"]]) expect(pageCandidates(bad), JSON.stringify(bad)).toBeNull();
  });
});
