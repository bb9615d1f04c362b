import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { listen } from "../../runtime/http/server.js";
import { App } from "../../runtime/app.js";
import { TemplateError } from "../../runtime/templates/errors.js";
import { MAX_TEMPLATE_DEPTH } from "../../runtime/templates/twig-engine.js";
import { templatesDir, viewsOf } from "./support.js";

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
afterEach(() => vi.restoreAllMocks());

function failure(files: Record<string, string>, name = "main.twig", data: Record<string, unknown> = {}): TemplateError {
  const { views, cleanup } = viewsOf(files);
  cleanups.push(cleanup);
  try {
    views.render(name, data);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error("expected the render to fail");
}

async function serve(files: Record<string, string>, dev: boolean, setup: (app: App) => void) {
  const folder = templatesDir(files);
  const app = new App({ publicDir: null, dev, templatesDir: folder.dir });
  setup(app);
  const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
  cleanups.push(folder.cleanup, () => server.close());
  return { url: `http://127.0.0.1:${server.port}`, folder };
}

describe("syntax errors name the template, line and column with a code frame", () => {
  it("an unclosed tag points at the tag that was opened", () => {
    const error = failure({ "main.twig": "<ul>\n{% for item in items %}\n  <li>{{ item }}</li>\n</ul>\n" });
    expect(error.code).toBe("T4_ERR_TEMPLATE_SYNTAX");
    expect(error).toMatchObject({ template: "main.twig", line: 2, column: 1 });
    expect(error.message).toContain("main.twig:2:1");
    expect(error.frame).toContain("> 2 | {% for item in items %}");
  });

  it("a mismatched end tag points at the end tag", () => {
    const error = failure({ "main.twig": "{% for a in b %}\n{% if a %}\n{% endfor %}\n" });
    expect(error).toMatchObject({ code: "T4_ERR_TEMPLATE_SYNTAX", line: 3 });
    expect(error.message).toMatch(/endfor not expected after a if/);
  });

  it("an unclosed string or bracket points at its tag", () => {
    expect(failure({ "main.twig": "<p>\n  {{ 'abc }}\n</p>" })).toMatchObject({ code: "T4_ERR_TEMPLATE_SYNTAX", line: 2, column: 3 });
    expect(failure({ "main.twig": "a\nb {{ name \nc" })).toMatchObject({ code: "T4_ERR_TEMPLATE_SYNTAX", line: 2, column: 3 });
  });

  it("an error in an included template names that template", () => {
    const error = failure({ "main.twig": "{% include 'parts/broken.twig' %}", "parts/broken.twig": "ok\n{% if %}{% endif %}" });
    expect(error).toMatchObject({ code: "T4_ERR_TEMPLATE_SYNTAX", template: "parts/broken.twig", line: 2 });
  });
});

describe("bad input", () => {
  it("a template that includes itself stops with T4_ERR_TEMPLATE_RECURSION, not a stack overflow", () => {
    const error = failure({ "main.twig": "x{% include 'main.twig' %}" });
    expect(error.code).toBe("T4_ERR_TEMPLATE_RECURSION");
    expect(error.message).toContain(String(MAX_TEMPLATE_DEPTH));
    expect(failure({ "a.twig": "{% include 'b.twig' %}", "b.twig": "{% include 'a.twig' %}" }, "a.twig").code).toBe("T4_ERR_TEMPLATE_RECURSION");
    expect(failure({ "main.twig": "{% extends 'main.twig' %}" }).code).toBe("T4_ERR_TEMPLATE_RECURSION");
  });

  it("a macro or import that never ends is a recursion error too", () => {
    expect(failure({ "main.twig": "{% macro m() %}{{ _self.m() }}{% endmacro %}{% import _self as s %}{% macro n() %}{% import _self as t %}{{ t.n() }}{% endmacro %}{{ s.n() }}" }).code).toBe("T4_ERR_TEMPLATE_RECURSION");
    expect(failure({ "main.twig": "{% import 'main.twig' as m %}" }).code).toBe("T4_ERR_TEMPLATE_RECURSION");
  });

  it("a missing template names itself and where it was looked for", () => {
    const error = failure({ "main.twig": "{% include 'nope.twig' %}" });
    expect(error.code).toBe("T4_ERR_TEMPLATE_NOT_FOUND");
    expect(error.searched?.[0]).toMatch(/templates\/nope\.twig$/);
    expect(error.message).toContain(error.searched![0]);
  });

  it("an unknown test keeps its message (twig.js throws undefined there)", () => {
    expect(failure({ "main.twig": "{% if 1 is frobbed %}{% endif %}" }).message).toContain("Test frobbed is not defined");
  });

  it("data that is not an object of variables is refused", () => {
    const { views, cleanup } = viewsOf({ "main.twig": "x" });
    cleanups.push(cleanup);
    expect(() => views.render("main.twig", [1, 2] as unknown as Record<string, unknown>)).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_RENDER" }));
  });

  it("res.render on an app without a templates folder says so", async () => {
    const app = new App({ publicDir: null, dev: true, templatesDir: null });
    app.get("/", (_req, res) => res.render("x"));
    const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
    cleanups.push(() => server.close());
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const body = (await (await fetch(`http://127.0.0.1:${server.port}/`)).json()) as { message: string };
    expect(body.message).toContain("has no templates folder");
  });
});

describe("over HTTP", () => {
  it("production: a missing template is a generic 500; the log names the template", async () => {
    const { url } = await serve({}, false, (app) => app.get("/", (_req, res) => res.render("pages/missing", { a: 1 })));
    const logged: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (logged.push(String(chunk)), true));
    const res = await fetch(url + "/", { headers: { accept: "application/json" } });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: "Internal Server Error", requestId: expect.any(String) });
    expect(text).not.toContain("missing");
    // a browser gets the built-in error page (docs/errors.md): as generic, with the request id
    const page = await fetch(url + "/", { headers: { accept: "text/html" } });
    const html = await page.text();
    expect([page.status, page.headers.get("content-type")]).toEqual([500, "text/html; charset=utf-8"]);
    expect(html).toContain(page.headers.get("x-request-id"));
    expect(html).not.toContain("missing");
    expect(logged.join("")).toContain('Template "pages/missing.twig" not found');
  });

  it("dev: the error page names the missing template and the path searched", async () => {
    const { url, folder } = await serve({}, true, (app) => app.get("/", (_req, res) => res.render("pages/missing")));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const json = (await (await fetch(url + "/")).json()) as { message: string };
    expect(json.message).toContain("pages/missing.twig");
    expect(json.message).toContain(`${folder.dir}/pages/missing.twig`);
    const html = await (await fetch(url + "/", { headers: { accept: "text/html" } })).text();
    expect(html).toContain(`${folder.dir}/pages/missing.twig`);
  });

  it("dev: a syntax error page shows template, line and the code frame", async () => {
    const { url } = await serve({ "page.twig": "<h1>\n{% if user %}\nHi\n" }, true, (app) => app.get("/", (_req, res) => res.render("page")));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const res = await fetch(url + "/", { headers: { accept: "text/html" } });
    const html = await res.text();
    expect(res.status).toBe(500);
    expect(html).toContain("page.twig:2:1");
    expect(html).toContain("&gt; 2 | {% if user %}");
    const json = (await (await fetch(url + "/")).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ template: "page.twig", line: 2, column: 1 });
    expect(json.message).toContain("Template syntax error in page.twig:2:1");
    expect(json.frame).toContain("> 2 | {% if user %}");
  });

  it("a render that throws inside a loop sends a 500, never part of the page with 200", async () => {
    const rows = [1, 2, 3, 4].map((n) => ({ get label() {
      if (n === 3) throw new Error("row 3 is broken");
      return `row ${n}`;
    } }));
    const { url } = await serve({ "list.twig": "<ul>{% for row in rows %}<li>{{ row.label }}</li>{% endfor %}</ul>" }, false, (app) => app.get("/", (_req, res) => res.render("list", { rows })));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const res = await fetch(url + "/");
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(text).not.toContain("<li>");
    expect(res.headers.get("content-type")).toContain("application/json");
  });

  it("a self-including template answers 500 and the server keeps serving", async () => {
    const { url } = await serve({ "loop.twig": "{% include 'loop.twig' %}", "ok.twig": "fine" }, false, (app) => {
      app.get("/loop", (_req, res) => res.render("loop"));
      app.get("/ok", (_req, res) => res.render("ok"));
    });
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect((await fetch(url + "/loop")).status).toBe(500);
    const ok = await fetch(url + "/ok");
    expect(await ok.text()).toBe("fine");
  });
});
