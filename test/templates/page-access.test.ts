/**
 * pages(prefix, { secured, middleware }): page templates get the protection routes have. A
 * secured page answers a client without a user 401 JSON (WWW-Authenticate: Bearer), a browser
 * the login redirect when TINA4_LOGIN_URL is set (page-access-browser.test.ts drives Chromium
 * through it), and renders for a Bearer token or a session's user. Declarations cover whole
 * segments, the most specific wins, and they match the page a request resolved to, so no URL
 * spelling walks around one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { App } from "../../runtime/app.js";
import { listen } from "../../runtime/http/server.js";
import { session, signToken, type Middleware } from "../../runtime/index.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { log } from "../../runtime/log.js";
import { CookieClient } from "../support/cookie-client.js";
import { verbatim } from "../support/http.js";
import { templatesDir } from "./support.js";

const PAGES = {
  "pages/index.twig": "<h1>Home</h1>",
  "pages/about.twig": "<h1>About</h1>",
  "pages/login.twig": "<h1>Login</h1>",
  "pages/dashboard.twig": "<h1>Dashboard of {{ user.name }}</h1>",
  "pages/admin/index.twig": "<h1>Admin</h1>",
  "pages/admin/users.twig": "<h1>Users for {{ user.name }}</h1>",
  "pages/admin/help.twig": "<h1>Help</h1>",
  "pages/administrator.twig": "<h1>Not under /admin</h1>",
};

const cleanups: Array<() => unknown> = [];
const savedLogin = process.env.TINA4_LOGIN_URL;
beforeAll(() => {
  process.env.TINA4_SECRET ??= "page-access-test-secret-0123456789abcdef-01";
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  if (savedLogin === undefined) delete process.env.TINA4_LOGIN_URL;
  else process.env.TINA4_LOGIN_URL = savedLogin;
});
afterAll(() => closeSessionStores());

async function serve(setup: (app: App) => void, options: { dev?: boolean } = {}) {
  const folder = templatesDir(PAGES, "t4-page-access-");
  const app = new App({ publicDir: null, dev: options.dev ?? false, templatesDir: folder.dir });
  app.use(session({ backend: "memory" }));
  app.post("/login", async (req) => {
    await req.session!.regenerate();
    req.session!.set("user", { sub: "7", name: "Ann" });
    return { ok: true };
  }, { secured: false });
  setup(app);
  const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
  cleanups.push(folder.cleanup, () => server.close());
  const url = `http://127.0.0.1:${server.port}`;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { headers: { accept: "application/json", ...headers }, redirect: "manual" });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
  return { app, url, port: server.port, get };
}

const securedAreas = (app: App) => {
  app.pages("/dashboard", { secured: true });
  app.pages("/admin", { secured: true });
};

describe("pages(prefix, { secured: true })", () => {
  it("a JSON client without a user gets 401 JSON with WWW-Authenticate; a Bearer token or a logged-in session renders the page", async () => {
    const { get, url } = await serve(securedAreas);
    const anonymous = await get("/dashboard");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    expect(JSON.parse(anonymous.body)).toMatchObject({ error: "Unauthorized", code: "T4_ERR_AUTH_UNAUTHORIZED" });
    expect(anonymous.body).not.toContain("Dashboard");

    const bearer = await get("/dashboard", { authorization: `Bearer ${await signToken({ sub: "9", name: "Bo" })}` });
    expect([bearer.status, bearer.body]).toEqual([200, "<h1>Dashboard of Bo</h1>"]);
    expect(bearer.headers.get("content-type")).toBe("text/html; charset=utf-8");

    const invalid = await get("/dashboard", { authorization: "Bearer not.a.token" });
    expect(invalid.status).toBe(401);
    expect(invalid.headers.get("www-authenticate")).toContain("invalid_token");

    const client = new CookieClient(url);
    expect((await client.request("/login", { method: "POST" })).status).toBe(200);
    const viaSession = await client.request("/dashboard");
    expect([viaSession.status, await viaSession.text()]).toEqual([200, "<h1>Dashboard of Ann</h1>"]);
  });

  it("covers the page and the pages below it by whole segments; other pages stay public", async () => {
    const { get } = await serve(securedAreas);
    for (const path of ["/admin", "/admin/", "/admin/users", "/admin/help"]) expect([path, (await get(path)).status]).toEqual([path, 401]);
    expect(await get("/administrator")).toMatchObject({ status: 200, body: "<h1>Not under /admin</h1>" });
    expect(await get("/about")).toMatchObject({ status: 200, body: "<h1>About</h1>" });
    expect(await get("/")).toMatchObject({ status: 200, body: "<h1>Home</h1>" });
    // a missing page is the usual 404, secured area or not (as for a missing route)
    expect((await get("/admin/nope")).status).toBe(404);
  });

  it("no spelling of the URL walks around it: encoded, doubled or dotted paths, HEAD", async () => {
    const { port, url } = await serve(securedAreas);
    // these reach the page template (pages/dashboard.twig, pages/admin/users.twig): covered
    for (const path of ["/dash%62oard", "//dashboard", "/dashboard/", "/admin//users", "/%61dmin/users", "/admin/users/"]) {
      const res = await verbatim(port, "GET", path, { accept: "application/json" });
      expect([path, res.status]).toEqual([path, 401]);
    }
    // dot segments reach no page at all
    for (const path of ["/admin/./users", "/admin/%2e/users", "/x/../admin/users", "/x/%2e%2e/dashboard"]) {
      const res = await verbatim(port, "GET", path, { accept: "application/json" });
      expect([path, res.status === 200]).toEqual([path, false]);
      expect(res.body).not.toMatch(/Dashboard|Users for/);
    }
    const head = await fetch(`${url}/admin/users`, { method: "HEAD" });
    expect(head.status).toBe(401);
  });

  it("the most specific declaration wins: a whole site behind a login, its login page open", async () => {
    const { get } = await serve((app) => {
      app.pages("/", { secured: true });
      app.pages("/login", { secured: false });
    });
    expect((await get("/")).status).toBe(401);
    expect((await get("/about")).status).toBe(401);
    expect((await get("/admin/users")).status).toBe(401);
    expect(await get("/login")).toMatchObject({ status: 200, body: "<h1>Login</h1>" });
  });

  it("TINA4_LOGIN_URL: a browser's page load is redirected to the login page with next; API clients keep the 401", async () => {
    process.env.TINA4_LOGIN_URL = "/login";
    const { get } = await serve(securedAreas);
    const browser = await get("/admin/users?tab=2", { accept: "text/html,application/xhtml+xml,*/*;q=0.8" });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/admin/users?tab=2")}`);
    expect((await get("/admin/users")).status).toBe(401);
    expect((await get("/admin/users", { accept: "text/html", "x-requested-with": "XMLHttpRequest" })).status).toBe(401);
  });

  it("a page's middleware runs after the global ones and before the check, as a route's: it may authenticate or refuse", async () => {
    const order: string[] = [];
    const apiKey: Middleware = async (req, _res, next) => {
      order.push(`page:${req.path}`);
      if (req.headers["x-api-key"] === "k1") req.user = { sub: "svc", name: "Service" };
      await next();
    };
    class Closed {
      static beforeClosed() {
        return false;
      }
    }
    const { get } = await serve((app) => {
      app.use(async (req, _res, next) => {
        order.push(`global:${req.path}`);
        await next();
      });
      app.pages("/dashboard", { secured: true, middleware: [apiKey] });
      app.pages("/admin/help", { middleware: [Closed] });
    });
    expect(await get("/dashboard", { "x-api-key": "k1" })).toMatchObject({ status: 200, body: "<h1>Dashboard of Service</h1>" });
    expect(order).toEqual(["global:/dashboard", "page:/dashboard"]);
    expect((await get("/dashboard", { "x-api-key": "nope" })).status).toBe(401);
    const refused = await get("/admin/help");
    expect([refused.status, JSON.parse(refused.body)]).toMatchObject([403, { error: "Forbidden" }]);
    // the declaration for /admin/help is the most specific: /admin itself has none here
    expect((await get("/admin")).status).toBe(200);
  });

  it("a route on the path wins over the page and keeps its own settings", async () => {
    const { get } = await serve((app) => {
      securedAreas(app);
      app.get("/dashboard", () => "<p>route</p>");
    });
    expect(await get("/dashboard")).toMatchObject({ status: 200, body: "<p>route</p>" });
  });
});

describe("pages() declarations are checked when made", () => {
  const app = () => new App({ publicDir: null, dev: false, templatesDir: null });
  it.each([
    ["admin", {}, "T4_ERR_ROUTE_PATTERN", 'must start with "/"'],
    ["/users/{id}", {}, "T4_ERR_ROUTE_PATTERN", "pages have no parameters"],
    ["/_partials", {}, "T4_ERR_ROUTE_PATTERN", 'starting with "_"'],
    ["/admin", { secured: "yes" }, "T4_ERR_ROUTE_SECURED", '"secured" must be true or false, got "yes"'],
    ["/admin", { middleware: "auth" }, "T4_ERR_ROUTE_MIDDLEWARE", '"middleware" must be an array'],
  ])("pages(%j, %j) → %s", (prefix, options, code, message) => {
    expect(() => app().pages(prefix, options as never)).toThrow(expect.objectContaining({ code, message: expect.stringContaining(message) }));
  });

  it("in dev, a declaration that covers no page template is reported (a typo would leave the page open)", async () => {
    const warn = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    try {
      await serve((app) => {
        app.pages("/dashbord", { secured: true });
        app.pages("/admin", { secured: true });
      }, { dev: true });
      const messages = warn.mock.calls.map((call) => String(call[0]));
      expect(messages.filter((m) => m.includes("covers no page template"))).toEqual([expect.stringContaining('pages("/dashbord")')]);
    } finally {
      warn.mockRestore();
    }
  });

  it("inside group() the group's prefix and middleware apply", async () => {
    const seen: string[] = [];
    const { get } = await serve((app) => {
      app.group("/admin", (admin) => admin.pages("/users", { secured: true }), [async (req, _res, next) => {
        seen.push(req.path);
        await next();
      }]);
    });
    expect((await get("/admin/users")).status).toBe(401);
    expect(seen).toEqual(["/admin/users"]);
    expect((await get("/admin/help")).status).toBe(200);
  });
});
