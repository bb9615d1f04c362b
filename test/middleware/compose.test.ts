import { afterEach, describe, expect, it } from "vitest";
import { startApp } from "../support/http.js";
import type { Middleware } from "../../runtime/middleware/types.js";
import type { Request } from "../../runtime/http/request.js";
import type { Response } from "../../runtime/http/response.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const tick = () => new Promise((r) => setTimeout(r, 2));

describe("function middleware (onion)", () => {
  it("runs global, group, route in order and unwinds in reverse", async () => {
    const trail: string[] = [];
    const mark = (name: string): Middleware => async (_req, _res, next) => {
      trail.push(`${name}:in`);
      await tick();
      await next();
      trail.push(`${name}:out`);
    };
    const server = await startApp((app) => {
      app.use(mark("global"));
      app.group("/g", (g) => g.get("/r", () => {
        trail.push("handler");
        return { ok: true };
      }, [mark("route")]), [mark("group")]);
    });
    close = server.close;
    expect((await fetch(`${server.url}/g/r`)).status).toBe(200);
    expect(trail).toEqual(["global:in", "group:in", "route:in", "handler", "route:out", "group:out", "global:out"]);
  });

  it("awaits every layer around an async handler: in/out strictly nested, the handler's late result is sent", async () => {
    const trail: string[] = [];
    const layer = (name: string): Middleware => async (_req, res, next) => {
      trail.push(`${name}:in`);
      await tick();
      await next();
      // runs only after everything inside finished, so it sees the handler's status
      trail.push(`${name}:out:${res.statusCode}`);
      await tick();
      res.header(`x-${name}`, String(res.statusCode));
    };
    class Hooks {
      static async beforeMark() {
        await tick();
        trail.push("class:before");
      }
      static async afterMark(_req: Request, res: Response) {
        trail.push(`class:after:${res.statusCode}`);
      }
    }
    const server = await startApp((app) => {
      app.use(layer("global"));
      app.get("/slow", async (_req, res) => {
        trail.push("handler:start");
        await new Promise((r) => setTimeout(r, 30));
        trail.push("handler:end");
        res.status(201);
        return { late: true };
      }, [layer("outer"), Hooks, layer("inner")]);
    });
    close = server.close;
    const res = await fetch(`${server.url}/slow`);
    expect(trail).toEqual([
      "global:in", "outer:in", "class:before", "inner:in", "handler:start", "handler:end",
      "inner:out:201", "class:after:201", "outer:out:201", "global:out:201",
    ]);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ late: true });
    expect([res.headers.get("x-inner"), res.headers.get("x-outer"), res.headers.get("x-global")]).toEqual(["201", "201", "201"]);
  });

  it("lets outer middleware change the response after next()", async () => {
    const server = await startApp((app) => {
      app.use(async (_req, res, next) => {
        await next();
        res.header("x-timing", "1ms");
        if (res.statusCode === 201) res.status(202);
      });
      app.post("/x", (_req, res) => res.json({ made: true }, 201), { secured: false });
    });
    close = server.close;
    const res = await fetch(`${server.url}/x`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(res.headers.get("x-timing")).toBe("1ms");
    expect(await res.json()).toEqual({ made: true });
  });

  it("rejects a second next() call with a 500 and keeps serving", async () => {
    let handlerCalls = 0;
    const server = await startApp((app) => {
      app.get("/twice", () => {
        handlerCalls++;
        return "x";
      }, [async (_req, _res, next) => {
        await next();
        await next();
      }]);
    });
    close = server.close;
    expect((await fetch(`${server.url}/twice`)).status).toBe(500);
    expect(handlerCalls).toBe(1);
    expect((await fetch(`${server.url}/__health`)).status).toBe(200);
  });

  it("short-circuits when middleware responds without calling next()", async () => {
    let reached = false;
    const server = await startApp((app) => app.get("/guarded", () => {
      reached = true;
      return "secret";
    }, [async (_req, res) => {
      res.json({ error: "Unauthorized" }, 401);
    }]));
    close = server.close;
    const res = await fetch(`${server.url}/guarded`);
    expect(res.status).toBe(401);
    expect(reached).toBe(false);
  });

  it("plain (non-async) middleware: a synchronous answer, a synchronous throw, a returned next()", async () => {
    const server = await startApp((app) => {
      app.use((req, res, next) => {
        if (req.path === "/sync-answer") {
          res.json({ answered: "synchronously" }, 203);
          return undefined;
        }
        if (req.path === "/sync-throw") throw new Error("boom in plain middleware");
        return next();
      });
      app.get("/sync-answer", () => "handler must not run");
      app.get("/sync-throw", () => "handler must not run");
      app.get("/passes", () => ({ ok: true }));
    });
    close = server.close;
    const answered = await fetch(`${server.url}/sync-answer`);
    expect(answered.status).toBe(203);
    expect(await answered.json()).toEqual({ answered: "synchronously" });
    const thrown = await fetch(`${server.url}/sync-throw`);
    expect(thrown.status).toBe(500);
    expect(((await thrown.json()) as { requestId?: string }).requestId).toBe(thrown.headers.get("x-request-id"));
    const passed = await fetch(`${server.url}/passes`);
    expect(await passed.json()).toEqual({ ok: true });
  });

  it("a chain that finishes synchronously answers at once; then() on next() still runs before the answer", async () => {
    const { compose } = await import("../../runtime/middleware/compose.js");
    const req = {} as Request;
    const res = {} as Response;
    const trail: string[] = [];
    const passThrough: Middleware = (_req, _res, next) => next();
    const syncChain = compose([passThrough, passThrough], () => {
      trail.push("sync handler");
    });
    expect(syncChain(req, res)).toBeUndefined(); // the caller commits without waiting for a promise
    const asyncChain = compose([passThrough], async () => {
      await tick();
      trail.push("async handler");
    });
    const pending = asyncChain(req, res);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    const after = compose([(_req, _res, next) => next().then(() => trail.push("after next"))], () => {
      trail.push("handler before after");
    });
    const chained = after(req, res);
    expect(chained).toBeInstanceOf(Promise); // work after next() is awaited before the answer
    await chained;
    expect(trail).toEqual(["sync handler", "async handler", "handler before after", "after next"]);
    const twice = compose([(_req, _res, next) => next().then(() => next())], () => undefined);
    await expect(twice(req, res)).rejects.toThrow(/next\(\) called multiple times/);
  });

  it("refuses values that are not middleware at registration", async () => {
    const server = await startApp(() => undefined);
    close = server.close;
    expect(() => server.app.use(42 as never)).toThrow(/must be an async/);
    expect(() => server.app.get("/x", () => 1, [class Empty {}] as never)).toThrow(/must be an async/);
  });
});

describe("class middleware (before/after hooks)", () => {
  it("awaits every before and after hook in order around the handler", async () => {
    const trail: string[] = [];
    class Audit {
      static async beforeAuth(req: Request) {
        await tick();
        trail.push("beforeAuth");
        req.locals.user = "ann";
      }
      static async beforeLoad() {
        await tick();
        trail.push("beforeLoad");
      }
      static async afterLog(_req: Request, res: Response) {
        await tick();
        trail.push(`afterLog:${res.statusCode}`);
      }
      static async afterHeader(_req: Request, res: Response) {
        await tick();
        res.header("x-audited", "yes");
        trail.push("afterHeader");
      }
    }
    const server = await startApp((app) => app.get("/c", (req) => {
      trail.push(`handler:${String(req.locals.user)}`);
      return { ok: true };
    }, [Audit]));
    close = server.close;
    const res = await fetch(`${server.url}/c`);
    expect(res.headers.get("x-audited")).toBe("yes");
    expect(trail).toEqual(["beforeAuth", "beforeLoad", "handler:ann", "afterLog:200", "afterHeader"]);
  });

  it("short-circuits on false, an ended response or status >= 400, and still runs after-hooks", async () => {
    // [name, hook, status, content type, body]: `false` alone is 403 JSON; a response the hook set is kept
    const cases: Array<[string, (req: Request, res: Response) => unknown, number, string, string]> = [
      ["false", () => false, 403, "application/json; charset=utf-8", '{"error":"Forbidden"}'],
      ["false after only a header", (_req, res) => { res.header("x-why", "no"); return false; }, 403, "application/json; charset=utf-8", '{"error":"Forbidden"}'],
      ["false after a body", (_req, res) => { res.json({ error: "Login first" }, 401); return false; }, 401, "application/json; charset=utf-8", '{"error":"Login first"}'],
      ["false after a redirect", (_req, res) => { res.redirect("/login"); return false; }, 302, "text/plain; charset=utf-8", "Redirecting to /login"],
      ["false after a 4xx status", (_req, res) => { res.status(429); return false; }, 429, "application/json; charset=utf-8", '{"error":"Too Many Requests"}'],
      ["ended", (_req, res) => void res.json({ stopped: true }), 200, "application/json; charset=utf-8", '{"stopped":true}'],
      ["html page", (_req, res) => void res.html("<p>maintenance</p>", 503), 503, "text/html; charset=utf-8", "<p>maintenance</p>"],
      ["status", (_req, res) => void res.status(403), 403, "application/json; charset=utf-8", '{"error":"Forbidden"}'],
    ];
    for (const [name, hook, status, type, body] of cases) {
      const trail: string[] = [];
      class Gate {
        static async beforeGate(req: Request, res: Response) {
          await tick();
          return hook(req, res);
        }
        static async beforeNever() {
          trail.push("beforeNever");
        }
        static async afterAlways(_req: Request, res: Response) {
          trail.push(`after:${res.statusCode}`);
        }
      }
      const server = await startApp((app) => app.get("/g", () => {
        trail.push("handler");
        return "reached";
      }, [Gate]));
      const res = await fetch(`${server.url}/g`, { redirect: "manual" });
      const text = await res.text();
      await server.close();
      expect(res.status, name).toBe(status);
      expect(res.headers.get("content-type"), name).toBe(type);
      expect(text, name).toBe(body);
      expect(trail, name).toEqual([`after:${status}`]);
    }
  });

  it("runs after-hooks even when the handler throws", async () => {
    const trail: string[] = [];
    class Cleanup {
      static async afterRelease() {
        trail.push("released");
      }
    }
    const server = await startApp((app) => app.get("/t", () => {
      throw new Error("x");
    }, [Cleanup]));
    close = server.close;
    expect((await fetch(`${server.url}/t`)).status).toBe(500);
    expect(trail).toEqual(["released"]);
  });
});
