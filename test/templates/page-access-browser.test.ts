/**
 * A secured page template in a real browser: with TINA4_LOGIN_URL set, Chromium opening
 * /dashboard (a page template, no route) without a session lands on the login page (itself a
 * page template) with `next`, logs in through its form (CSRF field included), comes back to
 * the page it asked for and sees it rendered for the logged-in user. Pages not covered by the
 * declaration stay public; logging out closes the page again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useChromium } from "../support/chromium.js";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { session } from "../../runtime/session/middleware.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { templatesDir } from "./support.js";

const chrome = useChromium();
const folder = templatesDir({
  "base.twig": "<!doctype html><html><body>{% block body %}{% endblock %}</body></html>",
  "pages/login.twig":
    "{% extends 'base.twig' %}{% block body %}<h1>Log in</h1>" +
    "<form method=\"post\" action=\"/login?next={{ request.query.next|default('/')|url_encode }}\">{{ csrf_field() }}" +
    "<input name=\"name\" value=\"Ann\"><button>Log in</button></form>{% endblock %}",
  "pages/dashboard/index.twig": "{% extends 'base.twig' %}{% block body %}<h1>Dashboard of {{ user.name }}</h1><p>{{ request.query.tab }}</p>" +
    "<form method=\"post\" action=\"/logout\">{{ csrf_field() }}<button>Log out</button></form>{% endblock %}",
  "pages/dashboard/reports.twig": "{% extends 'base.twig' %}{% block body %}<h1>Reports for {{ user.name }}</h1>{% endblock %}",
  "pages/about.twig": "{% extends 'base.twig' %}{% block body %}<h1>About</h1>{% endblock %}",
}, "t4-page-browser-");
let server: RunningServer;
let url = "";
const saved = process.env.TINA4_LOGIN_URL;

/** A local path only (docs/auth.md): `next` comes from the URL. */
function localPath(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])/.test(next) && !/[\u0000-\u001f\u007f]/.test(next) ? next : "/";
}

beforeAll(async () => {
  process.env.TINA4_SECRET ??= "page-access-browser-secret-0123456789abcdef";
  process.env.TINA4_LOGIN_URL = "/login";
  const app = new App({ publicDir: null, dev: false, templatesDir: folder.dir });
  app.use(session({ backend: "memory" }));
  app.post("/login", async (req, res) => {
    await req.session!.regenerate();
    req.session!.set("user", { sub: "1", name: String((req.body as { name?: unknown }).name) });
    return res.redirect(localPath(req.query.next));
  }, { secured: false });
  app.post("/logout", async (req, res) => {
    await req.session!.destroy();
    return res.redirect("/about");
  });
  app.pages("/dashboard", { secured: true });
  server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
  url = server.url;
});

afterAll(async () => {
  await server?.close();
  await closeSessionStores();
  folder.cleanup();
  if (saved === undefined) delete process.env.TINA4_LOGIN_URL;
  else process.env.TINA4_LOGIN_URL = saved;
});

describe("a secured page template in Chromium", () => {
  it("sends the browser to the login page, and back to the page after logging in; logging out closes it again", async (test) => {
    const page = await (await chrome.context(test)).newPage();
    await page.goto(`${url}/dashboard?tab=posts`);
    expect(page.url()).toBe(`${url}/login?next=${encodeURIComponent("/dashboard?tab=posts")}`);
    expect(await page.locator("h1").textContent()).toBe("Log in");

    await Promise.all([page.waitForURL(`${url}/dashboard?tab=posts`), page.click("button")]);
    expect(await page.locator("h1").textContent()).toBe("Dashboard of Ann");
    expect(await page.locator("p").textContent()).toBe("posts");
    // a page below the declared path is covered too, and open now
    await page.goto(`${url}/dashboard/reports`);
    expect(await page.locator("h1").textContent()).toBe("Reports for Ann");

    await page.goto(`${url}/dashboard`);
    await Promise.all([page.waitForURL(`${url}/about`), page.click("button")]);
    await page.goto(`${url}/dashboard/reports`);
    expect(page.url()).toBe(`${url}/login?next=${encodeURIComponent("/dashboard/reports")}`);
  });

  it("a page the declaration does not cover stays public; a fetch() from a page gets the 401, not the login page", async (test) => {
    const page = await (await chrome.context(test)).newPage();
    const response = await page.goto(`${url}/about`);
    expect(response?.status()).toBe(200);
    expect(await page.locator("h1").textContent()).toBe("About");
    const fetched = await page.evaluate(async () => {
      const res = await fetch("/dashboard", { headers: { accept: "application/json" } });
      return { status: res.status, body: await res.json() };
    });
    expect(fetched).toMatchObject({ status: 401, body: { error: "Unauthorized" } });
  });
});
