import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listen } from "../../runtime/http/server.js";
import { App } from "../../runtime/app.js";
import { templatesDir, viewsOf } from "./support.js";

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function withPublic(dev: boolean) {
  const folder = viewsOf({ "main.twig": "{{ asset(path) }}" }, { dev });
  cleanups.push(folder.cleanup);
  const publicDir = join(folder.root, "public");
  mkdirSync(join(publicDir, "css"), { recursive: true });
  writeFileSync(join(publicDir, "css", "app.css"), "body{color:red}");
  return { ...folder, publicDir };
}

describe("asset(path)", () => {
  it("production: a content hash per file, computed once per process", async () => {
    const { root, publicDir } = withPublic(false);
    const { Views } = await import("../../runtime/templates/views.js");
    const views = new Views({ dir: join(root, "templates"), publicDir, dev: false });
    const hash = createHash("sha256").update("body{color:red}").digest("hex").slice(0, 10);
    expect(views.render("main.twig", { path: "css/app.css" })).toBe(`/css/app.css?v=${hash}`);
    expect(views.render("main.twig", { path: "/css/app.css" })).toBe(`/css/app.css?v=${hash}`);
    writeFileSync(join(publicDir, "css", "app.css"), "changed");
    expect(views.render("main.twig", { path: "css/app.css" })).toBe(`/css/app.css?v=${hash}`);
    expect(views.render("main.twig", { path: "missing.js" })).toBe("/missing.js");
  });

  it("dev: plain URLs; absolute URLs pass through; paths cannot leave public/", async () => {
    const { root, publicDir } = withPublic(true);
    const { Views } = await import("../../runtime/templates/views.js");
    const views = new Views({ dir: join(root, "templates"), publicDir, dev: true });
    expect(views.render("main.twig", { path: "css/app.css" })).toBe("/css/app.css");
    expect(views.render("main.twig", { path: "https://cdn.example/x.js" })).toBe("https://cdn.example/x.js");
    expect(views.render("main.twig", { path: "//cdn.example/x.js" })).toBe("//cdn.example/x.js");
    expect(() => views.render("main.twig", { path: "../.env" })).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_SANDBOX" }));
    expect(() => views.render("main.twig", { path: "css/../../x" })).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_SANDBOX" }));
  });
});

describe("request, session, user and csrf_field()", () => {
  it("outside a request: request is null, csrf_field() is empty", () => {
    const { views, cleanup } = viewsOf({ "main.twig": "[{{ request is null ? 'none' : 'set' }}][{{ csrf_field() }}][{{ user is defined ? 'u' : '-' }}]" });
    cleanups.push(cleanup);
    expect(views.render("main.twig")).toBe("[none][][-]");
  });

  it("in a request: session, user and the CSRF field come from the request when auth set them", async () => {
    const folder = templatesDir({ "me.twig": "{{ request.method }} {{ request.path }} {{ user.name }} {{ session.theme }} {{ csrf_field() }}", "plain.twig": "[{{ csrf_field() }}]" });
    const app = new App({ publicDir: null, dev: false, templatesDir: folder.dir });
    app.use(async (req, _res, next) => {
      if (req.path === "/me") Object.assign(req, { user: { name: "<Ann>" }, session: { theme: "dark" }, csrfToken: () => `tok"en` });
      await next();
    });
    app.get("/me", (_req, res) => res.render("me"));
    app.get("/plain", (_req, res) => res.render("plain"));
    const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
    cleanups.push(folder.cleanup, () => server.close());
    expect(await (await fetch(`http://127.0.0.1:${server.port}/me`)).text()).toBe('GET /me &lt;Ann&gt; dark <input type="hidden" name="_csrf" value="tok&quot;en">');
    expect(await (await fetch(`http://127.0.0.1:${server.port}/plain`)).text()).toBe("[]");
  });

  it("data passed to the render wins over a global of the same name", () => {
    const { views, cleanup } = viewsOf({ "main.twig": "{{ request }}" });
    cleanups.push(cleanup);
    expect(views.render("main.twig", { request: "mine" })).toBe("mine");
  });
});

describe("compiled templates are cached per process", () => {
  it("production keeps the compiled template; dev recompiles after the file changes", () => {
    for (const dev of [false, true]) {
      const { views, write, cleanup } = viewsOf({ "main.twig": "one", "layout.twig": "[{% block b %}{% endblock %}]", "child.twig": "{% extends 'layout.twig' %}{% block b %}c{% endblock %}" }, { dev });
      cleanups.push(cleanup);
      expect(views.render("main.twig")).toBe("one");
      expect(views.render("child.twig")).toBe("[c]");
      write("main.twig", "two (longer)");
      write("layout.twig", "<{% block b %}{% endblock %}>");
      expect(views.render("main.twig")).toBe(dev ? "two (longer)" : "one");
      expect(views.render("child.twig")).toBe(dev ? "<c>" : "[c]");
      views.clear();
      expect(views.render("main.twig")).toBe("two (longer)");
    }
  });

  it("dev: a fixed syntax error renders on the next request", () => {
    const { views, write, cleanup } = viewsOf({ "main.twig": "{% if x %}" }, { dev: true });
    cleanups.push(cleanup);
    expect(() => views.render("main.twig")).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_SYNTAX" }));
    write("main.twig", "{% if true %}fixed{% endif %}");
    expect(views.render("main.twig")).toBe("fixed");
  });
});
