/**
 * Login CSRF: another site's page posts a form to the login route with the attacker's
 * credentials. The browser sends no SameSite=Lax cookie with it, so the CSRF check has no
 * session to compare with; before the fix the login started a session and the victim browsed
 * as the attacker. A session is never started by a cross-site unsafe request now (the form
 * still gets its answer, so cross-site posts that need no session keep working).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useChromium } from "../support/chromium.js";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { session } from "../../runtime/session/middleware.js";
import { closeSessionStores } from "../../runtime/session/store.js";

let server: RunningServer;
const chrome = useChromium();

beforeAll(async () => {
  process.env.TINA4_SECRET ??= "cross-site-test-secret-0123456789abcdef";
  const app = new App({ publicDir: null, dev: false, templatesDir: null });
  app.use(session({ backend: "memory" }));
  app.get("/login", (req, res) =>
    res.html(`<form method="post" action="/login"><input type="hidden" name="_csrf" value="${req.csrfToken()}"><input name="email" value="ada@example.com"><button id="go">Log in</button></form>`));
  app.post("/login", async (req) => {
    await req.session!.regenerate();
    req.session!.set("user", { sub: String((req.body as { email: string }).email) });
    return { ok: true };
  }, { secured: false });
  app.post("/payment/return", () => ({ paid: true }), { secured: false });
  app.get("/me", (req) => ({ user: req.user?.sub ?? null }));
  server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
});

afterAll(async () => {
  await server?.close();
  await closeSessionStores();
});

const forgedPage = (action: string, email: string) =>
  `data:text/html,<form method="post" action="${action}"><input name="email" value="${email}"></form>`;

describe("a session is never started by another site's form (login CSRF)", () => {
  it("a forged cross-site login leaves the browser anonymous; the same login from our own page logs in", async (test) => {
    const page = await (await chrome.context(test)).newPage();
    await page.goto(`${server.url}/login`); // the victim already holds a session cookie: Lax keeps it off the forged POST
    await page.goto(forgedPage(`${server.url}/login`, "mallory@evil.test"));
    const [forged] = await Promise.all([page.waitForNavigation(), page.evaluate("document.forms[0].submit()")]);
    expect(forged!.status()).toBe(200); // the form got its answer ...
    expect(await forged!.headerValue("set-cookie")).toBeNull(); // ... but no session
    await page.goto(`${server.url}/me`);
    expect(JSON.parse(await page.locator("body").innerText())).toEqual({ user: null });

    await page.goto(`${server.url}/login`);
    await Promise.all([page.waitForURL(`${server.url}/login`), page.click("#go")]);
    await page.goto(`${server.url}/me`);
    expect(JSON.parse(await page.locator("body").innerText())).toEqual({ user: "ada@example.com" });
  });

  it("Sec-Fetch-Site decides: cross-site gets no cookie; same-origin, same-site and non-browser clients do; a cross-site post that writes no session is answered as before", async () => {
    const login = (site?: string) =>
      fetch(`${server.url}/login`, { method: "POST", headers: { "content-type": "application/json", ...(site ? { "sec-fetch-site": site } : {}) }, body: JSON.stringify({ email: "x@example.com" }) });
    const crossSite = await login("cross-site");
    expect(crossSite.status).toBe(200);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    for (const site of ["same-origin", "same-site", "none", undefined]) {
      expect((await login(site)).headers.get("set-cookie"), String(site)).toMatch(/^tina4_session=/);
    }
    const paid = await fetch(`${server.url}/payment/return`, { method: "POST", headers: { "sec-fetch-site": "cross-site" } });
    expect(paid.status).toBe(200);
    expect(await paid.json()).toEqual({ paid: true });
  });
});
