/**
 * Flash messages (`req.session.flash(key, value)`, read back as `flashed(key)` and the templates'
 * `flash`): kept for the next request of the session only — the page a form's redirect lands
 * on shows "Post published" once, a reload or the back button does not show it again. What
 * Rails' flash, Laravel's `with()` and AdonisJS' flash messages do; a blog built from the docs
 * had to write this on top of the session by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useChromium } from "../support/chromium.js";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { session } from "../../runtime/session/middleware.js";
import { templatesDir } from "../templates/support.js";

const folder = templatesDir({
  "layout.twig": "<!doctype html><title>t</title>{% for type, message in flash %}<p class=\"flash {{ type }}\">{{ message }}</p>{% endfor %}{% block content %}{% endblock %}",
  "home.twig": "{% extends 'layout.twig' %}{% block content %}<h1>Posts</h1><a id=\"new\" href=\"/new\">new</a>{% endblock %}",
  "new.twig": "{% extends 'layout.twig' %}{% block content %}<form method=\"post\" action=\"/posts\">{{ csrf_field() }}<input id=\"title\" name=\"title\"><button>Save</button></form>{% endblock %}",
});

let server: RunningServer;
const chrome = useChromium();

beforeAll(async () => {
  process.env.TINA4_SECRET ??= "flash-test-secret-0123456789abcdef-0123";
  const app = new App({ publicDir: null, dev: false, templatesDir: folder.dir });
  app.use(session({ backend: "memory" }));
  app.get("/", (_req, res) => res.render("home"));
  app.get("/new", (_req, res) => res.render("new"));
  app.post("/posts", (req, res) => {
    req.session!.flash("notice", `Published “${String((req.body as { title: string }).title)}”`);
    return res.redirect("/");
  }, { secured: false });
  // handlers read what the previous request flashed; regenerate() (login) keeps a flash, destroy() + flash starts afresh
  app.post("/login", async (req) => {
    req.session!.flash("notice", "Welcome back");
    await req.session!.regenerate();
    return { ok: true };
  }, { secured: false });
  app.post("/logout", async (req) => {
    await req.session!.destroy();
    req.session!.flash("notice", "Logged out");
    return { ok: true };
  }, { secured: false });
  app.get("/read", (req) => ({ notice: req.session!.flashed("notice") ?? null, all: req.session!.flashes() }));
  server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
});

afterAll(async () => {
  await server?.close();
  folder.cleanup();
});

describe("flash messages in a browser", () => {
  it("shows a flash once on the page a form's redirect lands on; reload and back do not repeat it", async (test) => {
    const page = await (await chrome.context(test)).newPage();
    await page.goto(`${server.url}/new`);
    await page.fill("#title", "<b>Hello</b>");
    await Promise.all([page.waitForURL(`${server.url}/`), page.click("button")]);
    expect(await page.locator("p.flash.notice").allTextContents()).toEqual(["Published “<b>Hello</b>”"]); // escaped as text
    await page.reload();
    expect(await page.locator("p.flash").count()).toBe(0);
    await page.click("#new");
    await page.goBack();
    expect(await page.locator("h1").textContent()).toBe("Posts");
    expect(await page.locator("p.flash").count()).toBe(0);
  });

  it("keeps each browser's flash to itself", async (test) => {
    const a = await (await chrome.context(test)).newPage();
    const b = await (await chrome.context(test)).newPage();
    await a.goto(`${server.url}/new`);
    await b.goto(`${server.url}/`);
    await a.fill("#title", "mine");
    await Promise.all([a.waitForURL(`${server.url}/`), a.click("button")]);
    await b.reload();
    expect(await a.locator("p.flash").allTextContents()).toEqual(["Published “mine”"]);
    expect(await b.locator("p.flash").count()).toBe(0);
  });
});

describe("flash in handlers", () => {
  async function call(path: string, cookie: string, method = "GET"): Promise<{ cookie: string; body: unknown }> {
    const res = await fetch(`${server.url}${path}`, { method, headers: cookie ? { cookie } : {} });
    const set = res.headers.get("set-cookie");
    return { cookie: set ? set.split(";")[0]! : cookie, body: await res.json() };
  }

  it("flashed() reads the previous request's flash once; it survives regenerate(), and a flash after destroy() starts a new session", async () => {
    let step = await call("/login", "", "POST");
    const loggedIn = step.cookie;
    step = await call("/read", loggedIn);
    expect(step.body).toEqual({ notice: "Welcome back", all: { notice: "Welcome back" } });
    step = await call("/read", step.cookie);
    expect(step.body).toEqual({ notice: null, all: {} });
  });

  it("a flash after destroy() reaches the next request of the new session", async () => {
    const out = await call("/logout", "", "POST");
    expect(out.cookie).toMatch(/^tina4_session=/);
    expect((await call("/read", out.cookie)).body).toEqual({ notice: "Logged out", all: { notice: "Logged out" } });
    expect((await call("/read", out.cookie)).body).toEqual({ notice: null, all: {} });
  });
});
