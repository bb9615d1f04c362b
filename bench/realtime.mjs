#!/usr/bin/env node
// WebSocket benchmark: tina4's WebSocket routes against a bare `ws` server, same run,
// interleaved rounds (best kept). Each server runs in its own child process pinned to core 1
// with taskset; this process (the load) is pinned to core 0 and uses raw TCP clients that
// mask frames once and count reply bytes, so the load costs far less than the server.
//   echo     C connections, each with W messages in flight: messages echoed per second
//   fan-out  1,000 member sockets; a driver keeps K broadcasts in flight: deliveries per second
// Both are reported per wall second and per CPU second of the server process (/proc): on a
// shared, loaded machine the wall figure swings with the neighbours, the CPU one does not, so
// the ratio against bare ws is taken on messages per server CPU-second.
// Run after a build: `node scripts/build.mjs && node bench/realtime.mjs`.
// Options (environment): BENCH_DURATION (s, 5), BENCH_WARMUP (s, 1), BENCH_ROUNDS (3),
//   BENCH_ECHO_CONNECTIONS (50), BENCH_ECHO_WINDOW (64), BENCH_FANOUT_SOCKETS (1000),
//   BENCH_FANOUT_WINDOW (16), BENCH_PAYLOAD (bytes, 64); --json prints one JSON document.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { connect } from "node:net";
import { startServer } from "./lib/spawn-server.mjs";
import { cpuMs } from "./lib/proc-cpu.mjs";

const env = process.env;
const DURATION = Number(env.BENCH_DURATION ?? 5) * 1000;
const WARMUP = Number(env.BENCH_WARMUP ?? 1) * 1000;
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const ECHO_CONNECTIONS = Number(env.BENCH_ECHO_CONNECTIONS ?? 50);
const ECHO_WINDOW = Number(env.BENCH_ECHO_WINDOW ?? 64);
const FANOUT_SOCKETS = Number(env.BENCH_FANOUT_SOCKETS ?? 1000);
const FANOUT_WINDOW = Number(env.BENCH_FANOUT_WINDOW ?? 16);
const PAYLOAD = Number(env.BENCH_PAYLOAD ?? 64);
const json = process.argv.includes("--json");
const say = (text) => (json ? process.stderr : process.stdout).write(text + "\n");

const pinned = cpus().length >= 2 && spawnSync("taskset", ["-a", "-pc", "0", String(process.pid)], { stdio: "ignore" }).status === 0;
const SERVERS = [
  { id: "bare", label: "bare ws", script: "ws-bare.mjs" },
  { id: "tina4", label: "tina4", script: "ws-tina4.mjs" },
];

/** A client frame (masked), built once and written many times. */
function clientFrame(text) {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error("payload too large for the short frame form");
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i % 4];
  return out;
}

/** Opens a raw WebSocket; `onBytes(n)` gets the byte count of everything after the handshake. */
function rawSocket(port, path, onBytes) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    let open = false;
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      if (open) return onBytes(chunk.length);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!head.subarray(0, 12).toString().includes("101")) return reject(new Error(`upgrade refused: ${head.toString().split("\r\n")[0]}`));
      open = true;
      resolve(socket);
      if (head.length > end + 4) onBytes(head.length - end - 4);
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\n\r\n`);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Echo: each connection keeps ECHO_WINDOW messages in flight; counts replies in the measured window. */
async function echo(port, pid) {
  const frame = clientFrame("e" + "x".repeat(PAYLOAD - 1));
  // every batch size the loop can need, made once: the load must cost far less than the server
  const batches = Array.from({ length: ECHO_WINDOW + 1 }, (_, n) => Buffer.concat(Array(n).fill(frame)));
  const replySize = 2 + PAYLOAD;
  let counting = false;
  let replies = 0;
  const sockets = await Promise.all(Array.from({ length: ECHO_CONNECTIONS }, () => {
    let bytes = 0;
    let socket;
    const opened = rawSocket(port, "/ws/echo", (n) => {
      bytes += n;
      const whole = Math.floor(bytes / replySize);
      if (whole === 0) return;
      bytes -= whole * replySize;
      if (counting) replies += whole;
      for (let left = whole; left > 0; left -= ECHO_WINDOW) socket.write(batches[Math.min(left, ECHO_WINDOW)]);
    });
    return opened.then((s) => (socket = s));
  }));
  for (const socket of sockets) socket.write(batches[ECHO_WINDOW]);
  await sleep(WARMUP);
  counting = true;
  const started = performance.now();
  const cpuStart = cpuMs(pid);
  await sleep(DURATION);
  counting = false;
  const cpu = cpuMs(pid) - cpuStart;
  const rate = { wall: replies / ((performance.now() - started) / 1000), cpu: replies / (cpu / 1000) };
  for (const socket of sockets) socket.destroy();
  return rate;
}

/** Fan-out: FANOUT_SOCKETS members; a driver keeps FANOUT_WINDOW broadcasts in flight. */
async function fanout(port, pid) {
  const frame = clientFrame("b" + "x".repeat(PAYLOAD - 1));
  const messageSize = 2 + PAYLOAD;
  let delivered = 0;
  let sent = 0;
  let driver;
  const members = [];
  for (let i = 0; i < FANOUT_SOCKETS; i += 100) {
    members.push(...(await Promise.all(Array.from({ length: Math.min(100, FANOUT_SOCKETS - i) }, () => rawSocket(port, "/ws/member", (n) => {
      delivered += n / messageSize;
      pump();
    })))));
  }
  driver = await rawSocket(port, "/ws/driver", () => undefined);
  function pump() {
    while (sent - Math.floor(delivered / FANOUT_SOCKETS) < FANOUT_WINDOW) {
      sent++;
      driver.write(frame);
    }
  }
  pump();
  await sleep(WARMUP);
  const startDelivered = delivered;
  const started = performance.now();
  const cpuStart = cpuMs(pid);
  await sleep(DURATION);
  const count = delivered - startDelivered;
  const rate = { wall: count / ((performance.now() - started) / 1000), cpu: count / ((cpuMs(pid) - cpuStart) / 1000) };
  driver.destroy();
  for (const socket of members) socket.destroy();
  return rate;
}

const results = Object.fromEntries(SERVERS.map((s) => [s.id, { echo: { wall: 0, cpu: 0 }, fanout: { wall: 0, cpu: 0 } }]));
const fmt = (n) => Math.round(n).toLocaleString("en-US").padStart(10);
say(`realtime benchmark: echo (${ECHO_CONNECTIONS} connections × ${ECHO_WINDOW} in flight) and fan-out to ${FANOUT_SOCKETS} sockets, ${PAYLOAD}-byte messages, ${ROUNDS} interleaved round(s) of ${DURATION / 1000}s, ${pinned ? "load on core 0, server on core 1" : "not pinned"}`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const server of SERVERS) {
    for (const scenario of ["echo", "fanout"]) {
      const child = await startServer(server.script, [], pinned ? { cpus: "1" } : {});
      try {
        const rate = scenario === "echo" ? await echo(child.port, child.pid) : await fanout(child.port, child.pid);
        const best = results[server.id][scenario];
        best.wall = Math.max(best.wall, rate.wall);
        best.cpu = Math.max(best.cpu, rate.cpu);
        say(`  round ${round} ${server.label.padEnd(8)} ${scenario.padEnd(7)} ${fmt(rate.wall)} msg/s ${fmt(rate.cpu)} msg per server CPU-s`);
      } finally {
        await child.stop();
      }
    }
  }
}
const row = (scenario) => ({
  bare: { wall: Math.round(results.bare[scenario].wall), cpu: Math.round(results.bare[scenario].cpu) },
  tina4: { wall: Math.round(results.tina4[scenario].wall), cpu: Math.round(results.tina4[scenario].cpu) },
  ratio: Number((results.tina4[scenario].cpu / results.bare[scenario].cpu).toFixed(3)),
  wallRatio: Number((results.tina4[scenario].wall / results.bare[scenario].wall).toFixed(3)),
});
const summary = { echo: row("echo"), fanout: row("fanout"), goal: 0.9 };
if (json) console.log(JSON.stringify(summary, null, 2));
for (const [name, r] of [["echo   ", summary.echo], ["fan-out", summary.fanout]]) {
  say(`${name}  per server CPU-s: bare ws ${fmt(r.bare.cpu)} · tina4 ${fmt(r.tina4.cpu)} · ${r.ratio.toFixed(2)}× (goal ≥ 0.90×)   wall: ${r.wallRatio.toFixed(2)}×`);
}
process.exitCode = summary.echo.ratio >= 0.9 && summary.fanout.ratio >= 0.9 ? 0 : 1;
