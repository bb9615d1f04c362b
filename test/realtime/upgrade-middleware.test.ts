/**
 * Route middleware on WebSocket routes (SPEC §12: `middleware` as for HTTP routes): a ws.ts
 * file's `middleware` export, `websocket(path, handlers, { middleware })` and a group's
 * middleware run at the upgrade, after the origin and `secured` checks (so `req.user` is
 * known) and before the handshake. A middleware that answers instead of calling `next()`
 * refuses the upgrade with its own status, headers and body; no socket opens.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { App } from "../../runtime/app.js";
import { listen } from "../../runtime/http/server.js";
import { rateLimit, signToken } from "../../runtime/index.js";
import type { MiddlewareFunction } from "../../runtime/middleware/types.js";
import { discoverRouteFiles, loadRouteFiles } from "../../runtime/router/file-routes.js";
import { connect, refusal, wsFixture, wsUrl } from "./support.js";

const { serve, open, cleanup } = wsFixture();
const closers: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  process.env.TINA4_SECRET = "realtime-middleware-test-secret-0123456789";
});
afterEach(async () => {
  await cleanup();
  await Promise.all(closers.splice(0).map((close) => close()));
});

const adminsOnly: MiddlewareFunction = async (req, res, next) => {
  if ((req.user as { role?: string } | null)?.role !== "admin") return void res.json({ error: "admins only" }, 403);
  await next();
};

describe("middleware on WebSocket routes", () => {
  it("a ws.ts file's middleware export runs at the upgrade with req.user set: it refuses with its own answer, or lets the socket open", async () => {
    const root = mkdtempSync(join(tmpdir(), "t4-ws-mw-"));
    const file = join(root, "src/routes/admin/ws.mjs");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, [
      "export const secured = true;",
      "export const middleware = [async function adminsOnly(req, res, next) {",
      "  if (req.user?.role !== 'admin') return res.json({ error: 'admins only' }, 403);",
      "  res.header('x-checked', 'yes');",
      "  await next();",
      "}];",
      "export function open(socket) { socket.send('welcome ' + socket.user.sub); }",
      "",
    ].join("\n"));
    const app = new App({ publicDir: null, dev: false });
    await loadRouteFiles(app, discoverRouteFiles(root));
    expect(app.routes().find((r) => r.method === "WS")).toMatchObject({ path: "/admin", middleware: ["adminsOnly"], secured: true });
    const server = await listen(app, { port: 0 });
    closers.push(server.close);

    const user = await signToken({ sub: "u1", role: "user" });
    const refused = await refusal(wsUrl(server.url, "/admin"), { protocols: ["bearer", user] });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ error: "admins only" });
    expect((await refusal(wsUrl(server.url, "/admin"))).status).toBe(401); // secured is checked first

    const admin = await signToken({ sub: "a1", role: "admin" });
    const socket = await connect(wsUrl(server.url, "/admin"), { protocols: ["bearer", admin] });
    expect(await socket.next()).toBe("welcome a1");
    socket.ws.close();
    // headers the middleware set travel with the 101 answer
    const raw = new WebSocket(wsUrl(server.url, "/admin"), ["bearer", admin]);
    const upgraded = await new Promise<IncomingMessage>((resolve, reject) => raw.once("upgrade", resolve).once("error", reject));
    expect(upgraded.headers["x-checked"]).toBe("yes");
    raw.close();
  });

  it("websocket(..., { middleware }) runs function and class middleware; rateLimit() refuses with 429 and Retry-After", async () => {
    let opened = 0;
    class Closed {
      static beforeCheck(): boolean {
        return false;
      }
    }
    const server = await serve((app) => {
      app.websocket("/limited", { open: () => void opened++ }, { middleware: [rateLimit({ name: "ws-test", limit: 2, windowSeconds: 60 })] });
      app.websocket("/admin", { open: () => void opened++ }, { secured: true, middleware: [adminsOnly] });
      app.websocket("/closed", { open: () => void opened++ }, { middleware: [Closed] });
    });
    await open(wsUrl(server.url, "/limited"));
    await open(wsUrl(server.url, "/limited"));
    const limited = await refusal(wsUrl(server.url, "/limited"));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    const closed = await refusal(wsUrl(server.url, "/closed"));
    expect(closed.status).toBe(403);
    expect(JSON.parse(closed.body)).toEqual({ error: "Forbidden" });
    const user = await signToken({ sub: "u1" });
    expect((await refusal(wsUrl(server.url, "/admin"), { headers: { authorization: `Bearer ${user}` } })).status).toBe(403);
    expect(opened).toBe(2);
  });

  it("a group's middleware applies to the WebSocket routes inside it", async () => {
    const server = await serve((app) => {
      app.group("/ops", (ops) => ops.websocket("/live", { open: (socket) => void socket.send("in") }), [adminsOnly]);
    });
    const refused = await refusal(wsUrl(server.url, "/ops/live"));
    expect(refused.status).toBe(403);
    const admin = await signToken({ sub: "a1", role: "admin" });
    const socket = await open(wsUrl(server.url, "/ops/live"), { headers: { authorization: `Bearer ${admin}` } });
    expect(await socket.next()).toBe("in");
  });

  it("a middleware that throws, or sets a header that would split the answer, refuses the upgrade with 500 and no socket", async () => {
    let opened = 0;
    const server = await serve((app) => {
      app.websocket("/broken", { open: () => void opened++ }, { middleware: [() => { throw new Error("boom"); }] });
      app.websocket("/split", { open: () => void opened++ }, {
        middleware: [async (req, res, next) => {
          res.header("x-echo", String(req.query.v));
          await next();
        }],
      });
    });
    const refused = await refusal(wsUrl(server.url, "/broken"));
    expect(refused.status).toBe(500);
    expect(JSON.parse(refused.body)).toMatchObject({ error: "Internal Server Error" });
    expect(refused.body).not.toContain("boom");
    const split = await refusal(wsUrl(server.url, `/split?v=${encodeURIComponent("a\r\nx-injected: 1")}`));
    expect(split.status).toBe(500);
    expect(split.headers["x-injected"]).toBeUndefined();
    expect(opened).toBe(0);
    await open(wsUrl(server.url, "/split?v=plain"));
    expect(opened).toBe(1);
  });
});
