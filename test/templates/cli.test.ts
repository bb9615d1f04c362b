/** `tina4 generate view`, `tina4 routes` with page templates, `tina4 build` precompiling templates. */
import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../support/cli.js";

let app: string;

beforeAll(() => {
  app = join(tempDir(), "views");
  const init = runCli(["init", app, "--yes"], process.cwd());
  expect(init.code, init.stderr).toBe(0);
});

describe("tina4 generate view", () => {
  it("writes a page that extends a new base layout, and says where it is served", () => {
    const result = runCli(["generate", "view", "about-us"], app);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("created src/templates/pages/about-us.twig");
    expect(result.stdout).toContain("created src/templates/base.twig");
    expect(result.stdout).toContain("Served at /about-us");
    const page = readFileSync(join(app, "src/templates/pages/about-us.twig"), "utf8");
    expect(page).toMatch(/^\{% extends "base\.twig" %\}/);
    expect(page).toContain("{% block content %}");
    expect(page).toContain("<h1>About us</h1>");
    expect(readFileSync(join(app, "src/templates/base.twig"), "utf8")).toContain("{% block content %}{% endblock %}");
  });

  it("keeps an existing layout; --layout picks (and creates) another one; nested names work", () => {
    const base = join(app, "src/templates/base.twig");
    writeFileSync(base, "<main>{% block content %}{% endblock %}</main>\n");
    const second = runCli(["g", "view", "contact"], app);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("kept the existing layout src/templates/base.twig");
    expect(readFileSync(base, "utf8")).toBe("<main>{% block content %}{% endblock %}</main>\n");
    const nested = runCli(["g", "view", "blog/first-post", "--layout", "layouts/blog"], app);
    expect(nested.code, nested.stderr).toBe(0);
    expect(readFileSync(join(app, "src/templates/pages/blog/first-post.twig"), "utf8")).toContain('{% extends "layouts/blog.twig" %}');
    expect(existsSync(join(app, "src/templates/layouts/blog.twig"))).toBe(true);
  });

  it("refuses to overwrite without --force; --dry-run writes nothing", () => {
    const again = runCli(["g", "view", "about-us"], app);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Refusing to overwrite src/templates/pages/about-us.twig");
    const dry = runCli(["g", "view", "pricing", "--dry-run"], app);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("src/templates/pages/pricing.twig");
    expect(existsSync(join(app, "src/templates/pages/pricing.twig"))).toBe(false);
  });

  it.each([["../escape"], ["_partial"], [".hidden"], ["a//b"], ["sp ace"], [""]])("rejects the name %j with a clear message", (name) => {
    const result = runCli(["g", "view", name], app);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/View name .*(must be|must not be empty)/);
  });

  it("rejects a bad --layout", () => {
    const result = runCli(["g", "view", "ok-page", "--layout", "../../etc/x"], app);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Layout name "../../etc/x"');
    expect(existsSync(join(app, "src/templates/pages/ok-page.twig"))).toBe(false);
  });
});

describe("tina4 routes lists page templates", () => {
  it("SOURCE is the template file; a page a GET route shadows is not listed", () => {
    mkdirSync(join(app, "src/routes/contact"), { recursive: true });
    writeFileSync(join(app, "src/routes/contact/get.ts"), 'export default () => "route";\n');
    const result = runCli(["routes", "--json"], app);
    expect(result.code, result.stderr).toBe(0);
    const routes = JSON.parse(result.stdout) as Array<{ method: string; path: string; source: string }>;
    expect(routes).toContainEqual(expect.objectContaining({ method: "GET", path: "/about-us", source: "src/templates/pages/about-us.twig" }));
    expect(routes).toContainEqual(expect.objectContaining({ method: "GET", path: "/blog/first-post", source: "src/templates/pages/blog/first-post.twig" }));
    expect(routes.filter((r) => r.path === "/contact")).toEqual([expect.objectContaining({ source: "src/routes/contact/get.ts" })]);
    const table = runCli(["routes"], app).stdout;
    expect(table).toMatch(/GET\s+\/about-us\s+(?:\S+\s+)?src\/templates\/pages\/about-us\.twig/);
  });

  it("a page covered by pages() shows SECURED yes and the declaration's middleware; the others no", () => {
    writeFileSync(join(app, "src/app.ts"), [
      'import { pages, type MiddlewareFunction } from "tina4";',
      "const audit: MiddlewareFunction = async (_req, _res, next) => { await next(); };",
      'pages("/blog", { secured: true, middleware: [audit] });',
      "",
    ].join("\n"));
    try {
      const result = runCli(["routes", "--json"], app);
      expect(result.code, result.stderr).toBe(0);
      const routes = JSON.parse(result.stdout) as Array<{ path: string; secured: boolean; middleware: string[] }>;
      expect(routes.find((r) => r.path === "/blog/first-post")).toMatchObject({ secured: true, middleware: ["audit"] });
      expect(routes.find((r) => r.path === "/about-us")).toMatchObject({ secured: false, middleware: [] });
      const table = runCli(["routes"], app).stdout;
      expect(table).toMatch(/GET\s+\/blog\/first-post\s+yes\s+src\/templates\/pages\/blog\/first-post\.twig\s+audit/);
      expect(table).toMatch(/GET\s+\/about-us\s+no\s+src\/templates\/pages\/about-us\.twig/);
    } finally {
      rmSync(join(app, "src/app.ts"));
    }
  });
});

describe("tina4 build precompiles templates", () => {
  it("writes dist/templates.json and counts the templates", () => {
    const result = runCli(["build"], app);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\b5 templates\b/);
    const compiled = JSON.parse(readFileSync(join(app, "dist/templates.json"), "utf8")) as { templates: Record<string, unknown> };
    expect(Object.keys(compiled.templates).sort()).toEqual(["base.twig", "layouts/blog.twig", "pages/about-us.twig", "pages/blog/first-post.twig", "pages/contact.twig"]);
  });

  it("a template syntax error fails the build with file, line and code frame", () => {
    writeFileSync(join(app, "src/templates/pages/broken.twig"), "<h1>ok</h1>\n{% for item in items %}\n<p>{{ item }}</p>\n");
    const result = runCli(["build"], app);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("src/templates/pages/broken.twig:2:1");
    expect(result.stderr).toContain("Unable to find an end tag for for");
    expect(result.stderr).toContain("> 2 | {% for item in items %}");
  });
});
