/**
 * Error pages for browsers (docs/errors.md): a request whose Accept ranks text/html above
 * application/json (a page load) gets an HTML page with the status and headers the JSON
 * answer has; fetch(), curl, XHR and API clients keep the JSON body. The page is the app's
 * `errors/<status>.twig` (or `errors/4xx.twig`/`5xx.twig`) when there is one, else a built-in
 * page; everything in it is escaped and a production 5xx shows no message or stack. Every
 * request here is a new connection, as separate browser loads and curl calls are.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { startApp } from "../support/http.js";
import { freshRequest, type FreshResponse } from "../support/fresh-request.js";
import { templatesDir } from "../templates/support.js";
import { HttpError } from "../../runtime/http/errors.js";
import { log } from "../../runtime/log.js";
import { session } from "../../runtime/session/middleware.js";
import { rateLimit } from "../../runtime/middleware/rate-limit.js";
import type { App } from "../../runtime/app.js";

/** What Chromium sends for a page load (a typed URL, a link, a form submit). */
export const CHROMIUM_NAVIGATION = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
const HTML_TYPE = "text/html; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";

let closers: Array<() => Promise<unknown>> = [];
const savedLogin = process.env.TINA4_LOGIN_URL;
beforeAll(() => {
  process.env.TINA4_SECRET ??= "html-errors-test-secret-0123456789abcdef";
});
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
  vi.restoreAllMocks();
  if (savedLogin === undefined) delete process.env.TINA4_LOGIN_URL;
  else process.env.TINA4_LOGIN_URL = savedLogin;
});

async function serve(setup: (app: App) => void, options: Parameters<typeof startApp>[1] = {}): Promise<string> {
  const server = await startApp(setup, { templatesDir: null, ...options });
  closers.push(server.close);
  return server.url;
}

function page(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<FreshResponse> {
  return freshRequest(url, { ...options, headers: { accept: CHROMIUM_NAVIGATION, ...options.headers } });
}

/** The page is HTML, carries the request id it was answered with, and is not cached. */
function expectPage(res: FreshResponse, status: number): void {
  expect([res.status, res.headers["content-type"]], res.body).toEqual([status, HTML_TYPE]);
  expect(res.body).toMatch(/^<!doctype html>/i);
  expect(res.body).toContain(String(res.headers["x-request-id"]));
  expect(res.headers["cache-control"]).toBe("no-store");
  expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.body));
}

describe("who gets HTML (Accept negotiation)", () => {
  const cases: Array<[string, Record<string, string>, "html" | "json"]> = [
    ["a Chromium page load", { accept: CHROMIUM_NAVIGATION }, "html"],
    ["Accept: text/html", { accept: "text/html" }, "html"],
    ["HTML ranked above JSON", { accept: "application/json;q=0.5, text/html" }, "html"],
    ["JSON ranked below anything else (the most specific range counts)", { accept: "application/json;q=0.1, */*" }, "html"],
    ["fetch()'s and curl's default */*", { accept: "*/*" }, "json"],
    ["no Accept header", {}, "json"],
    ["Accept: application/json", { accept: "application/json" }, "json"],
    ["a tie between JSON and HTML", { accept: "application/json, text/html" }, "json"],
    ["HTML ranked below JSON", { accept: "text/html;q=0.5, application/json" }, "json"],
    ["HTML refused (q=0) with */*", { accept: "text/html;q=0, */*" }, "json"],
    ["an XMLHttpRequest that accepts HTML", { accept: "text/html, */*; q=0.01", "x-requested-with": "XMLHttpRequest" }, "json"],
  ];
  it.each(cases)("%s → %s", async (_name, headers, expected) => {
    const url = await serve(() => undefined);
    const res = await freshRequest(`${url}/nowhere`, { headers });
    expect(res.status).toBe(404);
    if (expected === "html") {
      expectPage(res, 404);
      expect(res.body).toContain("There is no page at /nowhere.");
    } else {
      expect(res.headers["content-type"]).toBe(JSON_TYPE);
      expect(res.json()).toEqual({ error: "Not Found", path: "/nowhere", requestId: res.headers["x-request-id"], code: "T4_ERR_HTTP_NOT_FOUND" });
    }
  });
});

describe("the built-in page", () => {
  it("answers each error status with the headers that matter: 404, 405 Allow, 401 WWW-Authenticate, 403 CSRF, 422 fields, 429 and 503 Retry-After", async () => {
    vi.spyOn(log, "error").mockImplementation(() => undefined); // the 503 is logged as a server error
    const url = await serve((app) => {
      app.get("/items", () => []);
      app.post("/items", () => ({ ok: true })); // secured by default
      app.post("/named", (req) => req.body, { schema: { body: z.object({ name: z.string().min(3) }) }, secured: false });
      app.get("/limited", () => "ok", [rateLimit({ limit: 1, windowSeconds: 60, name: "html-errors" })]);
      app.get("/busy", (_req, res) => {
        res.header("retry-after", "120");
        throw new HttpError(503, "Maintenance");
      });
      app.group("/s", (group) => {
        group.get("/start", (req) => (req.session!.set("seen", true), "started"));
        group.post("/form", () => "saved", { secured: false });
      }, [session({ backend: "memory" })]);
    });
    const missing = await page(`${url}/no/such/page`);
    expectPage(missing, 404);
    expect(missing.body).toContain("<h1>Not Found</h1>");

    const wrongMethod = await page(`${url}/items`, { method: "DELETE" });
    expectPage(wrongMethod, 405);
    const wrongMethodApi = await freshRequest(`${url}/items`, { method: "DELETE", headers: { accept: "application/json" } });
    expect(wrongMethod.headers.allow).toBe("GET, HEAD, OPTIONS, POST");
    expect(wrongMethod.headers.allow).toBe(wrongMethodApi.headers.allow);

    const anonymous = await page(`${url}/items`, { method: "POST" });
    expectPage(anonymous, 401);
    expect(anonymous.headers["www-authenticate"]).toBe("Bearer");
    expect(anonymous.body).toContain("You need to sign in");

    const started = await freshRequest(`${url}/s/start`);
    const cookie = started.setCookies.map((line) => line.split(";")[0]).join("; ");
    const forged = await page(`${url}/s/form`, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: "title=x" });
    expectPage(forged, 403);
    expect(forged.body).toContain("Invalid CSRF token");

    const invalid = await page(`${url}/named`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"x"}' });
    expectPage(invalid, 422);
    expect(invalid.body).toContain("Validation failed");
    expect(invalid.body).toMatch(/<li><code>name<\/code> [^<]*3[^<]*<\/li>/); // the failing field and why

    expect((await page(`${url}/limited`)).status).toBe(200);
    const limited = await page(`${url}/limited`);
    expectPage(limited, 429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);

    const busy = await page(`${url}/busy`);
    expectPage(busy, 503);
    expect(busy.headers["retry-after"]).toBe("120");
    expect(busy.body).not.toContain("Maintenance"); // a 5xx message is not for the public
  });

  it("answers a class middleware's short-circuit (false → 403, a status it set) as a page; API clients keep {\"error\": reason}", async () => {
    class Gate {
      static beforeCheck(req: { path: string }, res: { status(code: number): unknown }) {
        if (req.path === "/paid") res.status(402);
        else return false;
      }
    }
    const url = await serve((app) => {
      app.get("/admin", () => "admin", [Gate]);
      app.get("/paid", () => "paid", [Gate]);
    });
    const admin = await page(`${url}/admin`);
    expectPage(admin, 403);
    expect(admin.body).toContain("<h1>Forbidden</h1>");
    const paid = await page(`${url}/paid`);
    expect([paid.status, paid.headers["content-type"]]).toEqual([402, HTML_TYPE]);
    expect(paid.body).toContain("<h1>Payment Required</h1>");
    const api = await freshRequest(`${url}/admin`, { headers: { accept: "*/*" } });
    expect([api.status, api.headers["content-type"], api.body]).toEqual([403, JSON_TYPE, '{"error":"Forbidden"}']);
  });

  it("escapes everything it shows (message, field names and messages)", async () => {
    const url = await serve((app) => {
      app.get("/bad", () => {
        throw new HttpError(400, `<script>alert("message")</script>`);
      });
      app.get("/fields", () => {
        throw new HttpError(422, "Validation failed", { details: { errors: [{ field: "<b>f</b>", message: "<img src=x onerror=alert(1)>" }] } });
      });
    });
    const bad = await page(`${url}/bad`);
    expectPage(bad, 400);
    expect(bad.body).toContain("&lt;script&gt;alert(&quot;message&quot;)&lt;/script&gt;");
    expect(bad.body).not.toContain("<script>");
    const fields = await page(`${url}/fields`);
    expectPage(fields, 422);
    expect(fields.body).toContain("<code>&lt;b&gt;f&lt;/b&gt;</code> &lt;img src=x onerror=alert(1)&gt;");
    expect(fields.body).not.toContain("<img");
  });

  it("production: a 500 page shows a generic message and the request id, never the error or its stack", async () => {
    vi.spyOn(log, "error").mockImplementation(() => undefined);
    const url = await serve((app) => {
      app.get("/boom", () => {
        throw new Error("cannot reach postgres://app:hunter2@db/app <b>");
      });
    });
    const res = await page(`${url}/boom`);
    expectPage(res, 500);
    expect(res.body).toContain("Internal Server Error");
    expect(res.body).toContain("Something went wrong on our side");
    for (const leak of ["hunter2", "postgres://", "cannot reach", "html-errors.test.ts", "    at "]) expect(res.body).not.toContain(leak);
    const api = await freshRequest(`${url}/boom`, { headers: { accept: "application/json" } });
    expect(api.json()).toEqual({ error: "Internal Server Error", requestId: api.headers["x-request-id"] });
  });

  it("dev: a 500 page shows the message and stack with secrets redacted; a 4xx is the plain page", async () => {
    vi.spyOn(log, "error").mockImplementation(() => undefined);
    const url = await serve((app) => {
      app.get("/boom", () => {
        throw new Error("cannot reach postgres://app:hunter2@db/app <b>");
      });
    }, { dev: true });
    const res = await page(`${url}/boom`);
    expect([res.status, res.headers["content-type"]]).toEqual([500, HTML_TYPE]);
    expect(res.body).toContain("cannot reach postgres://app:[redacted]@db/app &lt;b&gt;");
    expect(res.body).toContain("html-errors.test.ts"); // the stack, to find the line at fault
    expect(res.body).not.toContain("hunter2");
    const missing = await page(`${url}/nowhere`);
    expectPage(missing, 404);
    expect(missing.body).toContain("There is no page at /nowhere.");
  });

  it("answers HEAD with the status and headers and no body", async () => {
    const url = await serve(() => undefined);
    const res = await page(`${url}/nowhere`, { method: "HEAD" });
    expect([res.status, res.headers["content-type"], res.body]).toEqual([404, HTML_TYPE, ""]);
  });
});

describe("the app's error templates (src/templates/errors/)", () => {
  const folder = templatesDir({
    "base.twig": "<!doctype html><html><body>{% block content %}{% endblock %}<footer>shop</footer></body></html>",
    "errors/404.twig": '{% extends "base.twig" %}{% block content %}<h1>Lost? {{ status }} {{ title }}</h1><p>{{ message }}</p><p>{{ path }}</p><p>id {{ requestId }}</p>{% endblock %}',
    "errors/4xx.twig": "<h1>Client error {{ status }}</h1><p>{{ message }}</p>{% for e in errors %}<i>{{ e.path }}</i>{% endfor %}",
    "errors/5xx.twig": "<h1>Our fault ({{ status }})</h1><p>{{ message }}</p><p>id {{ requestId }}</p>",
  }, "tina4-html-errors-");
  afterAll(() => folder.cleanup());

  it("renders errors/<status>.twig, else errors/4xx.twig or errors/5xx.twig, with status, message, requestId and path", async () => {
    vi.spyOn(log, "error").mockImplementation(() => undefined);
    const url = await serve((app) => {
      app.get("/bad", () => {
        throw new HttpError(400, "<script>x</script>");
      });
      app.post("/named", (req) => req.body, { schema: { body: z.object({ name: z.string() }) }, secured: false });
      app.get("/boom", () => {
        throw new Error("secret detail hunter2");
      });
    }, { templatesDir: folder.dir });
    const missing = await page(`${url}/some/where`);
    expectPage(missing, 404);
    expect(missing.body).toContain("<h1>Lost? 404 Not Found</h1><p>Not Found</p><p>/some/where</p>");
    expect(missing.body).toContain(`<p>id ${String(missing.headers["x-request-id"])}</p>`);
    expect(missing.body).toContain("<footer>shop</footer>"); // the layout it extends

    const bad = await page(`${url}/bad`);
    expect([bad.status, bad.headers["content-type"]]).toEqual([400, HTML_TYPE]);
    expect(bad.body).toBe("<h1>Client error 400</h1><p>&lt;script&gt;x&lt;/script&gt;</p>"); // Twig escapes

    const invalid = await page(`${url}/named`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(invalid.body).toBe("<h1>Client error 422</h1><p>Validation failed</p><i>name</i>");

    const boom = await page(`${url}/boom`);
    expect([boom.status, boom.body]).toEqual([500, `<h1>Our fault (500)</h1><p>Internal Server Error</p><p>id ${String(boom.headers["x-request-id"])}</p>`]);

    // API clients are not affected by the templates
    const api = await freshRequest(`${url}/some/where`, { headers: { accept: "*/*" } });
    expect([api.headers["content-type"], api.json().error]).toEqual([JSON_TYPE, "Not Found"]);
  });

  it("dev: a server error shows the dev page, not errors/5xx.twig", async () => {
    vi.spyOn(log, "error").mockImplementation(() => undefined);
    const url = await serve((app) => app.get("/boom", () => {
      throw new Error("detail for the developer");
    }), { templatesDir: folder.dir, dev: true });
    const boom = await page(`${url}/boom`);
    expect(boom.status).toBe(500);
    expect(boom.body).toContain("detail for the developer");
    expect(boom.body).not.toContain("Our fault");
  });

  it("falls back to the built-in page, with a warning naming the template, when the template fails or renders nothing", async () => {
    const broken = templatesDir({
      "errors/404.twig": "<h1>{{ status }}</h1>{% for x in 1 %}{{ x.y.z() }}{% endfor %}{% include 'nope.twig' %}",
      "errors/403.twig": "{% if %}",
      "errors/4xx.twig": "   \n",
    }, "tina4-html-errors-broken-");
    closers.push(async () => broken.cleanup());
    const warned = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const url = await serve((app) => {
      app.get("/forbidden", () => {
        throw new HttpError(403, "No entry");
      });
      app.get("/gone", () => {
        throw new HttpError(410, "Gone for good");
      });
    }, { templatesDir: broken.dir });
    const missing = await page(`${url}/nowhere`);
    expectPage(missing, 404);
    expect(missing.body).toContain("There is no page at /nowhere.");
    const forbidden = await page(`${url}/forbidden`);
    expectPage(forbidden, 403);
    expect(forbidden.body).toContain("No entry");
    const gone = await page(`${url}/gone`);
    expectPage(gone, 410);
    expect(gone.body).toContain("Gone for good");
    const warnings = warned.mock.calls.map((call) => String(call[0]));
    expect(warnings.some((line) => line.includes("errors/404.twig failed for 404") && line.includes("nope.twig"))).toBe(true);
    expect(warnings.some((line) => line.includes("errors/403.twig failed for 403"))).toBe(true);
    expect(warnings.some((line) => line.includes("errors/4xx.twig rendered nothing for 410"))).toBe(true);
  });
});

describe("what decides first", () => {
  it("an onError hook that answers wins; one that does not leaves the page", async () => {
    const url = await serve((app) => {
      app.get("/teapot", () => {
        throw new HttpError(418, "short and stout");
      });
      app.onError((error, req, res) => {
        if (req.path === "/teapot") res.status(418).html("<p>the app's own</p>");
      });
    });
    const own = await page(`${url}/teapot`);
    expect([own.status, own.body]).toEqual([418, "<p>the app's own</p>"]);
    const left = await page(`${url}/nowhere`);
    expectPage(left, 404);
  });

  it("TINA4_LOGIN_URL: a page load is still redirected; an XHR, an API client and a form POST get the 401 (the POST as a page)", async () => {
    process.env.TINA4_LOGIN_URL = "/login";
    const url = await serve((app) => {
      app.get("/dashboard", () => "secret page", { secured: true });
      app.post("/posts", () => ({ ok: true }));
    });
    const load = await page(`${url}/dashboard`);
    expect([load.status, load.headers.location]).toEqual([302, "/login?next=%2Fdashboard"]);
    const xhr = await page(`${url}/dashboard`, { headers: { "x-requested-with": "XMLHttpRequest" } });
    expect([xhr.status, xhr.headers["content-type"]]).toEqual([401, JSON_TYPE]);
    const api = await freshRequest(`${url}/dashboard`, { headers: { accept: "*/*" } });
    expect([api.status, api.headers["content-type"]]).toEqual([401, JSON_TYPE]);
    const form = await page(`${url}/posts`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1" });
    expectPage(form, 401);
    expect(form.headers["www-authenticate"]).toBe("Bearer");
  });
});
