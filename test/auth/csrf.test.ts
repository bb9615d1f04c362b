/**
 * CSRF: with sessions on, an unsafe request that rides on a stored session's cookie needs the
 * session's token (X-CSRF-Token header or _csrf form field); Bearer requests are exempt;
 * requests without a session cookie have nothing to forge.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, session, signToken } from "../../runtime/index.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { startApp } from "../support/http.js";
import { CookieClient } from "../support/cookie-client.js";

const closers: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  process.env.TINA4_SECRET = "csrf-test-secret-0123456789abcdef-0123456";
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  delete process.env.TINA4_SESSION;
});
afterAll(() => closeSessionStores());

/** Sessions, and POST /login that logs user u1 in under a new session id (as a real login does). */
function addLogin(app: App): void {
  app.use(session());
  app.post("/login", async (req) => {
    await req.session!.regenerate();
    req.session!.set("user", { sub: "u1" });
    return { ok: true };
  }, { secured: false });
}

async function loggedIn(setup?: (app: App) => void) {
  const server = await startApp((app) => {
    addLogin(app);
    app.post("/transfer", (req) => ({ ok: true, by: req.user?.sub, via: req.auth }));
    app.post("/public-write", () => ({ ok: true }), { secured: false });
    app.get("/form", (req) => `<form method="post"><input type="hidden" name="_csrf" value="${req.csrfToken()}"></form>`);
    setup?.(app);
  });
  closers.push(server.close);
  const client = new CookieClient(server.url);
  expect((await client.request("/login", { method: "POST" })).status).toBe(200);
  return { server, client };
}

const tokenOf = async (client: CookieClient) => ((await (await client.request("/__csrf")).json()) as { token: string }).token;

describe("CSRF", () => {
  it("a cookie-authenticated POST without a token → 403 JSON; with a wrong one → 403; with the session's token → 200", async () => {
    const { client } = await loggedIn();
    const missing = await client.request("/transfer", { method: "POST" });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: "Invalid CSRF token", code: "T4_ERR_AUTH_CSRF" });
    const wrong = await client.request("/transfer", { method: "POST", headers: { "x-csrf-token": "A".repeat(43) } });
    expect(wrong.status).toBe(403);
    // the answer says which: none sent (a first fetch() from a page) or not this session's (read before login)
    expect(((await (await client.request("/transfer", { method: "POST" })).json()) as { hint: string }).hint).toMatch(/^no CSRF token was sent: send .*X-CSRF-Token.*_csrf.*GET \/__csrf/);
    expect(((await wrong.json()) as { hint: string }).hint).toMatch(/^the CSRF token is not this session's .*GET \/__csrf/);
    expect((await client.request("/transfer", { method: "POST", headers: { "x-csrf-token": "" } })).status).toBe(403);
    const token = await tokenOf(client);
    const ok = await client.request("/transfer", { method: "POST", headers: { "x-csrf-token": token } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, by: "u1", via: "session" });
  });

  it("a token as long as the session's in characters but not in bytes (non-ASCII) → 403, never a 500", async () => {
    const { client } = await loggedIn();
    const length = (await tokenOf(client)).length;
    const accented = "é" + "a".repeat(length - 1);
    const viaBody = await client.request("/transfer", { method: "POST", json: { _csrf: accented } });
    expect(viaBody.status).toBe(403);
    expect(await viaBody.json()).toMatchObject({ code: "T4_ERR_AUTH_CSRF" });
    // a header byte above 0x7f arrives as one latin1 character: same length, more UTF-8 bytes
    expect((await client.request("/transfer", { method: "POST", headers: { "x-csrf-token": accented } })).status).toBe(403);
  });

  it("the _csrf form field works (urlencoded and JSON bodies); the token in a page comes from req.csrfToken()", async () => {
    const { client } = await loggedIn();
    const page = await (await client.request("/form")).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    expect(token).toBe(await tokenOf(client));
    const form = await client.request("/transfer", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `amount=5&_csrf=${encodeURIComponent(token)}` });
    expect(form.status).toBe(200);
    expect((await client.request("/transfer", { method: "POST", json: { _csrf: token } })).status).toBe(200);
    expect((await client.request("/transfer", { method: "POST", json: { _csrf: "nope" } })).status).toBe(403);
  });

  it("applies to public writes too when a session cookie comes along (the cookie is what a forger rides on)", async () => {
    const { client, server } = await loggedIn();
    expect((await client.request("/public-write", { method: "POST" })).status).toBe(403);
    // no cookie: nothing to ride on, nothing to check
    expect((await fetch(`${server.url}/public-write`, { method: "POST" })).status).toBe(200);
  });

  it("Bearer requests are exempt, even with a session cookie; an invalid Bearer token is not", async () => {
    const { client } = await loggedIn();
    const token = await signToken({ sub: "api" });
    const res = await client.request("/transfer", { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ by: "api", via: "bearer" });
    expect((await client.request("/transfer", { method: "POST", headers: { authorization: "Bearer bad.bad.bad" } })).status).toBe(401);
  });

  it("GET /__csrf: one token per session, no-store; regenerate() (login) issues a new one and the old stops working", async () => {
    const { client } = await loggedIn();
    const res = await client.request("/__csrf");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const first = ((await res.json()) as { token: string }).token;
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await tokenOf(client)).toBe(first);
    expect((await client.request("/login", { method: "POST", headers: { "x-csrf-token": first } })).status).toBe(200);
    expect((await client.request("/transfer", { method: "POST", headers: { "x-csrf-token": first } })).status).toBe(403);
    expect((await client.request("/transfer", { method: "POST", headers: { "x-csrf-token": await tokenOf(client) } })).status).toBe(200);
  });

  it("a template's {{ csrf_field() }} renders the hidden _csrf input that the form post then passes with", async () => {
    const views = mkdtempSync(join(tmpdir(), "t4-csrf-views-"));
    try {
      writeFileSync(join(views, "form.twig"), '<form method="post" action="/transfer">{{ csrf_field() }}<button>Send</button></form>');
      const server = await startApp((app) => {
        addLogin(app);
        app.get("/form", (_req, res) => res.render("form.twig"));
        app.post("/transfer", () => ({ ok: true }));
      }, { templatesDir: views });
      closers.push(server.close);
      const client = new CookieClient(server.url);
      await client.request("/login", { method: "POST" });
      const page = await (await client.request("/form")).text();
      const token = /<input type="hidden" name="_csrf" value="([A-Za-z0-9_-]{43})">/.exec(page)?.[1];
      expect(token).toBeDefined();
      const posted = await client.request("/transfer", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${token}` });
      expect(posted.status).toBe(200);
    } finally {
      rmSync(views, { recursive: true, force: true });
    }
  });

  it("TINA4_SESSION=true turns sessions and /__csrf on for the whole app", async () => {
    process.env.TINA4_SESSION = "true";
    const server = await startApp((app) => app.get("/s", (req) => ({ has: req.session !== undefined })));
    closers.push(server.close);
    expect(await (await fetch(`${server.url}/s`)).json()).toEqual({ has: true });
    expect((await fetch(`${server.url}/__csrf`)).status).toBe(200);
    expect(server.app.routes().find((r) => r.path === "/s")!.middleware).toEqual(["session"]);
  });

  it("tina4 routes lists session() once for /__csrf, as it runs once (one Set-Cookie)", async () => {
    for (const fromEnv of [true, false]) {
      if (fromEnv) process.env.TINA4_SESSION = "true";
      else delete process.env.TINA4_SESSION;
      const server = await startApp((app) => {
        if (!fromEnv) app.use(session());
        app.get("/s", () => ({ ok: true }));
      });
      closers.push(server.close);
      expect(server.app.routes().find((r) => r.path === "/__csrf")!.middleware, `TINA4_SESSION=${fromEnv}`).toEqual(["session"]);
      const res = await fetch(`${server.url}/__csrf`);
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie().filter((cookie) => cookie.startsWith("tina4_session="))).toHaveLength(1);
    }
  });

  it("req.csrfToken() without sessions is a coded error (500), /__csrf does not exist", async () => {
    const server = await startApp((app) => app.get("/t", (req) => ({ t: req.csrfToken() })));
    closers.push(server.close);
    const res = await fetch(`${server.url}/t`);
    expect(res.status).toBe(500);
    expect((await fetch(`${server.url}/__csrf`)).status).toBe(404);
  });
});
