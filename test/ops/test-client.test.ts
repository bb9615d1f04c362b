import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Server as NetServer } from "node:net";
import { App } from "../../runtime/app.js";
import { z } from "../../runtime/validation/zod.js";
import { testClient } from "../../runtime/ops/test-client.js";
import { OpsErrorCode } from "../../runtime/ops/errors.js";
import { makeTempDir } from "./support.js";

beforeAll(() => {
  process.env.TINA4_SECRET ??= "test-client-secret-0123456789abcdef0123456789";
});
afterEach(() => vi.restoreAllMocks());

function makeApp(): App {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  app.use(async (_req, res, next) => {
    res.header("x-global", "yes");
    await next();
  });
  app.get("/items/{id:int}", (req) => ({ id: req.params.id, q: req.query }));
  app.post("/items", (req) => ({ created: req.body }), { schema: { body: z.object({ name: z.string().min(1) }) }, secured: false });
  app.post("/forms", (req) => ({ got: req.body }), { secured: false });
  app.post("/private", (req) => ({ user: req.user }));
  app.get("/login", (_req, res) => res.cookie("sid", "abc123").json({ ok: true }));
  app.get("/logout", (_req, res) => res.cookie("sid", "", { maxAge: 0 }).json({ ok: true }));
  app.get("/whoami", (req) => ({ sid: req.cookies.sid ?? null }));
  return app;
}

describe("testClient", () => {
  it("runs requests through global middleware, routing and validation without opening a port", async () => {
    const listen = vi.spyOn(NetServer.prototype, "listen");
    const client = await testClient({ app: makeApp() });
    const item = await client.get("/items/7", { query: { tag: ["a", "b"], page: 2 } });
    expect(item.status).toBe(200);
    expect(item.headers["x-global"]).toBe("yes");
    expect(item.headers["content-type"]).toMatch(/application\/json/);
    expect(item.json()).toEqual({ id: 7, q: { tag: ["a", "b"], page: "2" } });
    const created = await client.post("/items", { json: { name: "pen" } });
    expect([created.status, created.json()]).toEqual([200, { created: { name: "pen" } }]);
    const invalid = await client.post("/items", { json: { name: "" } });
    expect(invalid.status).toBe(422);
    expect(JSON.parse(invalid.text())).toHaveProperty("error");
    const form = await client.post("/forms", { form: { a: 1, b: "two" } });
    expect(form.json()).toEqual({ got: { a: "1", b: "two" } });
    expect((await client.get("/nothing")).status).toBe(404);
    expect(listen).not.toHaveBeenCalled();
    await client.close();
  });

  it("keeps cookies between calls and drops an expired one", async () => {
    const client = await testClient({ app: makeApp() });
    expect((await client.get("/whoami")).json()).toEqual({ sid: null });
    await client.get("/login");
    expect(client.cookies).toEqual({ sid: "abc123" });
    expect((await client.get("/whoami")).json()).toEqual({ sid: "abc123" });
    await client.get("/logout");
    expect((await client.get("/whoami")).json()).toEqual({ sid: null });
  });

  it("shows cookie values as the app set them, not percent-encoded, and sends them back unchanged", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.post("/login", (req, res) => res.cookie("who", String((req.body as { email: string }).email)).json({ ok: true }), { secured: false });
    app.get("/who", (req) => ({ who: req.cookies.who ?? null }));
    const client = await testClient({ app });
    await client.post("/login", { form: { email: "ann+1@example.com; x=1" } });
    expect(client.cookies).toEqual({ who: "ann+1@example.com; x=1" });
    expect((await client.get("/who")).json()).toEqual({ who: "ann+1@example.com; x=1" });
  });

  it("withToken/as send a Bearer token for secured routes; without one they answer 401", async () => {
    const client = await testClient({ app: makeApp() });
    const refused = await client.post("/private", { json: {} });
    expect(refused.status).toBe(401);
    const authed = await client.withToken({ sub: "42", role: "admin" });
    const ok = await authed.post("/private", { json: {} });
    expect(ok.status).toBe(200);
    expect(ok.json<{ user: { sub: string } }>().user.sub).toBe("42");
    expect((await (await client.as({ sub: "7" })).post("/private", { json: {} })).status).toBe(200);
    expect((await client.post("/private", { json: {} })).status).toBe(401); // the original client is unchanged
  });

  it("refuses a GET body and conflicting bodies with T4_ERR_OPS_BAD_REQUEST_OPTIONS", async () => {
    const client = await testClient({ app: makeApp() });
    await expect(client.get("/items/1", { json: {} })).rejects.toMatchObject({ code: OpsErrorCode.BAD_REQUEST_OPTIONS });
    await expect(client.post("/items", { json: {}, form: {} })).rejects.toMatchObject({ code: OpsErrorCode.BAD_REQUEST_OPTIONS });
  });

  it("says which folder holds no app", async () => {
    const dir = makeTempDir();
    await expect(testClient({ root: dir })).rejects.toMatchObject({ code: OpsErrorCode.NO_APP, message: expect.stringContaining(dir) });
  });
});
