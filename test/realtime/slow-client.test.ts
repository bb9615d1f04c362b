/**
 * A client that stops reading never makes the server buffer without bound (a server in its
 * own process floods one socket with 64 KiB messages; maxBuffered 256 KiB): policy "close"
 * stops sending and closes with 1013, policy "drop" keeps the socket and skips messages —
 * the server's memory stays flat while it tries to send hundreds of megabytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { frame, rawUpgrade, serverCloseCode } from "./raw-client.js";

let child: ChildProcess;
let port: number;

function ask<T>(message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (reply) => resolve(reply as T));
    child.send(message);
  });
}

interface Stats { attempted: number; accepted: number; closeCodes: { close: number[]; drop: number[] } }
interface Memory { heapUsed: number; rss: number; external: number; arrayBuffers: number }
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  child = fork(join(import.meta.dirname, "ws-server.mjs"), [], { execArgv: ["--expose-gc"], env: { ...process.env, TINA4_LOG_LEVEL: "silent" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  port = (await new Promise<{ port: number }>((resolve) => child.once("message", (m) => resolve(m as { port: number })))).port;
});
afterAll(async () => {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  if (child.connected) child.send("stop");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
});

describe("a client that stops reading", () => {
  it('policy "close": the server stops at the send-buffer limit and closes with 1013', async () => {
    await ask("reset");
    const client = await rawUpgrade(port, "/flood/close");
    expect(client.head).toMatch(/^HTTP\/1.1 101/);
    client.socket.pause();
    client.socket.write(frame(0x1, Buffer.from("3000")));
    await sleep(1200);
    const stats = await ask<Stats>("stats");
    // what the kernel's socket buffers absorbed plus the 256 KiB limit; never the flood
    expect(stats.accepted * CHUNK).toBeLessThan(32 * MiB);
    expect(stats.attempted).toBeGreaterThan(stats.accepted);
    client.socket.resume();
    await client.closed;
    expect(serverCloseCode(client.received())).toBe(1013);
  });

  it('policy "drop": the socket stays open and the server\'s memory stays flat while it keeps trying to send', async () => {
    await ask("reset");
    const baseline = await ask<Memory>("mem");
    const client = await rawUpgrade(port, "/flood/drop");
    client.socket.pause();
    client.socket.write(frame(0x1, Buffer.from("3000")));
    await sleep(1000);
    const early = await ask<Memory>("mem");
    await sleep(1200);
    const late = await ask<Memory>("mem");
    const stats = await ask<Stats>("stats");
    const attemptedMiB = (stats.attempted * CHUNK) / MiB;
    console.log(`[slow client] tried ${attemptedMiB.toFixed(0)} MiB, queued ${((stats.accepted * CHUNK) / MiB).toFixed(1)} MiB; rss ${(baseline.rss / MiB).toFixed(0)} → ${(early.rss / MiB).toFixed(0)} → ${(late.rss / MiB).toFixed(0)} MiB`);
    expect(attemptedMiB).toBeGreaterThan(100);
    expect(stats.accepted * CHUNK).toBeLessThan(32 * MiB);
    expect(stats.closeCodes.drop).toEqual([]); // the "drop" socket was never closed
    // flat: no growth between two samples taken while the flood goes on, little over the baseline
    expect(late.rss - early.rss).toBeLessThan(16 * MiB);
    expect(late.external + late.arrayBuffers - (baseline.external + baseline.arrayBuffers)).toBeLessThan(40 * MiB);
    expect(late.heapUsed - baseline.heapUsed).toBeLessThan(16 * MiB);
    client.socket.resume();
    client.socket.destroy();
  });
});
