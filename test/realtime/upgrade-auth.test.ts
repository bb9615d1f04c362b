/**
 * Who may open a WebSocket: secured routes need a token (Authorization header, `bearer, <jwt>`
 * subprotocol, `?token=`) or a session user → 401 and no upgrade otherwise; an invalid token
 * is 401 even on a public route; cross-origin upgrades are refused (403) unless the origin is
 * listed (TINA4_CORS_ORIGINS or the route's `origins`).
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { session, signToken } from "../../runtime/index.js";
import { refusal, wsFixture, wsUrl } from "./support.js";

const { serve, open, cleanup } = wsFixture();
beforeAll(() => {
  process.env.TINA4_SECRET = "realtime-auth-test-secret-0123456789abcdef";
});
afterEach(async () => {
  await cleanup();
  delete process.env.TINA4_CORS_ORIGINS;
});

const whoami = { open: (socket: { send(data: unknown): boolean; user: unknown; protocol: string }) => socket.send({ user: socket.user, protocol: socket.protocol }) };

describe("secured WebSocket routes", () => {
  it("refuse an upgrade without a user: 401 JSON with WWW-Authenticate, no socket", async () => {
    let opened = 0;
    const server = await serve((app) => app.websocket("/private", { open: () => void opened++ }, { secured: true }));
    const refused = await refusal(wsUrl(server.url, "/private"));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ error: "Unauthorized" });
    expect(refused.headers["www-authenticate"]).toBe("Bearer");
    expect(opened).toBe(0);
  });

  it("accept a token in the Authorization header, as the `bearer, <jwt>` subprotocol (agreeing to `bearer` only), or as ?token=", async () => {
    const server = await serve((app) => app.websocket("/private", whoami, { secured: true }));
    const token = await signToken({ sub: "u1", name: "Ada" });
    const viaHeader = await open(wsUrl(server.url, "/private"), { headers: { authorization: `Bearer ${token}` } });
    expect(JSON.parse(String(await viaHeader.next()))).toMatchObject({ user: { sub: "u1", name: "Ada" }, protocol: "" });
    const viaProtocol = await open(wsUrl(server.url, "/private"), { protocols: ["bearer", token] });
    expect(viaProtocol.ws.protocol).toBe("bearer");
    expect(JSON.parse(String(await viaProtocol.next()))).toMatchObject({ user: { sub: "u1" }, protocol: "bearer" });
    const viaQuery = await open(wsUrl(server.url, `/private?token=${token}`));
    expect(JSON.parse(String(await viaQuery.next()))).toMatchObject({ user: { sub: "u1" } });
  });

  it("refuse invalid, expired and foreign tokens (also on public routes), and non-Bearer Authorization", async () => {
    const server = await serve((app) => {
      app.websocket("/private", whoami, { secured: true });
      app.websocket("/public", whoami);
    });
    const secret = new TextEncoder().encode(process.env.TINA4_SECRET);
    const expired = await new SignJWT({ sub: "u1" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt(Math.floor(Date.now() / 1000) - 120).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(secret);
    for (const path of ["/private", "/public"]) {
      const bad = await refusal(wsUrl(server.url, `${path}?token=not.a.jwt`));
      expect(bad.status).toBe(401);
      expect(bad.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
      expect((await refusal(wsUrl(server.url, path), { headers: { authorization: `Bearer ${expired}` } })).status).toBe(401);
      expect((await refusal(wsUrl(server.url, path), { headers: { authorization: "Basic dTpw" } })).status).toBe(401);
      expect((await refusal(wsUrl(server.url, path), { protocols: ["bearer", "x.y.z"] })).status).toBe(401);
    }
    const anonymous = await open(wsUrl(server.url, "/public"));
    expect(JSON.parse(String(await anonymous.next()))).toMatchObject({ user: null });
  });

  it("accept the session's user from the session cookie (and refuse a forged cookie)", async () => {
    const server = await serve((app) => {
      app.use(session());
      app.post("/login", (req) => {
        req.session!.set("user", { sub: "s1", name: "Grace" });
        return { ok: true };
      }, { secured: false });
      app.websocket("/private", whoami, { secured: true });
    });
    const login = await fetch(`${server.url}/login`, { method: "POST" });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    expect(cookie).toMatch(/^tina4_session=/);
    const client = await open(wsUrl(server.url, "/private"), { headers: { cookie } });
    expect(JSON.parse(String(await client.next()))).toMatchObject({ user: { sub: "s1", name: "Grace" } });
    const forged = cookie.slice(0, -3) + (cookie.endsWith("AAA") ? "BBB" : "AAA");
    expect((await refusal(wsUrl(server.url, "/private"), { headers: { cookie: forged } })).status).toBe(401);
  });
});

describe("origin check", () => {
  it("refuses cross-origin upgrades (403) and accepts same-origin, origin-less and listed origins", async () => {
    process.env.TINA4_CORS_ORIGINS = "https://app.example.com";
    const server = await serve((app) => {
      app.websocket("/ws", whoami);
      app.websocket("/open", whoami, { origins: ["*"] });
    });
    const evil = await refusal(wsUrl(server.url, "/ws"), { origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toEqual({ error: "Origin not allowed" });
    expect((await refusal(wsUrl(server.url, "/ws"), { origin: "null" })).status).toBe(403);
    await open(wsUrl(server.url, "/ws"), { origin: server.url });
    await open(wsUrl(server.url, "/ws"), { origin: "https://app.example.com" });
    await open(wsUrl(server.url, "/ws"));
    await open(wsUrl(server.url, "/open"), { origin: "https://evil.example" });
  });
});
