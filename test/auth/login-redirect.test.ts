/**
 * TINA4_LOGIN_URL: a browser that opens a secured page without being logged in is sent to the
 * login page (302 to `<login>?next=<the page>`), as Laravel's and AdonisJS' auth middleware and
 * Devise do, instead of reading `{"error":"Unauthorized"}`. After logging in, the login route
 * sends it back to `next`. API clients (no text/html in Accept), writes and invalid tokens keep
 * the 401 JSON; without the setting nothing changes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { useChromium } from "../support/chromium.js";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { session } from "../../runtime/session/middleware.js";

let server: RunningServer;
// evil.test: the other site an open redirect would lead to (any name: it must never be reached)
const chrome = useChromium({ args: ["--host-resolver-rules=MAP evil.test 127.0.0.1"] });
const saved = process.env.TINA4_LOGIN_URL;

/** A local path only: `next` comes from the URL, so it must never send the user to another site. */
function localPath(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])/.test(next) && !/[\u0000-\u001f\u007f]/.test(next) ? next : "/";
}

beforeAll(async () => {
  process.env.TINA4_SECRET ??= "login-redirect-secret-0123456789abcdef-01";
  const app = new App({ publicDir: null, dev: false, templatesDir: null });
  app.use(session({ backend: "memory" }));
  app.get("/login", (req, res) => res.html(`<form method="post" action="/login?next=${encodeURIComponent(String(req.query.next ?? "/"))}"><input type="hidden" name="_csrf" value="${req.csrfToken()}"><button>Log in</button></form>`));
  app.post("/login", async (req, res) => {
    await req.session!.regenerate();
    req.session!.set("user", { sub: "1", name: "Ann" });
    return res.redirect(localPath(req.query.next));
  }, { secured: false });
  app.get("/dashboard", (req) => `<h1>Dashboard of ${String(req.user!.name)}</h1>`, { secured: true });
  app.post("/posts", () => ({ ok: true }));
  // a check that forgets control characters: res.redirect must still keep the browser on this site
  app.get("/back", (req, res) => {
    const next = String(req.query.next);
    return res.redirect(next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/");
  });
  server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
});

afterAll(async () => {
  await server?.close();
  if (saved === undefined) delete process.env.TINA4_LOGIN_URL;
  else process.env.TINA4_LOGIN_URL = saved;
});
afterEach(() => {
  delete process.env.TINA4_LOGIN_URL;
});

describe("TINA4_LOGIN_URL", () => {
  it("sends a browser from a secured page to the login page and back after logging in", async (test) => {
    const page = await (await chrome.context(test)).newPage();
    process.env.TINA4_LOGIN_URL = "/login";
    await page.goto(`${server.url}/dashboard?tab=posts`);
    expect(page.url()).toBe(`${server.url}/login?next=${encodeURIComponent("/dashboard?tab=posts")}`);
    await Promise.all([page.waitForURL(`${server.url}/dashboard?tab=posts`), page.click("button")]);
    expect(await page.locator("h1").textContent()).toBe("Dashboard of Ann");
  });

  it("keeps 401 JSON for API clients, writes and invalid tokens", async () => {
    process.env.TINA4_LOGIN_URL = "/login";
    const api = await fetch(`${server.url}/dashboard`, { headers: { accept: "application/json" }, redirect: "manual" });
    expect([api.status, await api.json()]).toMatchObject([401, { error: "Unauthorized" }]);
    const write = await fetch(`${server.url}/posts`, { method: "POST", headers: { accept: "text/html" }, redirect: "manual" });
    expect(write.status).toBe(401);
    const badToken = await fetch(`${server.url}/dashboard`, { headers: { accept: "text/html", authorization: "Bearer nope" }, redirect: "manual" });
    expect(badToken.status).toBe(401);
    expect(badToken.headers.get("www-authenticate")).toContain("invalid_token");
  });

  it("a tab in a redirect target never leads to another site (browsers drop tabs: '/\\t/evil.test' was '//evil.test')", async (test) => {
    const page = await (await chrome.context(test)).newPage();
    const port = new URL(server.url).port;
    const manual = await fetch(`${server.url}/back?next=${encodeURIComponent(`/\t/evil.test:${port}/dashboard`)}`, { redirect: "manual" });
    expect(manual.headers.get("location")).toBe(`/%09/evil.test:${port}/dashboard`);
    await page.goto(`${server.url}/back?next=${encodeURIComponent(`/\t/evil.test:${port}/login`)}`);
    expect(new URL(page.url()).host).toBe(new URL(server.url).host);
    // the docs' localPath (auth.md) refuses such a target itself
    for (const hostile of ["/\t/evil.test", "/\n/evil.test", "//evil.test", "/\\evil.test", "https://evil.test", "evil"]) expect(localPath(hostile)).toBe("/");
    expect(localPath("/dashboard?tab=posts")).toBe("/dashboard?tab=posts");
  });

  it("changes nothing when unset: a browser gets the 401", async () => {
    const res = await fetch(`${server.url}/dashboard`, { headers: { accept: "text/html,application/xhtml+xml" }, redirect: "manual" });
    expect(res.status).toBe(401);
  });
});
