import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import { clearCache, closeResponseCaches, responseCache } from "../../runtime/middleware/response-cache.js";
import { App } from "../../runtime/app.js";
import { addSendHook } from "../../runtime/http/hooks.js";
import { etag } from "../../runtime/middleware/etag.js";
import type { MiddlewareFunction } from "../../runtime/middleware/types.js";
import type { RunningServer } from "../../runtime/http/server.js";

/** responseCache takes the body from the payload that is sent (onSend), not from patched writes. */
const dir = mkdtempSync(join(tmpdir(), "t4-cache-hooks-"));
const calls = new Map<string, number>();
const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
let server: RunningServer;
const settle = () => new Promise((r) => setTimeout(r, 30));
const get = (path: string) => fetch(`${server.url}${path}`);

beforeAll(async () => {
  writeFileSync(join(dir, "page.html"), "<html><body>file</body></html>");
  writeFileSync(join(dir, "big.txt"), "x".repeat(2048));
  server = await startApp((app) => {
    const cached = [responseCache({ backend: "memory", ttl: 60, maxBodyBytes: 1024 })];
    // what an app-level onSend hook adds (dev live reload, say) must not end up in the cache
    app.addHook("onSend", (_req, res, payload) => {
      if (payload.kind !== "data") return;
      res.header("x-app-hook", "1");
      return { kind: "data", data: Buffer.concat([Buffer.from(payload.data), Buffer.from("+hook")]) };
    });
    app.get("/file", (_req, res) => {
      count("file");
      return res.file(join(dir, "page.html"), "text/html; charset=utf-8");
    }, cached);
    app.get("/big-file", (_req, res) => {
      count("big-file");
      return res.file(join(dir, "big.txt"), "text/plain");
    }, cached);
    app.get("/gone", (_req, res) => {
      count("gone");
      return res.file(join(dir, "missing.txt"), "text/plain");
    }, cached);
    app.get("/outer", () => {
      count("outer");
      return "inner";
    }, [
      async (_req, res, next) => {
        await next();
        if (res.getHeader("x-cache") === "MISS") res.text("set by outer middleware");
      },
      ...cached,
    ]);
  });
});
beforeEach(() => calls.clear());
afterEach(() => clearCache());
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.close();
  await closeResponseCaches();
});

describe("responseCache on hooks", () => {
  it("stores the body before the app's onSend hooks change it, and they apply to every HIT", async () => {
    const first = await get("/file");
    expect(await first.text()).toBe("<html><body>file</body></html>+hook");
    await settle();
    const hit = await get("/file");
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(await hit.text()).toBe("<html><body>file</body></html>+hook"); // once, not twice
    expect(hit.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(calls.get("file")).toBe(1);
  });

  it("stores what outer middleware finally set (the payload at send time)", async () => {
    expect(await (await get("/outer")).text()).toBe("set by outer middleware+hook");
    await settle();
    const hit = await get("/outer");
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(await hit.text()).toBe("set by outer middleware+hook");
  });

  it("serves but does not store a file over maxBodyBytes, and answers 404 for a file that is gone", async () => {
    for (let i = 0; i < 2; i++) {
      const big = await get("/big-file");
      expect(big.headers.get("x-cache")).toBe("MISS");
      expect((await big.text()).length).toBe(2048);
      await settle();
    }
    expect(calls.get("big-file")).toBe(2);
    const gone = await get("/gone");
    expect(gone.status).toBe(404);
    await gone.text();
  });
});

describe("responseCache on a server that is not tina4's", () => {
  let foreign: Server;
  let url = "";
  beforeAll(async () => {
    const app = new App({ publicDir: null, dev: false });
    app.get("/raw", (_req, res) => {
      count("raw");
      res.raw.writeHead(200, { "content-type": "text/plain" });
      res.raw.end("raw body");
    }, [responseCache({ backend: "memory", ttl: 60 })]);
    app.get("/json", () => {
      count("json");
      return { n: 1 };
    }, [responseCache({ backend: "memory", ttl: 60 })]);
    foreign = createServer(app.handle);
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(foreign.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => foreign.close(() => resolve())));

  it("caches payload bodies; raw writes, which it cannot watch there, are answered and never stored", async () => {
    await (await fetch(`${url}/json`)).text();
    await settle();
    expect((await fetch(`${url}/json`)).headers.get("x-cache")).toBe("HIT");
    for (let i = 0; i < 2; i++) {
      expect(await (await fetch(`${url}/raw`)).text()).toBe("raw body");
      await settle();
    }
    expect(calls.get("raw")).toBe(2);
  });
});

describe("responseCache and send hooks that run after its capture", () => {
  let late: RunningServer;
  const at = (path: string) => fetch(`${late.url}${path}`);
  /** Middleware inside the cache whose send hook comes after the cache's and sets a header. */
  const setsLate = (name: string, value: string): MiddlewareFunction => (_req, res, next) => {
    addSendHook(res, () => void res.header(name, value));
    return next();
  };
  beforeAll(async () => {
    late = await startApp((app) => {
      const cached = () => responseCache({ backend: "memory", ttl: 60 });
      app.get("/late-cookie", () => (count("late-cookie"), "signed in"), [cached(), setsLate("set-cookie", "sid=1")]);
      app.get("/late-vary", () => (count("late-vary"), "varies"), [cached(), setsLate("vary", "*")]);
      app.get("/late-tag", () => (count("late-tag"), "tagged late"), [cached(), etag()]);
    });
  });
  afterAll(async () => {
    await late.close();
  });

  it("a Set-Cookie or Vary: * set after the body was taken still keeps the response out of the cache", async () => {
    for (const path of ["/late-cookie", "/late-vary"]) {
      for (let i = 0; i < 2; i++) {
        const answer = await at(path);
        expect(answer.headers.get("x-cache")).toBe("MISS");
        await answer.text();
        await settle();
      }
      expect(calls.get(path.slice(1))).toBe(2);
    }
  });

  it("an ETag made after the body was taken (etag() inside the cache) is stored and sent on every HIT", async () => {
    const miss = await at("/late-tag");
    const tag = miss.headers.get("etag");
    expect(tag).toMatch(/^W\/"/);
    await miss.text();
    await settle();
    const hit = await at("/late-tag");
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(hit.headers.get("etag")).toBe(tag);
    expect(await hit.text()).toBe("tagged late");
    expect(calls.get("late-tag")).toBe(1);
  });
});
