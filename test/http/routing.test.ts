import { afterEach, describe, expect, it } from "vitest";
import { startApp, verbatim } from "../support/http.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("HTTP routing", () => {
  it("serves programmatic routes with typed params, groups and catch-all", async () => {
    const server = await startApp((app) => {
      app.get("/users/{id:int}", (req) => ({ id: req.params.id, type: typeof req.params.id }));
      app.group("/api/v1", (api) => {
        api.get("/ping", () => "pong");
        api.group("/admin", (admin) => admin.get("/stats", () => ({ ok: true })));
      });
      app.get("/files/{...rest}", (req) => ({ rest: req.params.rest }));
    });
    close = server.close;
    const user = await fetch(`${server.url}/users/42`);
    expect(user.status).toBe(200);
    expect(await user.json()).toEqual({ id: 42, type: "number" });
    expect(await (await fetch(`${server.url}/api/v1/ping`)).text()).toBe("pong");
    expect(await (await fetch(`${server.url}/api/v1/admin/stats`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${server.url}/files/a/b/c.txt`)).json()).toEqual({ rest: "a/b/c.txt" });
  });

  it("answers 404 JSON with the path, 405 and OPTIONS with Allow, HEAD without a body", async () => {
    const server = await startApp((app) => {
      app.get("/items", () => ({ items: [1, 2] }));
      app.post("/items", () => ({ created: true }), { secured: false });
    });
    close = server.close;
    const missing = await fetch(`${server.url}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "Not Found", path: "/nothing/here" });

    const wrong = await fetch(`${server.url}/items`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");
    expect(await wrong.json()).toMatchObject({ error: "Method Not Allowed" });

    const options = await fetch(`${server.url}/items`, { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");

    const head = await verbatim(server.port, "HEAD", "/items");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(Number(head.headers["content-length"])).toBe(JSON.stringify({ items: [1, 2] }).length);
  });

  it("matches a static route by its path in any spelling the segment walk accepts, and an escaped pattern only by its decoded form", async () => {
    const server = await startApp((app) => {
      app.get("/static/page", () => "page");
      app.get("/a%20b", () => "escaped pattern");
    });
    close = server.close;
    // the same route whatever the spelling: verbatim, trailing slash, doubled slash, escaped letter
    for (const path of ["/static/page", "/static/page/", "//static//page", "/static/p%61ge"]) {
      const res = await verbatim(server.port, "GET", path);
      expect([path, res.status, res.body]).toEqual([path, 200, "page"]);
    }
    // a pattern segment is literal text, matched against the decoded request segment: "/a%20b"
    // (decoded "a b") is not it, "/a%2520b" (decoded "a%20b") is
    expect((await verbatim(server.port, "GET", "/a%20b")).status).toBe(404);
    const decoded = await verbatim(server.port, "GET", "/a%2520b");
    expect([decoded.status, decoded.body]).toEqual([200, "escaped pattern"]);
  });

  it("always serves GET /__health", async () => {
    const server = await startApp(() => undefined);
    close = server.close;
    const res = await fetch(`${server.url}/__health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("gives every response an X-Request-ID, keeping a well-formed incoming one", async () => {
    const server = await startApp((app) => app.get("/id", (req) => ({ id: req.requestId })));
    close = server.close;
    const generated = await fetch(`${server.url}/id`);
    const id = generated.headers.get("x-request-id");
    expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(await generated.json()).toEqual({ id });
    const ids = new Set(await Promise.all(Array.from({ length: 50 }, async () => (await fetch(`${server.url}/id`)).headers.get("x-request-id"))));
    expect(ids.size).toBe(50);
    const kept = await fetch(`${server.url}/id`, { headers: { "x-request-id": "abc-123" } });
    expect(kept.headers.get("x-request-id")).toBe("abc-123");
    const rejected = await fetch(`${server.url}/id`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(rejected.headers.get("x-request-id")).not.toBe("bad id with spaces");
    expect((await fetch(`${server.url}/missing`)).headers.get("x-request-id")).toBeTruthy();
  });

  it("turns a thrown handler error into 500 JSON with requestId and hides details in production", async () => {
    const server = await startApp((app) => {
      app.get("/boom", () => {
        throw new Error("secret database password leaked");
      });
      app.get("/async-boom", async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error("async secret");
      });
    });
    close = server.close;
    for (const path of ["/boom", "/async-boom"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(500);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.error).toBe("Internal Server Error");
      expect(body.requestId).toBe(res.headers.get("x-request-id"));
      expect(JSON.stringify(body)).not.toContain("secret");
    }
    // the server keeps serving
    expect((await fetch(`${server.url}/__health`)).status).toBe(200);
  });

  it("includes the message and stack in dev, as an HTML page for browsers", async () => {
    const server = await startApp((app) => app.get("/boom", () => {
      throw new Error("dev detail <b>");
    }), { dev: true });
    close = server.close;
    const json = await fetch(`${server.url}/boom`);
    const body = (await json.json()) as { message: string; stack: string[] };
    expect(body.message).toBe("dev detail <b>");
    expect(body.stack.length).toBeGreaterThan(1);
    const html = await fetch(`${server.url}/boom`, { headers: { accept: "text/html" } });
    expect(html.headers.get("content-type")).toContain("text/html");
    const page = await html.text();
    expect(page).toContain("dev detail &lt;b&gt;");
  });

  it("replaces a duplicate route, the later registration winning", async () => {
    const server = await startApp((app) => {
      app.get("/dup", () => "first");
      app.get("/dup", () => "second");
    });
    close = server.close;
    expect(await (await fetch(`${server.url}/dup`)).text()).toBe("second");
  });

  it("refuses an async group callback and non-function handlers at registration", async () => {
    const server = await startApp(() => undefined);
    close = server.close;
    expect(() => server.app.group("/g", (async () => undefined) as never)).toThrow(/synchronously/);
    expect(() => server.app.get("/x", "nope" as never)).toThrow(/must be a function/);
  });
});
