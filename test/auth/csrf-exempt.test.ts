/**
 * Per-route CSRF opt-out: `{ csrf: false }` (programmatic) or `export const csrf = false` (file
 * route) lets that one route take unsafe requests that carry a session cookie without the
 * session's token (a webhook, a form-less JSON endpoint). Every other route — the same path
 * under another method included — keeps the check, and nothing a request sends can turn it off.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { App, session } from "../../runtime/index.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { discoverRouteFiles, loadRouteFiles } from "../../runtime/router/file-routes.js";
import { startApp, verbatim } from "../support/http.js";
import { CookieClient } from "../support/cookie-client.js";
import { makeApp } from "../dev/support.js";
import { runCli } from "../support/cli.js";

const closers: Array<() => Promise<unknown>> = [];
const roots: string[] = [];
beforeAll(() => {
  process.env.TINA4_SECRET = "csrf-exempt-test-secret-0123456789abcdef-01";
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  await closeSessionStores();
});

/** Sessions, a login that puts user u1 in a new session, and the routes of `setup`. */
async function loggedIn(setup: (app: App) => void) {
  const server = await startApp((app) => {
    app.use(session({ backend: "memory" }));
    app.post("/login", async (req) => {
      await req.session!.regenerate();
      req.session!.set("user", { sub: "u1" });
      return { ok: true };
    }, { secured: false });
    setup(app);
  });
  closers.push(server.close);
  const client = new CookieClient(server.url);
  expect((await client.request("/login", { method: "POST" })).status).toBe(200);
  return { server, client };
}

/** An exempt webhook and its guarded neighbours: another path, and the same path under PUT and DELETE. */
function webhookRoutes(app: App): void {
  app.post("/hooks/stripe", (req) => ({ exempt: true, by: req.user?.sub ?? null, via: req.auth ?? null }), { secured: false, csrf: false });
  app.put("/hooks/stripe", () => ({ replaced: true }), { secured: false });
  app.del("/hooks/stripe", () => ({ deleted: true }), { secured: false });
  app.post("/transfer", (req) => ({ moved: true, by: req.user?.sub }));
  // a secured route that opts out: the session's user still authenticates it
  app.post("/api/ping", (req) => ({ pong: req.user?.sub }), { csrf: false });
}

describe("csrf: false on one route", () => {
  it("the exempt route accepts a cookie-authenticated POST without a token; the neighbouring route still gets 403", async () => {
    const { client } = await loggedIn(webhookRoutes);
    const exempt = await client.request("/hooks/stripe", { method: "POST", json: { type: "invoice.paid" } });
    expect(exempt.status).toBe(200);
    // the session cookie came along (the request really was cookie-authenticated) and is kept
    expect(await exempt.json()).toEqual({ exempt: true, by: "u1", via: "session" });
    const neighbour = await client.request("/transfer", { method: "POST", json: { amount: 5 } });
    expect(neighbour.status).toBe(403);
    expect(await neighbour.json()).toMatchObject({ error: "Invalid CSRF token", code: "T4_ERR_AUTH_CSRF" });
    const secured = await client.request("/api/ping", { method: "POST" });
    expect([secured.status, await secured.json()]).toEqual([200, { pong: "u1" }]);
  });

  it("is per route, not per path: PUT and DELETE on the exempt POST's path keep the check", async () => {
    const { client } = await loggedIn(webhookRoutes);
    expect((await client.request("/hooks/stripe", { method: "PUT" })).status).toBe(403);
    expect((await client.request("/hooks/stripe", { method: "DELETE" })).status).toBe(403);
    // a form POST to the exempt path that asks to be a DELETE is the DELETE route's request
    const overridden = await client.request("/hooks/stripe", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "_method=DELETE" });
    expect(overridden.status).toBe(403);
    expect(await overridden.json()).toMatchObject({ code: "T4_ERR_AUTH_CSRF" });
  });

  it("cannot be set by request data: query, headers, body fields and paths leave a guarded route guarded", async () => {
    const { client, server } = await loggedIn(webhookRoutes);
    const attempts: Array<{ path: string; init: RequestInit & { json?: unknown } }> = [
      { path: "/transfer?csrf=false", init: { method: "POST" } },
      { path: "/transfer?_csrf=false", init: { method: "POST" } },
      { path: "/transfer", init: { method: "POST", headers: { csrf: "false", "x-csrf": "false", "x-csrf-token": "false" } } },
      { path: "/transfer", init: { method: "POST", json: { csrf: false, _csrf: false } } },
      { path: "/transfer", init: { method: "POST", json: { _csrf: null } } },
      { path: "/transfer", init: { method: "POST", json: { _csrf: true } } },
      { path: "/transfer", init: { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "csrf=false&_csrf=" } },
    ];
    for (const { path, init } of attempts) {
      const res = await client.request(path, init);
      expect([path, res.status]).toEqual([path, 403]);
    }
    // a path that walks from the exempt route to the guarded one is the guarded one (or refused)
    const cookie = client.cookieHeader();
    for (const path of ["/hooks/stripe/../../transfer", "/hooks/stripe/%2e%2e/%2e%2e/transfer", "/hooks%2fstripe/../../transfer"]) {
      const res = await verbatim(server.port, "POST", path, { cookie, "content-type": "application/json" }, "{}");
      expect([path, res.status]).not.toEqual([path, 200]);
      expect(res.body).not.toContain("exempt");
    }
  });

  it("a value that is not true or false is refused at registration (T4_ERR_ROUTE_CSRF), naming the route", () => {
    const app = new App({ publicDir: null, dev: false, templatesDir: null });
    expect(() => app.post("/x", () => 1, { csrf: "false" as unknown as boolean })).toThrow(
      expect.objectContaining({ code: "T4_ERR_ROUTE_CSRF", message: expect.stringContaining('POST /x (programmatic): "csrf" must be true or false, got "false"') }),
    );
    // csrf: true is the default, spelled out
    app.post("/y", () => 1, { csrf: true });
    expect(app.routes().find((r) => r.path === "/y")).not.toHaveProperty("csrf");
  });

  it("routes() marks the exempt route csrf: false and only it", async () => {
    const app = new App({ publicDir: null, dev: false, templatesDir: null });
    webhookRoutes(app);
    const marked = app.routes().filter((r) => "csrf" in r).map((r) => `${r.method} ${r.path} ${String(r.csrf)}`);
    expect(marked.sort()).toEqual(["POST /api/ping false", "POST /hooks/stripe false"]);
  });
});

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "t4-csrf-exempt-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("export const csrf = false (file routes)", () => {
  it("exempts that file's route; its sibling method file keeps the check", async () => {
    const root = project({
      "src/routes/hooks/github/post.mjs": "export const secured = false;\nexport const csrf = false;\nexport default () => ({ exempt: true });\n",
      "src/routes/hooks/github/delete.mjs": "export const secured = false;\nexport default () => ({ deleted: true });\n",
    });
    const { client, server } = await loggedIn(() => undefined);
    await loadRouteFiles(server.app, discoverRouteFiles(root));
    expect(await (await client.request("/hooks/github", { method: "POST" })).json()).toEqual({ exempt: true });
    expect((await client.request("/hooks/github", { method: "DELETE" })).status).toBe(403);
  });

  it("a csrf export that is not a boolean fails the load, naming the file", async () => {
    const root = project({ "src/routes/hooks/bad/post.mjs": "export const csrf = 'off';\nexport default () => 1;\n" });
    const app = new App({ publicDir: null, dev: false, templatesDir: null });
    await expect(loadRouteFiles(app, discoverRouteFiles(root))).rejects.toMatchObject({
      code: "T4_ERR_ROUTE_FILE",
      message: expect.stringContaining('src/routes/hooks/bad/post.mjs: POST /hooks/bad (src/routes/hooks/bad/post.mjs): "csrf" must be true or false, got "off"'),
    });
  });
});

describe("tina4 routes", () => {
  it("shows a CSRF column with 'off' for the exempt route (table), csrf: false in --json; no column when no route opts out", () => {
    const dir = makeApp({
      "src/routes/hooks/stripe/post.ts": "export const secured = false;\nexport const csrf = false;\nexport default () => ({ ok: true });\n",
      "src/routes/orders/post.ts": "export default () => ({ ok: true });\n",
    });
    const json = runCli(["routes", "--json"], dir);
    expect(json.code, json.stderr).toBe(0);
    const routes = JSON.parse(json.stdout) as Array<{ method: string; path: string; csrf?: boolean }>;
    expect(routes.find((r) => r.path === "/hooks/stripe")).toMatchObject({ method: "POST", csrf: false });
    expect(routes.find((r) => r.path === "/orders")).not.toHaveProperty("csrf");
    const table = runCli(["routes"], dir).stdout;
    expect(table).toMatch(/^METHOD\s+PATH\s+SECURED\s+CSRF\s+SOURCE\s+MIDDLEWARE$/m);
    expect(table).toMatch(/POST\s+\/hooks\/stripe\s+no\s+off\s+src\/routes\/hooks\/stripe\/post\.ts/);
    expect(table).toMatch(/POST\s+\/orders\s+yes\s+-\s+src\/routes\/orders\/post\.ts/);
    rmSync(join(dir, "src/routes/hooks"), { recursive: true });
    const plain = runCli(["routes"], dir).stdout;
    expect(plain).toMatch(/^METHOD\s+PATH\s+SECURED\s+SOURCE\s+MIDDLEWARE$/m);
  }, 60_000);
});
