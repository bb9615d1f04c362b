/**
 * HTML form method override (runtime/http/method-override.ts): a POST whose form body carries
 * `_method` = PUT, PATCH or DELETE is routed as that method, before routing and middleware;
 * only from POST, only those three (POST a no-op, anything else 400), only form bodies, and the
 * CSRF check still runs. Every request here goes on a NEW connection, as browsers and curl send them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { App, session } from "../../runtime/index.js";
import { closeSessionStores } from "../../runtime/session/store.js";
import { startApp } from "../support/http.js";
import { freshRequest, type FreshResponse } from "../support/fresh-request.js";
import type { Request } from "../../runtime/http/request.js";

const closers: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  process.env.TINA4_SECRET ??= "override-test-secret-0123456789abcdef-01234";
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(() => closeSessionStores());

const FORM = "application/x-www-form-urlencoded";
const open = { secured: false };
/** What a route saw: the method it ran as, the one on the wire, its params and body. */
const seen = (name: string) => (req: Request) => ({ route: name, method: req.method, originalMethod: req.originalMethod, params: req.params, body: req.body ?? null });

/** /items/{id:int} under GET, POST, PUT, PATCH and DELETE (public); hits counts the GET route's runs. */
async function itemsApp(setup?: (app: App) => void) {
  const hits = { get: 0 };
  const server = await startApp((app) => {
    app.get("/items/{id:int}", (req) => {
      hits.get++;
      return seen("get")(req);
    });
    app.post("/items/{id:int}", seen("post"), open);
    app.put("/items/{id:int}", seen("put"), open);
    app.patch("/items/{id:int}", seen("patch"), open);
    app.del("/items/{id:int}", seen("delete"), open);
    setup?.(app);
  });
  closers.push(server.close);
  const send = (method: string, body?: string, headers: Record<string, string> = {}, path = "/items/7") =>
    // an explicit Content-Length: node's client sends a GET's body without one, which no server reads as a body
    freshRequest(`${server.url}${path}`, { method, body, headers: body === undefined ? headers : { "content-type": FORM, "content-length": String(Buffer.byteLength(body)), ...headers } });
  return { server, hits, send };
}

function multipart(fields: Record<string, string>, file?: { field: string; name: string; text: string }): { body: string; headers: Record<string, string> } {
  const boundary = "----tina4override";
  let body = "";
  for (const [name, value] of Object.entries(fields)) body += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  if (file) body += `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: text/plain\r\n\r\n${file.text}\r\n`;
  return { body: `${body}--${boundary}--\r\n`, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

const expectOverrideRefused = async (reply: FreshResponse, value: string) => {
  expect(reply.status).toBe(400);
  expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  expect(reply.json()).toMatchObject({
    error: `Invalid _method override ${value}: a form POST may only become PUT, PATCH or DELETE`,
    code: "T4_ERR_HTTP_METHOD_OVERRIDE",
  });
};

describe("form method override", () => {
  it("routes a urlencoded POST with _method=DELETE to the DELETE route; req.originalMethod keeps POST; the body is kept", async () => {
    const { send } = await itemsApp();
    const reply = await send("POST", "_method=DELETE&note=bye");
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ route: "delete", method: "DELETE", originalMethod: "POST", params: { id: 7 }, body: { _method: "DELETE", note: "bye" } });
  });

  it("reads the value case-insensitively: put, Patch", async () => {
    const { send } = await itemsApp();
    expect((await send("POST", "_method=put")).json()).toMatchObject({ route: "put", method: "PUT", originalMethod: "POST" });
    expect((await send("POST", "_method=Patch")).json()).toMatchObject({ route: "patch", method: "PATCH", originalMethod: "POST" });
  });

  it("routes a multipart POST (a form with a file) by its _method field, files intact", async () => {
    const { server } = await itemsApp((app) =>
      app.put("/docs/{id:int}", (req) => ({ method: req.method, originalMethod: req.originalMethod, title: (req.body as Record<string, string>).title, files: req.files.map((f) => `${f.filename}:${f.data.toString()}`) }), open),
    );
    const { body, headers } = multipart({ _method: "PUT", title: "Report" }, { field: "doc", name: "r.txt", text: "contents" });
    const reply = await freshRequest(`${server.url}/docs/3`, { method: "POST", headers, body });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ method: "PUT", originalMethod: "POST", title: "Report", files: ["r.txt:contents"] });
  });

  it("_method=POST is a no-op (a shared create/edit form may always send it); no field → POST as before", async () => {
    const { send } = await itemsApp();
    expect((await send("POST", "_method=post")).json()).toMatchObject({ route: "post", method: "POST", originalMethod: "POST" });
    expect((await send("POST", "name=x")).json()).toEqual({ route: "post", method: "POST", originalMethod: "POST", params: { id: 7 }, body: { name: "x" } });
  });

  it("refuses GET, HEAD and other values with 400 JSON, and never reaches the GET route from a POST", async () => {
    const { send, hits } = await itemsApp();
    await expectOverrideRefused(await send("POST", "_method=GET"), '"GET"');
    await expectOverrideRefused(await send("POST", "_method=head"), '"head"');
    await expectOverrideRefused(await send("POST", "_method=OPTIONS"), '"OPTIONS"');
    await expectOverrideRefused(await send("POST", "_method=DESTROY"), '"DESTROY"');
    await expectOverrideRefused(await send("POST", "_method="), '""');
    // the field twice is ambiguous: refused rather than guessed
    await expectOverrideRefused(await send("POST", "_method=DELETE&_method=PUT"), '["DELETE","PUT"]');
    expect(hits.get).toBe(0);
  });

  it("only a POST is overridden: a PUT or a GET carrying _method=DELETE runs as itself", async () => {
    const { send, hits } = await itemsApp();
    expect((await send("PUT", "_method=DELETE")).json()).toMatchObject({ route: "put", method: "PUT", originalMethod: "PUT" });
    expect((await send("PATCH", "_method=DELETE")).json()).toMatchObject({ route: "patch", method: "PATCH", originalMethod: "PATCH" });
    const get = await send("GET", "_method=DELETE");
    expect(get.status).toBe(200);
    expect(get.json()).toMatchObject({ route: "get", method: "GET", originalMethod: "GET" });
    expect(hits.get).toBe(1);
  });

  it("only a form body counts: a JSON _method, the X-HTTP-Method-Override header and ?_method= leave a POST a POST", async () => {
    const { send } = await itemsApp();
    const json = await send("POST", JSON.stringify({ _method: "DELETE" }), { "content-type": "application/json" });
    expect(json.json()).toEqual({ route: "post", method: "POST", originalMethod: "POST", params: { id: 7 }, body: { _method: "DELETE" } });
    const header = await send("POST", undefined, { "x-http-method-override": "DELETE" });
    expect(header.json()).toMatchObject({ route: "post", method: "POST" });
    const query = await send("POST", undefined, {}, "/items/7?_method=DELETE");
    expect(query.json()).toMatchObject({ route: "post", method: "POST" });
    // text/plain is a form enctype too, but its body is not parsed into fields
    expect((await send("POST", "_method=DELETE", { "content-type": "text/plain" })).json()).toMatchObject({ route: "post", method: "POST" });
  });

  it("an override to a method the path does not have → 405 with Allow, not the POST route", async () => {
    const { server } = await itemsApp((app) => app.post("/notes", seen("post"), open));
    const reply = await freshRequest(`${server.url}/notes`, { method: "POST", headers: { "content-type": FORM }, body: "_method=DELETE" });
    expect(reply.status).toBe(405);
    expect(String(reply.headers.allow).split(", ")).toContain("POST");
    expect(String(reply.headers.allow)).not.toContain("DELETE");
    expect(reply.json()).toMatchObject({ code: "T4_ERR_HTTP_METHOD_NOT_ALLOWED" });
  });

  it("happens before routing: onRequest hooks and route middleware see the overridden method and route", async () => {
    const log: string[] = [];
    const { server } = await itemsApp((app) => {
      app.addHook("onRequest", (req) => void log.push(`hook ${req.method} ${req.originalMethod} ${req.route}`));
      app.del("/things/{id}", () => ({ ok: true }), { secured: false, middleware: [async (req, _res, next) => { log.push(`mw ${req.method}`); await next(); }] });
    });
    const reply = await freshRequest(`${server.url}/things/a`, { method: "POST", headers: { "content-type": FORM }, body: "_method=delete" });
    expect(reply.status).toBe(200);
    expect(log).toEqual(["hook DELETE POST /things/{id}", "mw DELETE"]);
  });

  it("a form body over TINA4_MAX_BODY is still refused 413 before any route runs", async () => {
    const server = await startApp((app) => app.del("/items/{id:int}", seen("delete"), open), { maxBody: 64 });
    closers.push(server.close);
    const reply = await freshRequest(`${server.url}/items/7`, { method: "POST", headers: { "content-type": FORM }, body: `_method=DELETE&pad=${"x".repeat(200)}` });
    expect(reply.status).toBe(413);
    expect(reply.json()).toMatchObject({ code: "T4_ERR_HTTP_BODY_TOO_LARGE" });
  });

  it("an overridden DELETE is secured by default like any DELETE route (401 without a user)", async () => {
    const server = await startApp((app) => app.del("/secret/{id}", () => ({ deleted: true })));
    closers.push(server.close);
    const reply = await freshRequest(`${server.url}/secret/1`, { method: "POST", headers: { "content-type": FORM }, body: "_method=DELETE" });
    expect(reply.status).toBe(401);
  });
});

describe("form method override and CSRF (sessions on)", () => {
  /** A session with a CSRF token (a stored session, so its cookie is what a forged request would ride on). */
  async function sessionApp() {
    let deleted = 0;
    const server = await startApp((app) => {
      app.use(session({ backend: "memory" }));
      app.del("/posts/{id:int}", (req) => {
        deleted++;
        return { deleted: req.params.id, method: req.method, originalMethod: req.originalMethod };
      }, open);
    });
    closers.push(server.close);
    const first = await freshRequest(`${server.url}/__csrf`);
    const cookie = first.setCookies.map((line) => line.split(";")[0]).join("; ");
    expect(cookie).toMatch(/^tina4_session=/);
    const token = first.json<{ token: string }>().token;
    const submit = (body: string) => freshRequest(`${server.url}/posts/5`, { method: "POST", headers: { "content-type": FORM, cookie }, body });
    return { submit, token, deletedCount: () => deleted };
  }

  it("a form DELETE without _csrf → 403 and the route does not run; with the session's token → 200", async () => {
    const { submit, token, deletedCount } = await sessionApp();
    const missing = await submit("_method=DELETE");
    expect(missing.status).toBe(403);
    expect(missing.json()).toMatchObject({ error: "Invalid CSRF token", code: "T4_ERR_AUTH_CSRF" });
    const wrong = await submit(`_method=DELETE&_csrf=${"A".repeat(token.length)}`);
    expect(wrong.status).toBe(403);
    expect(deletedCount()).toBe(0);
    const ok = await submit(`_method=DELETE&_csrf=${encodeURIComponent(token)}`);
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ deleted: 5, method: "DELETE", originalMethod: "POST" });
    expect(deletedCount()).toBe(1);
  });
});
