import { afterAll, describe, expect, it } from "vitest";
import { listen } from "../../runtime/http/server.js";
import { App } from "../../runtime/app.js";
import { templatesDir, viewsOf } from "./support.js";

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function render(source: string, data: Record<string, unknown>, extra: Record<string, string> = {}): string {
  const { views, cleanup } = viewsOf({ "main.twig": source, ...extra });
  cleanups.push(cleanup);
  return views.render("main.twig", data);
}

const XSS = `<script>alert("x")</script>`;

describe("HTML is escaped by default", () => {
  it("text context: <script> in data never comes out as a tag", () => {
    const html = render("<p>{{ s }}</p><p>{{ user.name }}</p><p>{% for c in comments %}{{ c }}{% endfor %}</p>", { s: XSS, user: { name: XSS }, comments: [XSS, "<img src=x onerror=alert(1)>"] });
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("attribute context: quotes cannot close a quoted attribute", () => {
    const html = render(`<a title="{{ t }}" data-x='{{ t }}'>x</a>`, { t: `" onmouseover="alert(1)' onfocus='alert(2)` });
    expect(html).toBe(`<a title="&quot; onmouseover=&quot;alert(1)&#039; onfocus=&#039;alert(2)" data-x='&quot; onmouseover=&quot;alert(1)&#039; onfocus=&#039;alert(2)'>x</a>`);
  });

  it("unquoted attributes need e('html_attr'), which escapes spaces too", () => {
    expect(render("<input value={{ v|e('html_attr') }}>", { v: "a onfocus=alert(1)" })).toBe("<input value=a&#x20;onfocus&#x3D;alert&#x28;1&#x29;>");
  });

  it("script and URL contexts have their strategies", () => {
    const js = render("<script>var s = '{{ v|e('js') }}';</script>", { v: `';alert(1)//</script><script>` });
    expect(js).not.toContain("</script><script>");
    expect(js).not.toMatch(/'[^']*;alert/);
    expect(render(`<a href="/search?q={{ q|e('url') }}">`, { q: `a" b&c` })).toBe(`<a href="/search?q=a%22%20b%26c">`);
  });

  it("|raw opts out, and only there", () => {
    expect(render("{{ trusted|raw }}|{{ trusted }}", { trusted: "<b>ok</b>" })).toBe("<b>ok</b>|&lt;b&gt;ok&lt;/b&gt;");
  });

  it("nothing is escaped twice: |e, macros, includes and captured blocks", () => {
    const html = render(
      "{{ s|e }}|{{ m.b(s) }}|{% include 'part.twig' %}|{% set c %}<i>{{ s }}</i>{% endset %}{{ c }}|{% import _self as m %}",
      { s: "a&b" },
      { "part.twig": "<u>{{ s }}</u>" },
    );
    expect(html.startsWith("a&amp;b|")).toBe(true);
    expect(html).toContain("<u>a&amp;b</u>");
    expect(html).toContain("<i>a&amp;b</i>");
    expect(html).not.toContain("&amp;amp;");
    expect(render("{% macro b(v) %}<b>{{ v }}</b>{% endmacro %}{% import _self as m %}{{ m.b(s) }}", { s: "<x>" })).toBe("<b>&lt;x&gt;</b>");
  });

  it("the one-pass HTML escaper prints exactly what twig.js's own escape filter prints", async () => {
    const { createRequire } = await import("node:module");
    const twig = createRequire(import.meta.url)("twig") as { factory(): { twig(params: { data: string; autoescape: boolean }): { render(data: object): unknown } } };
    const stock = twig.factory().twig({ data: "{{ s }}|{{ s|e }}|{{ s|escape('html') }}", autoescape: true });
    const samples = ["plain", "&amp;", `<a href="x" title='y'>&</a>`, "x > y && y < z", "\"quoted\" 'single'", "フレームワーク <b>", " ", "0", String.fromCharCode(0, 10, 13)];
    for (const s of samples) expect(render("{{ s }}|{{ s|e }}|{{ s|escape('html') }}", { s }), JSON.stringify(s)).toBe(String(stock.render({ s })));
  });

  it("json_encode output is escaped unless marked raw", () => {
    expect(render("{{ d|json_encode }}|{{ d|json_encode|raw }}", { d: { s: "</b>" } })).toBe('{&quot;s&quot;:&quot;&lt;/b&gt;&quot;}|{"s":"</b>"}');
  });

  it("numbers and null print as Twig prints them", () => {
    expect(render("[{{ n }}][{{ f }}][{{ z }}][{{ u }}]", { n: 42, f: 1.5, z: null })).toBe("[42][1.5][][]");
  });
});

describe("escaping end to end", () => {
  it("res.render answers text/html with the data escaped; the request query is escaped in pages", async () => {
    const folder = templatesDir({ "hello.twig": "<h1>{{ name }}</h1>", "pages/search.twig": "<p>You searched {{ request.query.q }}</p>" });
    const app = new App({ publicDir: null, dev: false, templatesDir: folder.dir });
    app.get("/hello", (req, res) => res.render("hello", { name: req.query.name }));
    const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
    cleanups.push(folder.cleanup, () => server.close());
    const base = `http://127.0.0.1:${server.port}`;
    const hello = await fetch(`${base}/hello?name=${encodeURIComponent(XSS)}`);
    expect(hello.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await hello.text()).toBe("<h1>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</h1>");
    const search = await (await fetch(`${base}/search?q=${encodeURIComponent("<img src=x onerror=alert(1)>")}`)).text();
    expect(search).toBe("<p>You searched &lt;img src=x onerror=alert(1)&gt;</p>");
  });
});
