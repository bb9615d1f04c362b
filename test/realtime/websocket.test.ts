/**
 * WebSocket routes in one process (listen(), in-process bus): send/receive, typed params,
 * rooms and broadcast, refusals at the upgrade (404, 426, 400), handler errors, limits (1009,
 * 1007), the heartbeat and the 1001 close on shutdown.
 */
import { afterEach, describe, expect, it } from "vitest";
import { broadcast, RealtimeError } from "../../runtime/index.js";
import { startApp, rawRequest } from "../support/http.js";
import { refusal, wsFixture, wsUrl } from "./support.js";

const { serve, open, cleanup } = wsFixture();
afterEach(async () => {
  await cleanup();
  for (const name of ["TINA4_WS_PING", "TINA4_WS_MAX_MESSAGE"]) delete process.env[name];
});

describe("a WebSocket route", () => {
  it("echoes: strings as text, objects as JSON, Buffers as binary; typed params are coerced", async () => {
    const server = await serve((app) => {
      app.websocket("/echo/{id:int}", {
        open: (socket) => socket.send({ hello: socket.params.id, type: typeof socket.params.id }),
        message: (socket, data, isBinary) => {
          if (isBinary) socket.send(data);
          else socket.send(`echo:${String(data)}`);
        },
      });
    });
    const client = await open(wsUrl(server.url, "/echo/42"));
    expect(JSON.parse(String(await client.next()))).toEqual({ hello: 42, type: "number" });
    client.ws.send("hi");
    expect(await client.next()).toBe("echo:hi");
    client.ws.send(Buffer.from([1, 2, 3]));
    expect(Buffer.compare((await client.next()) as Buffer, Buffer.from([1, 2, 3]))).toBe(0);
  });

  it("gives every socket its own id, request and locals; open runs before the first message is handled", async () => {
    const server = await serve((app) => {
      app.websocket("/who", {
        open: async (socket) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          socket.locals.ready = true;
        },
        message: (socket) => socket.send({ id: socket.id, ready: socket.locals.ready === true, q: socket.request.query.x, path: socket.request.path }),
      });
    });
    const a = await open(wsUrl(server.url, "/who?x=1"));
    const b = await open(wsUrl(server.url, "/who?x=2"));
    a.ws.send("?");
    b.ws.send("?");
    const [ra, rb] = [JSON.parse(String(await a.next())), JSON.parse(String(await b.next()))];
    expect(ra).toMatchObject({ ready: true, q: "1", path: "/who" });
    expect(rb).toMatchObject({ ready: true, q: "2" });
    expect(ra.id).not.toBe(rb.id);
  });

  it("refuses upgrades to paths without a WS route (404 JSON) and answers a plain request to a WS path with 426", async () => {
    const server = await serve((app) => {
      app.get("/plain", () => "plain");
      app.websocket("/ws", { message: () => undefined });
    });
    const notFound = await refusal(wsUrl(server.url, "/plain"));
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body)).toEqual({ error: "Not Found", path: "/plain" });
    expect((await refusal(wsUrl(server.url, "/nothing"))).status).toBe(404);
    const plain = await fetch(`${server.url}/ws`);
    expect(plain.status).toBe(426);
    expect(plain.headers.get("upgrade")).toBe("websocket");
    // a non-WebSocket upgrade and a handshake without a key
    const h2c = await rawRequest(server.port, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
    expect(h2c).toMatch(/^HTTP\/1.1 400/);
    const noKey = await rawRequest(server.port, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n");
    expect(noKey).toMatch(/^HTTP\/1.1 400/);
    expect((await fetch(`${server.url}/plain`)).status).toBe(200);
  });

  it("is listed by app.routes() with method WS", async () => {
    const server = await serve((app) => {
      app.websocket("/chat/{room}", { message: () => undefined }, { secured: true });
      app.group("/api", (api) => api.websocket("/live", { open: () => undefined }));
    });
    const rows = server.app.routes().filter((r) => r.method === "WS");
    expect(rows).toEqual([
      { method: "WS", path: "/api/live", source: "programmatic", middleware: [], secured: false },
      { method: "WS", path: "/chat/{room}", source: "programmatic", middleware: [], secured: true },
    ]);
  });

  it("rejects bad handlers and options at registration with T4_ERR_WS_* codes", async () => {
    await serve((app) => {
      expect(() => app.websocket("/a", {} as never)).toThrow(expect.objectContaining({ code: "T4_ERR_WS_HANDLERS" }));
      expect(() => app.websocket("/a", { message: "no" } as never)).toThrow(RealtimeError);
      expect(() => app.websocket("/a", { message: () => 1 }, { secured: "yes" as never })).toThrow(expect.objectContaining({ code: "T4_ERR_WS_OPTIONS" }));
      expect(() => app.websocket("/a", { message: () => 1 }, { maxMessage: -1 })).toThrow(expect.objectContaining({ code: "T4_ERR_WS_OPTIONS" }));
      expect(() => app.websocket("/a", { message: () => 1 }, { slowClient: "ignore" as never })).toThrow(expect.objectContaining({ code: "T4_ERR_WS_OPTIONS" }));
      expect(() => app.websocket("/a/{x:nope}", { message: () => 1 })).toThrow(expect.objectContaining({ code: "T4_ERR_ROUTE_PARAM_TYPE" }));
    });
  });
});

describe("rooms and broadcast", () => {
  it("broadcast(room) reaches that room's members once, `except` skips the sender, broadcast(data) reaches everyone", async () => {
    const server = await serve((app) => {
      app.websocket("/room/{name}", {
        open: (socket) => {
          socket.join(socket.params.name as string);
          socket.send("joined");
        },
        message: (socket, data) => {
          const text = String(data);
          if (text === "leave") {
            socket.leave(socket.params.name as string);
            socket.send("left");
          } else void broadcast(socket.params.name as string, { from: socket.id, text }, { except: socket });
        },
      });
    });
    const [a1, a2, b1] = await Promise.all([open(wsUrl(server.url, "/room/a")), open(wsUrl(server.url, "/room/a")), open(wsUrl(server.url, "/room/b"))]);
    for (const client of [a1, a2, b1]) expect(await client.next()).toBe("joined");
    a1.ws.send("hello a");
    expect(JSON.parse(String(await a2.next()))).toMatchObject({ text: "hello a" });
    await broadcast({ to: "all" });
    for (const client of [a1, a2, b1]) expect(JSON.parse(String(await client.next()))).toEqual({ to: "all" });
    await broadcast("b", "only b");
    expect(await b1.next()).toBe("only b");
    a2.ws.send("leave");
    expect(await a2.next()).toBe("left");
    await broadcast("a", "after leave");
    expect(await a1.next()).toBe("after leave");
    await new Promise((resolve) => setTimeout(resolve, 100));
    // exactly once each: a1 never got its own message, a2 nothing after leaving, b1 nothing from room a
    expect(a1.messages).toEqual(["joined", '{"to":"all"}', "after leave"]);
    expect(a2.messages).toEqual(["joined", expect.stringContaining("hello a"), '{"to":"all"}', "left"]);
    expect(b1.messages).toEqual(["joined", '{"to":"all"}', "only b"]);
  });

  it("rejects bad room names and unserialisable data", async () => {
    await expect(broadcast("", "x")).rejects.toMatchObject({ code: "T4_ERR_WS_NAME" });
    await expect(broadcast("r", { n: 1n })).rejects.toThrow();
  });
});

describe("handler errors", () => {
  it("a throwing handler without an error hook closes the socket with 1011; with one the socket stays open", async () => {
    const server = await serve((app) => {
      app.websocket("/bare", { message: () => { throw new Error("boom"); } });
      app.websocket("/hooked", {
        message: async (_socket, data) => { throw new Error(`bad ${String(data)}`); },
        error: (socket, error) => socket.send(`caught: ${(error as Error).message}`),
      });
    });
    const bare = await open(wsUrl(server.url, "/bare"));
    bare.ws.send("x");
    expect((await bare.closed).code).toBe(1011);
    const hooked = await open(wsUrl(server.url, "/hooked"));
    hooked.ws.send("1");
    expect(await hooked.next()).toBe("caught: bad 1");
    hooked.ws.send("2");
    expect(await hooked.next()).toBe("caught: bad 2");
  });
});

describe("limits", () => {
  it("closes with 1009 on a message over maxMessage (TINA4_WS_MAX_MESSAGE) and keeps serving", async () => {
    process.env.TINA4_WS_MAX_MESSAGE = "1024";
    const server = await serve((app) => {
      app.websocket("/env", { message: (socket, data) => socket.send(String(data.length)) });
      app.websocket("/opt", { message: (socket, data) => socket.send(String(data.length)) }, { maxMessage: 100 });
    });
    const env = await open(wsUrl(server.url, "/env"));
    env.ws.send("x".repeat(1024));
    expect(await env.next()).toBe("1024");
    env.ws.send("x".repeat(1025));
    expect((await env.closed).code).toBe(1009);
    const opt = await open(wsUrl(server.url, "/opt"));
    opt.ws.send("x".repeat(101));
    expect((await opt.closed).code).toBe(1009);
    const again = await open(wsUrl(server.url, "/env"));
    again.ws.send("ok");
    expect(await again.next()).toBe("2");
  });

  it("closes with 1007 on a text frame that is not UTF-8", async () => {
    const server = await serve((app) => app.websocket("/t", { message: (socket, data) => socket.send(String(data)) }));
    const client = await open(wsUrl(server.url, "/t"));
    // the client's own UTF-8 check is on its receiving side only: send raw invalid bytes as a text frame
    client.ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
    expect((await client.closed).code).toBe(1007);
  });

  it("pings: a peer that does not answer is cut, a live one stays", async () => {
    process.env.TINA4_WS_PING = "1";
    let closedCode = 0;
    const server = await serve((app) => app.websocket("/hb", { close: (_socket, code) => void (closedCode = code) }));
    const dead = await open(wsUrl(server.url, "/hb"), { autoPong: false });
    const live = await open(wsUrl(server.url, "/hb"));
    const started = Date.now();
    const { code } = await dead.closed;
    expect(code).toBe(1006);
    await expect.poll(() => closedCode).toBe(1006);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(live.ws.readyState).toBe(live.ws.OPEN);
  });
});

describe("shutdown", () => {
  it("closes every socket with 1001 when the server drains; a draining app refuses new upgrades with 503", async () => {
    const server = await startApp((app) => app.websocket("/s", { open: (socket) => socket.send("hi") }));
    const client = await open(wsUrl(server.url, "/s"));
    expect(await client.next()).toBe("hi");
    server.app.draining = true;
    expect((await refusal(wsUrl(server.url, "/s"))).status).toBe(503);
    server.app.draining = false;
    const started = Date.now();
    const closing = server.close();
    const { code, reason } = await client.closed;
    expect(code).toBe(1001);
    expect(reason).toBe("Server going away");
    expect((await closing).drained).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
