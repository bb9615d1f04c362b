import { afterEach, describe, expect, it, vi } from "vitest";
import { Readable } from "node:stream";
import { request } from "node:http";
import { startApp } from "../support/http.js";
import { addSendHook } from "../../runtime/http/hooks.js";
import { HttpError } from "../../runtime/http/errors.js";
import { App } from "../../runtime/app.js";
import { log } from "../../runtime/log.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  vi.restoreAllMocks();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("App hooks: onRequest", () => {
  it("runs after routing, in the order added, and an answer skips the route and later hooks", async () => {
    const seen: string[] = [];
    let routeRuns = 0;
    const server = await startApp((app) => {
      app.get("/items/{id:int}", (req) => {
        routeRuns++;
        return { id: req.params.id, by: req.locals.by };
      });
      app.addHook("onRequest", async (req) => {
        await pause(5);
        seen.push(`first ${req.route} ${JSON.stringify(req.params)}`);
        req.locals.by = "hook";
      });
      app.addHook("onRequest", (req, res) => {
        if (req.headers["x-stop"]) res.status(418).json({ stopped: true });
      });
      app.addHook("onRequest", () => void seen.push("third"));
    });
    close = server.close;
    const ok = await fetch(`${server.url}/items/7`);
    expect(await ok.json()).toEqual({ id: 7, by: "hook" });
    expect(seen).toEqual(["first /items/{id:int} {\"id\":7}", "third"]);
    const stopped = await fetch(`${server.url}/items/8`, { headers: { "x-stop": "1" } });
    expect(stopped.status).toBe(418);
    expect(await stopped.json()).toEqual({ stopped: true });
    expect(routeRuns).toBe(1);
    expect(seen).toEqual(["first /items/{id:int} {\"id\":7}", "third", "first /items/{id:int} {\"id\":8}"]); // no "third"
    expect(stopped.headers.get("x-request-id")).toBeTruthy();
  });

  it("lets a hook answer on res.raw itself (the route never runs, nothing is written twice)", async () => {
    const route = vi.fn(() => "route");
    const server = await startApp((app) => {
      app.get("/raw", route);
      app.addHook("onRequest", (_req, res) =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            res.raw.writeHead(200, { "content-type": "text/plain" });
            res.raw.end("from the hook", () => resolve());
          }, 5);
        }),
      );
    });
    close = server.close;
    expect(await (await fetch(`${server.url}/raw`)).text()).toBe("from the hook");
    expect(route).not.toHaveBeenCalled();
  });

  it("turns a throwing hook into an error response", async () => {
    const error = vi.spyOn(log, "error").mockImplementation(() => undefined);
    const server = await startApp((app) => {
      app.get("/x", () => "route");
      app.addHook("onRequest", () => {
        throw new HttpError(401, "Unauthorized");
      });
      app.addHook("onRequest", async () => {
        throw new Error("never reached");
      });
    });
    close = server.close;
    const res = await fetch(`${server.url}/x`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "Unauthorized" });
    expect(error).not.toHaveBeenCalled();
  });
});

describe("App hooks: onSend", () => {
  it("may change headers and replace the body; hooks see each other's result in order", async () => {
    const server = await startApp((app) => {
      app.get("/page", () => "<html><body>hi</body></html>");
      app.get("/stream", (_req, res) => res.stream(Readable.from([Buffer.from("a"), Buffer.from("b")]), "text/plain"));
      app.addHook("onSend", (_req, res, payload) => {
        res.header("x-first", payload.kind);
        if (payload.kind === "data") return { kind: "data", data: String(payload.data).replace("hi", "hello") };
      });
      app.addHook("onSend", async (_req, res, payload) => {
        await pause(2);
        res.header("x-second", payload.kind === "data" ? String(payload.data).length : "-");
      });
    });
    close = server.close;
    const page = await fetch(`${server.url}/page`);
    const body = await page.text();
    expect(body).toBe("<html><body>hello</body></html>");
    expect(page.headers.get("content-length")).toBe(String(body.length));
    expect(page.headers.get("x-first")).toBe("data");
    expect(page.headers.get("x-second")).toBe(String(body.length));
    const stream = await fetch(`${server.url}/stream`);
    expect(await stream.text()).toBe("ab");
    expect(stream.headers.get("x-first")).toBe("stream");
  });

  it("runs for error responses and 404s too, but not for responses written to res.raw", async () => {
    const kinds: string[] = [];
    const server = await startApp((app) => {
      app.get("/boom", () => {
        throw new Error("boom");
      });
      app.get("/raw", (_req, res) => {
        res.raw.writeHead(200, { "content-type": "text/plain" });
        res.raw.end("raw");
      });
      app.addHook("onSend", (req, res) => void kinds.push(`${req.path} ${res.statusCode}`));
    });
    close = server.close;
    vi.spyOn(log, "error").mockImplementation(() => undefined);
    expect((await fetch(`${server.url}/boom`)).status).toBe(500);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/raw`)).text()).toBe("raw");
    expect(kinds).toEqual(["/boom 500", "/nope 404"]);
  });

  it("answers 500 when a hook throws, without running the hook into a loop", async () => {
    const error = vi.spyOn(log, "error").mockImplementation(() => undefined);
    let calls = 0;
    const server = await startApp((app) => {
      app.get("/x", () => ({ ok: true }));
      app.addHook("onSend", () => {
        calls++;
        throw new Error("send hook broke");
      });
    });
    close = server.close;
    const res = await fetch(`${server.url}/x`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: "Internal Server Error" });
    expect(calls).toBe(2); // once for the response, once for the error response (then logged)
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain("onSend hook failed on an error response");
  });

  it("runs a response's own onSend hooks (added by a middleware) before the app's", async () => {
    const order: string[] = [];
    const server = await startApp((app) => {
      app.addHook("onSend", (_req, _res, payload) => {
        order.push(`app saw ${payload.kind === "data" ? String(payload.data) : payload.kind}`);
        return { kind: "data", data: "changed by the app" };
      });
      app.get("/x", () => "original", [
        async (_req, res, next) => {
          addSendHook(res, (_rq, _rs, payload) => {
            order.push(`own saw ${payload.kind === "data" ? String(payload.data) : payload.kind}`);
          });
          await next();
        },
        async (_req, res, next) => {
          await next();
          res.text("set after the inner chain"); // what is finally sent is what the own hook sees
        },
      ]);
    });
    close = server.close;
    expect(await (await fetch(`${server.url}/x`)).text()).toBe("changed by the app");
    expect(order).toEqual(["own saw set after the inner chain", "app saw set after the inner chain"]);
  });
});

describe("App hooks: onResponse", () => {
  it("runs once the response finished, with its final status", async () => {
    const done: string[] = [];
    let finishedWhenSeen = false;
    const server = await startApp((app) => {
      app.get("/x", () => "ok");
      app.addHook("onResponse", (req, res) => {
        finishedWhenSeen = res.raw.writableFinished;
        done.push(`${req.method} ${req.path} ${res.raw.statusCode}`);
      });
    });
    close = server.close;
    await (await fetch(`${server.url}/x`)).text();
    await (await fetch(`${server.url}/missing?bad=%zz`)).text(); // fails before routing: 400
    await pause(20);
    expect(done).toEqual(["GET /x 200", "GET /missing 400"]);
    expect(finishedWhenSeen).toBe(true);
  });

  it("runs when the client leaves before the answer, and a hook's error is only logged", async () => {
    const error = vi.spyOn(log, "error").mockImplementation(() => undefined);
    expect(await abandonedExchange("onResponse", "writableFinished", 100)).toEqual([false]);
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain("onResponse hook failed");
  });
});

describe("App hooks: onSent", () => {
  it("runs once per exchange as the response is ended, with the final status and the time taken", async () => {
    const seen: string[] = [];
    const durations: number[] = [];
    const server = await startApp((app) => {
      app.get("/x", () => "ok");
      app.get("/later", async () => {
        await pause(30);
        return "later";
      });
      app.get("/stream", () => Readable.from(["a", "b"]));
      app.addHook("onSent", (req, res, ms) => {
        seen.push(`${req.method} ${req.path} ${res.raw.statusCode} ended=${res.raw.writableEnded} callable=${typeof res === "function"}`);
        durations.push(ms);
      });
    });
    close = server.close;
    await (await fetch(`${server.url}/x`)).text();
    await (await fetch(`${server.url}/later`)).text();
    expect(await (await fetch(`${server.url}/stream`)).text()).toBe("ab");
    await (await fetch(`${server.url}/missing?bad=%zz`)).text(); // fails before routing: 400
    await pause(20);
    // an app hooked only with onSent keeps plain (not callable) responses: the fast path
    expect(seen).toEqual([
      "GET /x 200 ended=true callable=false",
      "GET /later 200 ended=true callable=false",
      "GET /stream 200 ended=true callable=false",
      "GET /missing 400 ended=true callable=false",
    ]);
    expect(durations[1]).toBeGreaterThanOrEqual(25);
    for (const ms of durations) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it("runs when the client leaves before the answer (not ended), and a hook's error is only logged", async () => {
    const error = vi.spyOn(log, "error").mockImplementation(() => undefined);
    expect(await abandonedExchange("onSent", "writableEnded", 400)).toEqual([false]);
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain("onSent hook failed");
  });
});

describe("App hooks: onError and notFound", () => {
  it("onError answers errors its own way; without an answer the default error response is sent", async () => {
    const server = await startApp((app) => {
      app.get("/teapot", () => {
        throw new HttpError(418, "I'm a teapot");
      });
      app.get("/conflict", (_req, res) => {
        res.json({ half: "built" });
        throw new HttpError(409, "Conflict");
      });
      app.onError(async (error, req, res) => {
        await pause(2);
        if (req.path === "/teapot") res.status((error as HttpError).status).html(`<p>${(error as HttpError).message}</p>`);
      });
    });
    close = server.close;
    const teapot = await fetch(`${server.url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(teapot.headers.get("content-type")).toContain("text/html");
    expect(await teapot.text()).toBe("<p>I'm a teapot</p>");
    // the hook did not answer: tina4's JSON, not the abandoned half-built body
    const conflict = await fetch(`${server.url}/conflict`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: "Conflict" });
  });

  it("a throwing onError hook is logged and the default error response is sent", async () => {
    const error = vi.spyOn(log, "error").mockImplementation(() => undefined);
    const server = await startApp((app) => {
      app.get("/bad", () => {
        throw new HttpError(400, "Bad thing");
      });
      app.onError(() => {
        throw new Error("hook broke");
      });
    });
    close = server.close;
    const res = await fetch(`${server.url}/bad`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "Bad thing" });
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain("onError hook failed");
  });

  it("notFound answers unmatched requests (status 404 unless it sets one); 405 and routes are unchanged", async () => {
    const server = await startApp((app) => {
      app.get("/items", () => ["a"]);
      app.notFound((req) => ({ nothing: req.path }));
    });
    close = server.close;
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ nothing: "/nope" });
    expect((await fetch(`${server.url}/items`, { method: "DELETE" })).status).toBe(405);
    expect(await (await fetch(`${server.url}/items`)).json()).toEqual(["a"]);
  });

  it("refuses unknown hook names and non-functions", () => {
    const app = new App({ publicDir: null });
    expect(() => app.addHook("onFinish" as "onSend", () => undefined)).toThrow(/Unknown hook "onFinish"/);
    expect(() => app.addHook("onSend", "nope" as unknown as () => undefined)).toThrow(/must be a function/);
    expect(() => app.notFound(null as unknown as () => undefined)).toThrow(/needs a function/);
  });
});

/**
 * A client that leaves while /slow is still working: `name` hook records `field` of the raw
 * response, then throws. Returns what the hook saw, `settleMs` after the client left.
 */
async function abandonedExchange(name: "onResponse" | "onSent", field: "writableFinished" | "writableEnded", settleMs: number): Promise<boolean[]> {
  const seen: boolean[] = [];
  let reached!: () => void;
  const handlerReached = new Promise<void>((resolve) => (reached = resolve));
  const server = await startApp((app) => {
    app.get("/slow", async () => {
      reached();
      await pause(300);
      return "late";
    });
    const record = (res: { raw: { writableFinished: boolean; writableEnded: boolean } }): void => {
      seen.push(res.raw[field]);
      throw new Error(`${name} broke`);
    };
    if (name === "onSent") app.addHook("onSent", (_req, res) => record(res));
    else app.addHook("onResponse", (_req, res) => record(res));
  });
  close = server.close;
  const req = request(`${server.url}/slow`);
  req.on("error", () => undefined);
  req.end();
  await handlerReached;
  req.destroy();
  await pause(settleMs);
  return seen;
}
