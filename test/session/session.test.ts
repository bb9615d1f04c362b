/**
 * Sessions in one process: the cookie, one save per request and only on change, sliding
 * expiry, regenerate (session fixation), destroy, hostile cookies, and a store that stops
 * answering (503, never a silent logout). The multi-process proof is
 * test/session/distributed.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, session, type SessionOptions } from "../../runtime/index.js";
import { StoreBackend } from "../../runtime/cache/backend.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { log } from "../../runtime/log.js";
import { startApp } from "../support/http.js";
import { CookieClient } from "../support/cookie-client.js";
import { PrivateServer, freePort } from "../cache/private-server.js";

const closers: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  process.env.TINA4_SECRET = "session-test-secret-0123456789abcdef-xyz";
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  vi.restoreAllMocks();
});
afterAll(() => closeSessionStores());

/** A small app: counter, login (regenerate), logout (destroy), whoami. */
async function serve(options: SessionOptions = {}) {
  const server = await startApp((app: App) => {
    app.use(session({ ...options }));
    app.get("/public", () => ({ ok: true }));
    app.get("/count", (req) => {
      const n = (req.session!.get<number>("n") ?? 0) + 1;
      req.session!.set("n", n);
      return { n };
    });
    app.get("/peek", (req) => ({ n: req.session!.get("n") ?? null, isNew: req.session!.isNew, user: req.user }));
    app.get("/three-writes", (req) => {
      req.session!.set("a", 1);
      req.session!.set("b", 2);
      req.session!.delete("a");
      return { ok: true };
    });
    app.post("/login", async (req) => {
      await req.session!.regenerate();
      req.session!.set("user", { sub: "u1", name: "Ada" });
      return { ok: true };
    }, { secured: false });
    app.post("/logout", async (req) => {
      await req.session!.destroy();
      return { ok: true };
    });
  });
  closers.push(server.close);
  return server;
}

const sessionCookie = (res: Response) => res.headers.getSetCookie().find((line) => line.startsWith("tina4_session="));
const ns = () => `sess-${randomUUID().slice(0, 8)}`;

describe("session cookie and saving", () => {
  it("no cookie and no session use → no Set-Cookie, no store access", async () => {
    const server = await serve();
    const set = vi.spyOn(StoreBackend.prototype, "set");
    const get = vi.spyOn(StoreBackend.prototype, "get");
    const res = await fetch(`${server.url}/public`);
    expect(res.status).toBe(200);
    expect(sessionCookie(res)).toBeUndefined();
    expect(set).not.toHaveBeenCalled();
    expect(get).not.toHaveBeenCalled();
  });

  it("a new session gets a signed HttpOnly, SameSite=Lax, Path=/ cookie with Max-Age = TTL (Secure when asked, as in production)", async () => {
    const server = await serve({ ttl: 600 });
    const line = sessionCookie(await fetch(`${server.url}/count`))!;
    expect(line).toMatch(/^tina4_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/);
    const secure = await serve({ secure: true });
    expect(sessionCookie(await fetch(`${secure.url}/count`))).toMatch(/; Secure; HttpOnly; SameSite=Lax$/);
  });

  it("data survives between requests; an unchanged session is not written again; many changes are one write", async () => {
    const server = await serve();
    const client = new CookieClient(server.url);
    expect(await (await client.request("/count")).json()).toEqual({ n: 1 });
    expect(await (await client.request("/count")).json()).toEqual({ n: 2 });
    const set = vi.spyOn(StoreBackend.prototype, "set");
    const peek = await client.request("/peek");
    expect(await peek.json()).toMatchObject({ n: 2, isNew: false });
    expect(sessionCookie(peek)).toBeUndefined();
    expect(set).not.toHaveBeenCalled();
    await client.request("/three-writes");
    expect(set).toHaveBeenCalledTimes(1);
  });

  it("sliding TTL: a session in use outlives its TTL; an idle one ends", async () => {
    const server = await serve({ ttl: 2 });
    const client = new CookieClient(server.url);
    await client.request("/count");
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(await (await client.request("/peek")).json()).toMatchObject({ n: 1, isNew: false });
    }
    await new Promise((r) => setTimeout(r, 2300));
    expect(await (await client.request("/peek")).json()).toMatchObject({ n: null, isNew: true });
  });

  it("forged, malformed, truncated and huge cookies are ignored: a fresh session, never an error", async () => {
    const server = await serve();
    const client = new CookieClient(server.url);
    await client.request("/count");
    const good = client.jar.get("tina4_session")!;
    const [id, signature] = good.split(".");
    const forged = [
      `${id}.${"A".repeat(43)}`,
      `${"B".repeat(43)}.${signature}`,
      good.slice(0, -1),
      `${good}x`,
      "garbage",
      "%E0%A4%A",
      "x".repeat(4000),
      `${id}`,
    ];
    for (const value of forged) {
      const res = await fetch(`${server.url}/peek`, { headers: { cookie: `tina4_session=${value}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ n: null, isNew: true });
    }
    // a cookie signed under another secret is a forgery too
    process.env.TINA4_SECRET = "another-secret-another-secret-another";
    try {
      expect(await (await fetch(`${server.url}/peek`, { headers: { cookie: `tina4_session=${good}` } })).json()).toMatchObject({ isNew: true });
    } finally {
      process.env.TINA4_SECRET = "session-test-secret-0123456789abcdef-xyz";
    }
  });
});

describe("on the file backend (what tina4 init sets up with the memory cache)", () => {
  it("sessions round-trip through files (the files are what the workers of one machine share)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4-sessions-"));
    process.env.TINA4_CACHE_DIR = dir;
    try {
      const a = await serve({ backend: "file" });
      const b = await serve({ backend: "file" });
      const client = new CookieClient(a.url);
      await client.request("/count");
      await client.request("/count");
      const cookie = client.cookieHeader();
      expect(await (await fetch(`${b.url}/peek`, { headers: { cookie } })).json()).toMatchObject({ n: 2, isNew: false });
    } finally {
      delete process.env.TINA4_CACHE_DIR;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("login and logout", () => {
  it("regenerate() at login: the pre-login cookie (a fixation attempt) is dead; the new one carries the user", async () => {
    const server = await serve();
    const attacker = new CookieClient(server.url);
    await attacker.request("/count"); // the attacker gets a session id...
    const planted = attacker.jar.get("tina4_session")!;
    const victim = new CookieClient(server.url);
    victim.jar.set("tina4_session", planted); // ...and plants it in the victim's browser
    const csrf = (await (await victim.request("/__csrf")).json()) as { token: string };
    expect((await victim.request("/login", { method: "POST", headers: { "x-csrf-token": csrf.token } })).status).toBe(200);
    expect(victim.jar.get("tina4_session")).not.toBe(planted);
    expect(await (await victim.request("/peek")).json()).toMatchObject({ user: { sub: "u1", name: "Ada" }, n: 1 });
    // the planted id no longer opens anything: not the user, not even the old data
    expect(await (await attacker.request("/peek")).json()).toMatchObject({ user: null, n: null, isNew: true });
  });

  it("destroy() at logout deletes the data server-side and expires the cookie; the old cookie is rejected", async () => {
    const server = await serve();
    const client = new CookieClient(server.url);
    await client.request("/login", { method: "POST" });
    const cookie = client.jar.get("tina4_session")!;
    const token = ((await (await client.request("/__csrf")).json()) as { token: string }).token;
    const out = await client.request("/logout", { method: "POST", headers: { "x-csrf-token": token } });
    expect(out.status).toBe(200);
    expect(sessionCookie(out)).toMatch(/Max-Age=0/);
    const replay = await fetch(`${server.url}/peek`, { headers: { cookie: `tina4_session=${cookie}` } });
    expect(await replay.json()).toMatchObject({ user: null, isNew: true });
    expect((await fetch(`${server.url}/logout`, { method: "POST", headers: { cookie: `tina4_session=${cookie}` } })).status).toBe(401);
  });
});

describe("a session store that stops answering", () => {
  let redis: PrivateServer;
  beforeAll(async () => {
    redis = new PrivateServer("redis", await freePort(56600));
    await redis.start();
  });
  afterAll(async () => redis.stop());

  it("with a session → 503 JSON (never a silent logout); without → still served; resumed → the same session again", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    process.env.TINA4_CACHE_TIMEOUT_MS = "200";
    try {
      const server = await serve({ backend: "redis", url: `redis://127.0.0.1:${redis.port}` });
      const client = new CookieClient(server.url);
      await client.request("/count");
      expect(await (await client.request("/count")).json()).toEqual({ n: 2 });
      await redis.signal("SIGSTOP");
      try {
        const refused = await client.request("/peek");
        expect(refused.status).toBe(503);
        expect(await refused.json()).toMatchObject({ error: "Session store unavailable", code: "T4_ERR_SESSION_UNAVAILABLE" });
        expect((await fetch(`${server.url}/public`)).status).toBe(200);
        // a new visitor whose request writes a session cannot be given a cookie that points nowhere
        const fresh = await fetch(`${server.url}/count`);
        expect(fresh.status).toBe(503);
        expect(sessionCookie(fresh)).toBeUndefined();
      } finally {
        await redis.signal("SIGCONT");
      }
      let resumed: Response | undefined;
      for (let i = 0; i < 40 && resumed?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        resumed = await client.request("/peek");
      }
      expect(await resumed!.json()).toMatchObject({ n: 2, isNew: false });
    } finally {
      delete process.env.TINA4_CACHE_TIMEOUT_MS;
    }
  });

  it("a store unreachable at start: requests with a session cookie get 503, not a file-cache session", async () => {
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const server = await serve({ backend: "redis", url: "redis://127.0.0.1:1" });
    const cookieFromElsewhere = new CookieClient((await serve()).url);
    await cookieFromElsewhere.request("/count");
    const res = await fetch(`${server.url}/peek`, { headers: { cookie: cookieFromElsewhere.cookieHeader() } });
    expect(res.status).toBe(503);
    expect((await fetch(`${server.url}/public`)).status).toBe(200);
  });

  it(`a bad session backend name is an error when session() is created`, () => {
    expect(() => session({ backend: "nope" as "redis" })).toThrow(/unknown session backend/);
    void ns;
  });
});
