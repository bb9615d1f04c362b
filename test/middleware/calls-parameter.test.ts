import { afterEach, describe, expect, it } from "vitest";
import { startApp } from "../support/http.js";
import { mayUseAsFunction } from "../../runtime/middleware/calls-parameter.js";
import { mayCallResponse, type Middleware } from "../../runtime/middleware/types.js";
import type { Response } from "../../runtime/http/response.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

// Sources are built with new Function so that what is analysed is exactly the text written here
// (the TypeScript/esbuild transform of this file could reshape arrow functions).
const fn = (source: string): Function => new Function(`return (${source});`)() as Function;

describe("mayUseAsFunction(fn, 1): does user code treat `res` as a function?", () => {
  it("no, when `res` is only used through response methods and fields", () => {
    for (const source of [
      `(req, res, next) => { res.header("server", "tina4"); return next(); }`,
      `async (req, res, next) => { await next(); res.statusCode = 201; }`,
      `function (req, res, next) { res . header("a", "b"); return next(); }`,
      `function named(req, res, next) { if (res.ended) return; return next(); }`,
      `(req, response, next) => { response.headers["x"] = "1"; return next(); }`,
      `(req, res) => o.res + other?.res + res.statusCode`,
      `(req, res, next) => { const o = { x: 1 }; return next(); }`,
      `(req) => req.path`,
      `req => req.path`,
      `() => 1`,
    ]) {
      expect(mayUseAsFunction(fn(source), 1), source).toBe(false);
    }
  });

  it("yes, whenever `res` could be called, passed on or read as a function", () => {
    for (const source of [
      `(req, res, next) => res({ ok: true })`,
      `(req, res, next) => res ({ ok: true })`,
      `(req, res, next) => { const r = res; r("hi"); }`,
      `(req, res, next) => helper(res)`,
      `(req, res, next) => [...res]`,
      `(req, res, next) => res?.("x")`,
      `(req, res, next) => res.call(null, "x")`,
      `(req, res, next) => res.apply(null, ["x"])`,
      `(req, res, next) => res.bind(null)`,
      `(req, res, next) => res["send"]("x")`,
      `(req, res, next) => typeof res`,
      `(req, res, next) => { const o = { res }; return o.res("x"); }`,
      `(req, res, next) => res.name + res.length`,
      `(req, res, next) => res.constructor`,
      `(req, res, next) => res.toString()`,
      `function (req, res, next) { return arguments[1]("x"); }`,
      `function (req, res, next) { return eval("res")("x"); }`,
      `(req, { header }, next) => header("a", "b")`,
      `(req, res = null, next) => res("x")`,
      `(req, ...rest) => rest[0]("x")`,
      `(req, /* the response */ res, next) => res("x")`,
      `class Hooks { static before(req, res) { res("x"); } }`,
      `((req, res) => res("x")).bind(null)`,
    ]) {
      expect(mayUseAsFunction(fn(source), 1), source).toBe(true);
    }
  });

  it("native functions count as using it (their source says nothing)", () => {
    expect(mayUseAsFunction(Math.max, 1)).toBe(true);
  });
});

describe("the response object user middleware gets", () => {
  it("is the plain kind behind a `use` middleware that only sets a header (the app decides so at use())", () => {
    const server = startApp((app) => {
      app.use((req, res, next) => {
        res.header("server", "tina4");
        return next();
      });
      app.get("/json", () => ({ message: "Hello, World!" }));
    });
    return server.then(async (s) => {
      close = s.close;
      expect(Reflect.get(s.app, "globalExposes")).toBe(false);
      const response = await fetch(`${s.url}/json`);
      expect(response.status).toBe(200);
      expect(response.headers.get("server")).toBe("tina4");
      expect(await response.json()).toEqual({ message: "Hello, World!" });
    });
  });

  it("is callable for middleware that calls res(...), directly, through an alias or through arguments", async () => {
    const direct = fn(`(req, res, next) => req.path === "/direct" ? res({ via: "direct" }, 201) : next()`) as Middleware;
    const alias = fn(`(req, res, next) => { if (req.path !== "/alias") return next(); const r = res; r({ via: "alias" }); }`) as Middleware;
    const args = fn(`function (req, res, next) { if (req.path !== "/arguments") return next(); arguments[1]({ via: "arguments" }); }`) as Middleware;
    expect([direct, alias, args].map(mayCallResponse)).toEqual([true, true, true]);
    const s = await startApp((app) => {
      app.use(direct, alias, args);
      app.get("/other", () => ({ via: "route" }));
    });
    close = s.close;
    expect(Reflect.get(s.app, "globalExposes")).toBe(true);
    const direct201 = await fetch(`${s.url}/direct`);
    expect(direct201.status).toBe(201);
    expect(await direct201.json()).toEqual({ via: "direct" });
    expect(await (await fetch(`${s.url}/alias`)).json()).toEqual({ via: "alias" });
    expect(await (await fetch(`${s.url}/arguments`)).json()).toEqual({ via: "arguments" });
    expect(await (await fetch(`${s.url}/other`)).json()).toEqual({ via: "route" });
  });

  it("is callable for a route whose middleware calls res(...), even when global middleware does not", async () => {
    const s = await startApp((app) => {
      app.use((req, res, next) => {
        res.header("server", "tina4");
        return next();
      });
      const answer = fn(`(req, res, next) => res("from middleware")`) as Middleware;
      app.get("/m", () => "from route", [answer]);
    });
    close = s.close;
    const response = await fetch(`${s.url}/m`);
    expect(response.status).toBe(200);
    expect(response.headers.get("server")).toBe("tina4");
    expect(await response.text()).toBe("from middleware");
  });

  it("keeps every response method working on the plain kind", async () => {
    const s = await startApp((app) => {
      app.use(async (req, res: Response, next) => {
        res.header("x-before", "1");
        await next();
        res.status(res.statusCode === 200 ? 202 : res.statusCode).header("x-after", String(res.ended));
      });
      app.get("/t", (req, res) => res.text("plain"));
    });
    close = s.close;
    expect(Reflect.get(s.app, "globalExposes")).toBe(false);
    const response = await fetch(`${s.url}/t`);
    expect(response.status).toBe(202);
    expect(response.headers.get("x-before")).toBe("1");
    expect(response.headers.get("x-after")).toBe("true");
    expect(await response.text()).toBe("plain");
  });
});

describe("the response object a route handler gets", () => {
  const exposes = (app: object, path: string): unknown =>
    (Reflect.get(app, "trie") as { matchStatic(method: string, path: string): { data: { exposesResponse: boolean } } | undefined }).matchStatic("GET", path)?.data.exposesResponse;

  it("is plain for handlers that use only res's methods, callable for those that call res(...)", async () => {
    const s = await startApp((app) => {
      app.get("/text", (req, res) => res.text("plain"));
      app.get("/status", (req, res) => {
        res.status(201);
        return { created: true };
      });
      app.get("/call", fn(`(req, res) => res("called", 202)`) as () => unknown);
      app.get("/pass", fn(`(req, res) => ((r) => r.json({ passed: true }))(res)`) as () => unknown);
    });
    close = s.close;
    expect(["/text", "/status", "/call", "/pass"].map((p) => exposes(s.app, p))).toEqual([false, false, true, true]);
    const text = await fetch(`${s.url}/text`);
    expect([text.status, text.headers.get("content-type"), await text.text()]).toEqual([200, "text/plain; charset=utf-8", "plain"]);
    const status = await fetch(`${s.url}/status`);
    expect([status.status, await status.json()]).toEqual([201, { created: true }]);
    const called = await fetch(`${s.url}/call`);
    expect([called.status, await called.text()]).toEqual([202, "called"]);
    expect(await (await fetch(`${s.url}/pass`)).json()).toEqual({ passed: true });
  });
});
