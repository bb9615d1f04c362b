/**
 * Hostile WebSocket input against a production-mode server in its own process (the fuzz
 * suite's WebSocket half): malformed, oversized and non-UTF-8 frames, protocol violations,
 * bad handshakes, upgrades to non-WS paths, and a flood of connections. Every case ends in a
 * clean refusal or close code; the server never crashes, keeps answering, and its heap
 * returns to baseline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect as tcp } from "node:net";
import { join } from "node:path";
import { frame, rawUpgrade, serverCloseCode, type RawSocket } from "../realtime/raw-client.js";
import { connect, wsUrl, type Client } from "../realtime/support.js";
import { forkServer, rng, type ForkedServer } from "./support/forked-server.js";

let server: ForkedServer;
let port: number;
const MAX_CONNECTIONS = 300;

beforeAll(async () => {
  server = await forkServer(join(import.meta.dirname, "..", "realtime", "ws-server.mjs"), {
    TINA4_LOG_LEVEL: "silent", TINA4_HEADERS_TIMEOUT: "2", TINA4_WS_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  });
  port = server.port;
});
afterAll(async () => {
  await server.stop();
});

/** Sends `bytes` on a fresh upgraded connection; resolves with the close code the server sent (null: none) once it closed. */
async function closeCodeFor(bytes: Buffer, timeoutMs = 3000): Promise<number | null> {
  const client = await rawUpgrade(port, "/echo");
  expect(client.head).toMatch(/^HTTP\/1.1 101/);
  client.socket.write(bytes);
  return finish(client, timeoutMs);
}

async function finish(client: RawSocket, timeoutMs: number): Promise<number | null> {
  const timer = setTimeout(() => client.socket.destroy(), timeoutMs);
  await client.closed;
  clearTimeout(timer);
  return serverCloseCode(client.received());
}

async function stillServing(): Promise<void> {
  expect(server.child.exitCode).toBeNull();
  expect((await fetch(`http://127.0.0.1:${port}/plain`)).status).toBe(200);
  const client = await connect(wsUrl(`http://127.0.0.1:${port}`, "/echo"));
  client.ws.send("alive?");
  expect(await client.next()).toBe("alive?");
  client.ws.close();
}

/** Raw HTTP exchange: the status of the first reply. */
function status(request: string, timeoutMs = 4000): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = tcp(port, "127.0.0.1");
    let text = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? NaN) || null);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n")) done();
    });
    socket.on("error", done);
    socket.on("close", done);
    socket.write(request);
  });
}

const upgradeHead = (path: string, extra = "", method = "GET") =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

describe("hostile frames", () => {
  it("protocol violations close with 1002, oversized messages with 1009, non-UTF-8 text with 1007", async () => {
    const cases: Array<[string, Buffer, number]> = [
      ["unmasked client frame", frame(0x1, Buffer.from("hi"), { mask: false }), 1002],
      ["reserved opcode", frame(0x3, Buffer.from("x")), 1002],
      ["RSV bits without an extension", frame(0x1, Buffer.from("x"), { rsv: 4 }), 1002],
      ["control frame over 125 bytes", frame(0x9, Buffer.alloc(126)), 1002],
      ["fragmented control frame", frame(0x9, Buffer.from("p"), { fin: false }), 1002],
      ["continuation without a first fragment", frame(0x0, Buffer.from("x")), 1002],
      ["close frame with an invalid code", frame(0x8, Buffer.from([0x03, 0xe7])), 1002],
      ["length field of 2^62", frame(0x2, Buffer.alloc(0), { length: 2n ** 62n }), 1009],
      ["message over maxMessage", frame(0x2, Buffer.alloc(64 * 1024 + 1)), 1009],
      ["fragments adding up past maxMessage", Buffer.concat([frame(0x1, Buffer.alloc(40_000, 97), { fin: false }), frame(0x0, Buffer.alloc(40_000, 97))]), 1009],
      ["text frame that is not UTF-8", frame(0x1, Buffer.from([0xff, 0xfe, 0xfd])), 1007],
      ["text split inside a UTF-8 sequence, then invalid", Buffer.concat([frame(0x1, Buffer.from([0xe2, 0x82]), { fin: false }), frame(0x0, Buffer.from([0x41]))]), 1007],
    ];
    for (const [name, bytes, code] of cases) {
      expect({ name, code: await closeCodeFor(bytes) }).toEqual({ name, code });
    }
    await stillServing();
  });

  it("survives 300 generated hostile frame sequences (seeded)", async () => {
    const random = rng(0x7e57);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const parts: Buffer[] = [];
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const payload = Buffer.alloc(Math.floor(random() ** 3 * 70_000));
        for (let b = 0; b < Math.min(payload.length, 64); b++) payload[b] = Math.floor(random() * 256);
        if (random() < 0.2) {
          parts.push(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256))));
        } else {
          const lie = random() < 0.15 ? BigInt(Math.floor(random() * 2 ** 31)) : undefined;
          parts.push(frame(Math.floor(random() * 16), payload, { fin: random() < 0.8, mask: random() < 0.9, rsv: random() < 0.1 ? Math.floor(random() * 8) : 0, length: lie }));
        }
      }
      const code = await closeCodeFor(Buffer.concat(parts), 400);
      outcomes.set(String(code), (outcomes.get(String(code)) ?? 0) + 1);
    }
    console.log(`[hostile-ws] close codes over 300 sequences: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expect([...outcomes.keys()].every((code) => ["1002", "1007", "1009", "null", "1005", "1000"].includes(code))).toBe(true);
    await stillServing();
  }, 60_000);
});

describe("hostile handshakes", () => {
  it("refuses bad handshakes and upgrades to non-WS paths with 4xx, never 5xx", async () => {
    expect(await status(upgradeHead("/plain"))).toBe(404);
    expect(await status(upgradeHead("/nothing/here"))).toBe(404);
    expect(await status(upgradeHead("/%zz"))).toBe(400);
    expect(await status(upgradeHead("/echo").replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""))).toBe(400);
    expect(await status(upgradeHead("/echo").replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: short"))).toBe(400);
    expect(await status(upgradeHead("/echo").replace("Version: 13", "Version: 12"))).toBe(400);
    expect(await status(upgradeHead("/echo", "", "POST"))).toBe(405);
    expect(await status(upgradeHead("/echo").replace("Upgrade: websocket", "Upgrade: h2c"))).toBe(400);
    expect(await status(upgradeHead("/echo", `Sec-WebSocket-Protocol: ${"p,".repeat(20_000)}x\r\n`))).toBe(431);
    expect(await status(upgradeHead("/echo", "Origin: https://evil.example\r\n"))).toBe(403);
    expect(await status(upgradeHead("/echo", "Authorization: Bearer not-a-token\r\n"))).toBe(401);
    await stillServing();
  });

  it(`holds up under a flood of connections: past ${MAX_CONNECTIONS} sockets upgrades get 503, stalled handshakes time out, memory returns to baseline`, async () => {
    const baseline = await server.ask<{ heapUsed: number }>("mem");
    const stalled = Array.from({ length: 100 }, () => {
      const socket = tcp(port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.resume(); // read the server's 408, so the close is seen
      socket.write("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"); // never finished
      return socket;
    });
    const results = await Promise.allSettled(Array.from({ length: MAX_CONNECTIONS + 50 }, () => connect(wsUrl(`http://127.0.0.1:${port}`, "/echo"))));
    const opened = results.filter((r): r is PromiseFulfilledResult<Client> => r.status === "fulfilled").map((r) => r.value);
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r.reason as { status?: number }).status);
    expect(opened.length).toBe(MAX_CONNECTIONS);
    expect(refused.every((s) => s === 503)).toBe(true);
    // everyone still gets answers
    await Promise.all(opened.slice(0, 50).map(async (client, i) => {
      client.ws.send(`m${i}`);
      expect(await client.next()).toBe(`m${i}`);
    }));
    expect((await fetch(`http://127.0.0.1:${port}/plain`)).status).toBe(200);
    await Promise.all(opened.map((client) => { client.ws.close(); return client.closed; }));
    // the stalled handshakes are cut by the headers timeout (2 s here)
    await Promise.all(stalled.map((socket) => new Promise((resolve) => (socket.destroyed ? resolve(null) : socket.once("close", resolve)))));
    await stillServing();
    const after = await server.ask<{ heapUsed: number }>("mem");
    expect(after.heapUsed - baseline.heapUsed).toBeLessThan(8 * 1024 * 1024);
    expect(server.stderr()).toBe("");
  }, 30_000);
});
