/**
 * Secured routes: POST/PUT/PATCH/DELETE need a user by default; `secured` opens or secures a
 * route; TINA4_SECURE_WRITES=false turns the default off; 401 wins over 422; tokens only ever
 * come from the Authorization header.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { App, signToken, z } from "../../runtime/index.js";
import { discoverRouteFiles, loadRouteFiles } from "../../runtime/router/file-routes.js";
import { startApp } from "../support/http.js";

const SECRET = "secured-routes-test-secret-0123456789abcdef";
const closers: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  process.env.TINA4_SECRET = SECRET;
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  delete process.env.TINA4_SECURE_WRITES;
});

async function serve(setup: (app: App) => void) {
  const server = await startApp(setup);
  closers.push(server.close);
  return server;
}

const bearer = async (payload: Record<string, unknown> = { sub: "u1", name: "Ada" }) => ({ authorization: `Bearer ${await signToken(payload)}` });

describe("secured by default", () => {
  it("POST, PUT, PATCH and DELETE without a user → 401 JSON with WWW-Authenticate; with a Bearer token → the handler sees req.user", async () => {
    const server = await serve((app) => {
      for (const method of ["post", "put", "patch", "del"] as const) app[method]("/things", (req) => ({ user: req.user, auth: req.auth }));
      app.get("/things", (req) => ({ user: req.user }));
    });
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const refused = await fetch(`${server.url}/things`, { method });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe("Bearer");
      expect(await refused.json()).toMatchObject({ error: "Unauthorized", code: "T4_ERR_AUTH_UNAUTHORIZED" });
      const allowed = await fetch(`${server.url}/things`, { method, headers: await bearer() });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toMatchObject({ user: { sub: "u1", name: "Ada" }, auth: "bearer" });
    }
    // GET stays public, and still sees a user when a valid token comes along
    expect(await (await fetch(`${server.url}/things`)).json()).toEqual({ user: null });
    expect(await (await fetch(`${server.url}/things`, { headers: await bearer() })).json()).toMatchObject({ user: { sub: "u1" } });
  });

  it("expired, tampered, unsigned and wrong-key tokens → 401 (invalid_token), never 500", async () => {
    const server = await serve((app) => app.post("/w", () => ({ ok: true })));
    const key = new TextEncoder().encode(SECRET);
    const past = Math.floor(Date.now() / 1000) - 300;
    const good = await signToken({ sub: "1" });
    const [h, , s] = good.split(".");
    const tokens = [
      await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt(past - 10).setExpirationTime(past).sign(key),
      `${h}.${Buffer.from(JSON.stringify({ sub: "admin", exp: past + 10_000 })).toString("base64url")}.${s}`,
      `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"1"}').toString("base64url")}.`,
      await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode("another-secret-another-secret-xx")),
      "not-a-token",
      "x".repeat(9_000), // over the token limit, under Node's 16 KiB header limit (beyond that Node answers 431)
    ];
    for (const token of tokens) {
      const res = await fetch(`${server.url}/w`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    }
    // another scheme is no Bearer token
    expect((await fetch(`${server.url}/w`, { method: "POST", headers: { authorization: "Basic dXNlcjpwYXNz" } })).status).toBe(401);
  });

  it("a token in the query string is ignored (401): tokens come from the Authorization header only", async () => {
    const server = await serve((app) => {
      app.post("/w", () => ({ ok: true }));
      app.get("/private", () => ({ ok: true }), { secured: true });
    });
    const token = await signToken({ sub: "1" });
    for (const name of ["token", "access_token", "jwt", "authorization"]) {
      expect((await fetch(`${server.url}/w?${name}=${token}`, { method: "POST" })).status).toBe(401);
      expect((await fetch(`${server.url}/private?${name}=${token}`)).status).toBe(401);
    }
  });

  it("401 wins over 422: an unauthenticated request with an invalid body is refused before validation", async () => {
    const server = await serve((app) => app.post("/v", () => ({ ok: true }), { schema: { body: z.object({ name: z.string() }) } }));
    const body = JSON.stringify({ name: 42 });
    const headers = { "content-type": "application/json" };
    expect((await fetch(`${server.url}/v`, { method: "POST", body, headers })).status).toBe(401);
    expect((await fetch(`${server.url}/v`, { method: "POST", body, headers: { ...headers, ...(await bearer()) } })).status).toBe(422);
  });

  it("an ANY route is secured for unsafe methods only", async () => {
    const server = await serve((app) => app.any("/any", (req) => ({ method: req.method })));
    expect((await fetch(`${server.url}/any`)).status).toBe(200);
    expect((await fetch(`${server.url}/any`, { method: "DELETE" })).status).toBe(401);
    expect((await fetch(`${server.url}/any`, { method: "DELETE", headers: await bearer() })).status).toBe(200);
  });

  it("middleware may authenticate in its own way (an API key): req.user set before the check counts", async () => {
    const server = await serve((app) => {
      app.use(async (req, _res, next) => {
        if (req.headers["x-api-key"] === "k1") req.user = { sub: "service" };
        await next();
      });
      app.post("/w", (req) => ({ user: req.user, auth: req.auth }));
    });
    expect((await fetch(`${server.url}/w`, { method: "POST" })).status).toBe(401);
    const res = await fetch(`${server.url}/w`, { method: "POST", headers: { "x-api-key": "k1" } });
    expect(await res.json()).toEqual({ user: { sub: "service" }, auth: "middleware" });
  });
});

describe("opening and securing routes", () => {
  it("{ secured: false } opens a write; { secured: true } secures a GET", async () => {
    const server = await serve((app) => {
      app.post("/open", () => ({ ok: true }), { secured: false });
      app.get("/closed", () => ({ ok: true }), { secured: true });
    });
    expect((await fetch(`${server.url}/open`, { method: "POST" })).status).toBe(200);
    expect((await fetch(`${server.url}/closed`)).status).toBe(401);
    expect((await fetch(`${server.url}/closed`, { headers: await bearer() })).status).toBe(200);
  });

  it("TINA4_SECURE_WRITES=false turns the default off (an explicit secured = true still applies)", async () => {
    process.env.TINA4_SECURE_WRITES = "false";
    const server = await serve((app) => {
      app.post("/w", () => ({ ok: true }));
      app.post("/still", () => ({ ok: true }), { secured: true });
    });
    expect((await fetch(`${server.url}/w`, { method: "POST" })).status).toBe(200);
    expect((await fetch(`${server.url}/still`, { method: "POST" })).status).toBe(401);
  });

  it("a non-boolean secured is a registration error", () => {
    const app = new App({ publicDir: null });
    expect(() => app.post("/x", () => 1, { secured: "yes" as unknown as boolean })).toThrow(expect.objectContaining({ code: "T4_ERR_ROUTE_SECURED" }));
  });

  it("routes() lists SECURED: true for writes, false for reads and opened writes, writes for ANY", () => {
    const app = new App({ publicDir: null });
    app.post("/a", () => 1);
    app.post("/b", () => 1, { secured: false });
    app.get("/c", () => 1);
    app.get("/d", () => 1, { secured: true });
    app.any("/e", () => 1);
    const secured = Object.fromEntries(app.routes().map((r) => [`${r.method} ${r.path}`, r.secured]));
    expect(secured).toMatchObject({ "POST /a": true, "POST /b": false, "GET /c": false, "GET /d": true, "ANY /e": "writes", "GET /__health": false });
  });
});

describe("file routes: export const secured", () => {
  const root = mkdtempSync(join(tmpdir(), "t4-secured-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("export const secured = false opens a file route; = true secures a GET one", async () => {
    mkdirSync(join(root, "src", "routes", "open"), { recursive: true });
    mkdirSync(join(root, "src", "routes", "closed"), { recursive: true });
    writeFileSync(join(root, "src", "routes", "open", "post.mjs"), "export const secured = false;\nexport default () => ({ ok: true });\n");
    writeFileSync(join(root, "src", "routes", "open", "delete.mjs"), "export default () => ({ ok: true });\n");
    writeFileSync(join(root, "src", "routes", "closed", "get.mjs"), "export const secured = true;\nexport default (req) => ({ user: req.user });\n");
    const server = await serve(() => undefined);
    const app = (server as unknown as { app: App }).app;
    await loadRouteFiles(app, discoverRouteFiles(root));
    expect((await fetch(`${server.url}/open`, { method: "POST" })).status).toBe(200);
    expect((await fetch(`${server.url}/open`, { method: "DELETE" })).status).toBe(401);
    expect((await fetch(`${server.url}/closed`)).status).toBe(401);
    expect(await (await fetch(`${server.url}/closed`, { headers: await bearer({ sub: "9" }) })).json()).toMatchObject({ user: { sub: "9" } });
  });
});
