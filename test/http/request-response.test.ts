import { afterEach, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { get } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("request", () => {
  it("exposes query (repeated keys as arrays), cookies, headers, path, method and ip", async () => {
    const server = await startApp((app) =>
      app.get("/inspect", (req) => ({
        query: req.query,
        cookies: req.cookies,
        agent: req.headers["user-agent"],
        path: req.path,
        method: req.method,
        ip: req.ip,
      })),
    );
    close = server.close;
    const res = await fetch(`${server.url}/inspect?a=1&b=2&b=3&name=J%C3%BCrgen+X`, {
      headers: { cookie: "session=abc; theme=dark%20blue", "user-agent": "test-agent" },
    });
    expect(await res.json()).toEqual({
      query: { a: "1", b: ["2", "3"], name: "Jürgen X" },
      cookies: { session: "abc", theme: "dark blue" },
      agent: "test-agent",
      path: "/inspect",
      method: "GET",
      ip: "127.0.0.1",
    });
  });

  it("params, files and locals: empty until used, then kept for the request and never shared between requests", async () => {
    const server = await startApp((app) => {
      app.use((req, _res, next) => {
        req.locals.trail = [...Object.keys(req.locals), "middleware"]; // nothing left from an earlier request
        return next();
      });
      app.get("/fresh", (req) => {
        const before = { params: { ...req.params }, files: req.files.length, trail: [...(req.locals.trail as string[])] };
        req.params.added = "by handler";
        req.files.push({ field: "f", filename: "x.txt", contentType: "text/plain", size: 0, data: Buffer.alloc(0) });
        (req.locals.trail as string[]).push("handler");
        return { before, params: req.params, files: req.files.length, trail: req.locals.trail, same: req.params === req.params && req.files === req.files && req.locals === req.locals };
      });
      app.get("/users/{id:int}", (req) => ({ params: req.params }));
    });
    close = server.close;
    const expected = { before: { params: {}, files: 0, trail: ["middleware"] }, params: { added: "by handler" }, files: 1, trail: ["middleware", "handler"], same: true };
    // twice: what one request added is not seen by the next
    expect(await (await fetch(`${server.url}/fresh`)).json()).toEqual(expected);
    expect(await (await fetch(`${server.url}/fresh`)).json()).toEqual(expected);
    expect(await (await fetch(`${server.url}/users/7`)).json()).toEqual({ params: { id: 7 } });
  });

  it("parses JSON, urlencoded, text and binary bodies", async () => {
    const server = await startApp((app) => app.post("/echo", (req) => ({ body: Buffer.isBuffer(req.body) ? `buffer:${req.body.length}` : req.body }), { secured: false }));
    close = server.close;
    const send = async (body: string | Uint8Array, type: string) =>
      (await (await fetch(`${server.url}/echo`, { method: "POST", body, headers: { "content-type": type } })).json()) as { body: unknown };
    expect((await send('{"a":[1,{"b":null}]}', "application/json")).body).toEqual({ a: [1, { b: null }] });
    expect((await send('{"x":1}', "application/vnd.api+json")).body).toEqual({ x: 1 });
    expect((await send("a=1&b=two%20words&b=3", "application/x-www-form-urlencoded")).body).toEqual({ a: "1", b: ["two words", "3"] });
    expect((await send("plain text ✓", "text/plain; charset=utf-8")).body).toBe("plain text ✓");
    expect((await send(new Uint8Array([1, 2, 3, 4]), "application/octet-stream")).body).toBe("buffer:4");
  });

  it("parses multipart fields and files", async () => {
    const server = await startApp((app) =>
      app.post("/upload", (req) => ({
        fields: req.body,
        files: req.files.map((f) => ({ field: f.field, filename: f.filename, type: f.contentType, size: f.size, text: f.data.toString() })),
      }), { secured: false }),
    );
    close = server.close;
    const form = new FormData();
    form.append("title", "hello");
    form.append("tag", "a");
    form.append("tag", "b");
    form.append("doc", new Blob(["file contents"], { type: "text/plain" }), "notes.txt");
    const res = await fetch(`${server.url}/upload`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fields: { title: "hello", tag: ["a", "b"] },
      files: [{ field: "doc", filename: "notes.txt", type: "text/plain", size: 13, text: "file contents" }],
    });
  });
});

describe("response", () => {
  it("chooses content types from the value and supports explicit helpers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tina4-res-"));
    writeFileSync(join(dir, "report.csv"), "a,b\n1,2\n");
    const server = await startApp((app) => {
      app.get("/obj", () => ({ a: 1 }));
      app.get("/arr", (_req, res) => res([1, 2], 201));
      app.get("/html", () => "<h1>Hi</h1>");
      app.get("/text", () => "just text");
      app.get("/buf", () => Buffer.from([0, 1, 2]));
      app.get("/typed", (_req, res) => res("a;b", 200, "text/csv"));
      app.get("/json-string", (_req, res) => res.json("quoted"));
      app.get("/redirect", (_req, res) => res.redirect("/obj", 301));
      app.get("/cookie", (_req, res) => res.cookie("sid", "v 1", { maxAge: 60 }).cookie("b", "2").status(202).json({ ok: true }));
      app.get("/file", (_req, res) => res.file(join(dir, "report.csv"), "text/csv"));
      app.get("/missing-file", (_req, res) => res.file(join(dir, "nope.csv")));
      app.get("/stream", (_req, res) => res.stream(Readable.from(["chunk1,", "chunk2"]), "text/plain"));
      app.get("/header", (_req, res) => res.header("X-Custom", "yes").text("ok"));
      app.get("/empty", (_req, res) => res.status(204));
    });
    close = server.close;
    const get = (path: string) => fetch(`${server.url}${path}`, { redirect: "manual" });

    let r = await get("/obj");
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
    r = await get("/arr");
    expect(r.status).toBe(201);
    expect(await r.json()).toEqual([1, 2]);
    expect((await get("/html")).headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect((await get("/text")).headers.get("content-type")).toBe("text/plain; charset=utf-8");
    r = await get("/buf");
    expect(r.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(await r.arrayBuffer())).toEqual(Buffer.from([0, 1, 2]));
    expect((await get("/typed")).headers.get("content-type")).toBe("text/csv");
    expect(await (await get("/json-string")).text()).toBe('"quoted"');
    r = await get("/redirect");
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe("/obj");
    r = await get("/cookie");
    expect(r.status).toBe(202);
    expect(r.headers.getSetCookie()).toEqual([
      "sid=v%201; Max-Age=60; Path=/; HttpOnly; SameSite=Lax",
      "b=2; Path=/; HttpOnly; SameSite=Lax",
    ]);
    r = await get("/file");
    expect(r.headers.get("content-type")).toBe("text/csv");
    expect(await r.text()).toBe("a,b\n1,2\n");
    expect((await get("/missing-file")).status).toBe(404);
    expect(await (await get("/stream")).text()).toBe("chunk1,chunk2");
    expect((await get("/header")).headers.get("x-custom")).toBe("yes");
    r = await get("/empty");
    expect(r.status).toBe(204);
    expect(await r.text()).toBe("");
  });
});

describe("response shape", () => {
  it("handlers that take res get a callable res; value-returning handlers work without it", async () => {
    const server = await startApp((app) => {
      app.get("/callable", (_req, res) => res({ called: typeof res === "function" }, 201));
      app.get("/returns", () => ({ returned: true }));
      app.get("/defaulted", (_req, res = undefined as never) => (res as unknown as (d: unknown) => unknown)({ defaulted: true }));
      app.get("/args", function () {
        // eslint-disable-next-line prefer-rest-params
        return (arguments[1] as (d: unknown) => unknown)({ viaArguments: true });
      });
    });
    close = server.close;
    const callable = await fetch(`${server.url}/callable`);
    expect(callable.status).toBe(201);
    expect(await callable.json()).toEqual({ called: true });
    expect(await (await fetch(`${server.url}/returns`)).json()).toEqual({ returned: true });
    expect(await (await fetch(`${server.url}/defaulted`)).json()).toEqual({ defaulted: true });
    expect(await (await fetch(`${server.url}/args`)).json()).toEqual({ viaArguments: true });
  });
});

describe("committed headers", () => {
  it("send one Content-Length (the body's), one X-Request-ID (the request's), whatever the handler set", async () => {
    const server = await startApp((app) => {
      app.get("/spoof", (_req, res) => {
        res.header("content-length", 999).header("x-request-id", "spoofed").header("x-extra", ["a", "b"]);
        return { ok: true };
      });
      app.get("/empty", (_req, res) => {
        res.header("content-length", 0).status(200);
      });
    });
    close = server.close;
    const { rawHeaders, body, id } = await new Promise<{ rawHeaders: string[]; body: string; id: string }>((resolve, reject) => {
      get(`${server.url}/spoof`, { headers: { "x-request-id": "client-id-1" } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk) => (text += chunk)).on("end", () => resolve({ rawHeaders: res.rawHeaders, body: text, id: "client-id-1" }));
      }).on("error", reject);
    });
    const values = (name: string) => rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase() === name);
    expect(body).toBe('{"ok":true}');
    expect(values("content-length")).toEqual([String(Buffer.byteLength(body))]);
    expect(values("x-request-id")).toEqual([id]);
    expect(values("x-extra")).toEqual(["a", "b"]);
    expect(values("content-type")).toEqual(["application/json; charset=utf-8"]);
    const empty = await fetch(`${server.url}/empty`);
    expect(empty.headers.get("content-length")).toBe("0");
    expect(empty.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });
});
