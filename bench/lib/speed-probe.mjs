// How fast the server's core is right now, measured apart from the server. On this shared VM
// the same server binary, alone on its core (no other process there, no steal reported), costs
// up to 1.5× more CPU per request in some runs than in others. A probe pinned to the server's
// core, run just before and after each measured run while the server is idle, times a fixed
// piece of work like a server's (allocation, JSON, a Map, a system call) and a walk through
// memory that misses the caches: when its figures stay put while a server's CPU per request
// jumps, the core was not slower — the difference lies in the run itself (how the load arrived:
// wrk shares its core with other work), which is what the 2026-12-05 runs showed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";

// The child: waits for a line on stdin, then times WORK_MS of work and prints "<cpu> <mem>":
// ns per unit of server-like work, and ns per cache-missing memory load (a slower memory path
// shows in the second and not in the first).
const CHILD = String.raw`
const { fstatSync } = require("node:fs");
const map = new Map(Array.from({ length: 256 }, (_, i) => ["k" + i, i]));
let sink = 0;
function unit(i) {
  const o = { message: "Hello, World!", id: i, list: [i, i + 1] };
  sink += JSON.stringify(o).length + map.get("k" + (i & 255));
  if ((i & 63) === 0) sink += fstatSync(0).size;
}
// a random cycle through 32 MiB: each step a dependent load that misses the caches
const SLOTS = 1 << 23;
const next = new Int32Array(SLOTS);
{
  const order = new Int32Array(SLOTS);
  for (let i = 0; i < SLOTS; i++) order[i] = i;
  for (let i = SLOTS - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); const t = order[i]; order[i] = order[j]; order[j] = t; }
  for (let i = 0; i < SLOTS; i++) next[order[i]] = order[(i + 1) % SLOTS];
}
let at = 0;
function chase(steps) { let p = at; for (let i = 0; i < steps; i++) p = next[p]; at = p; }
for (let i = 0; i < 2e5; i++) unit(i); // compiled before the first timing
chase(1e5);
function timed(ms, step, per) {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  let n = 0;
  const t0 = process.hrtime.bigint();
  let now = t0;
  while (now < end) {
    step(n);
    n += per;
    now = process.hrtime.bigint();
  }
  return (Number(now - t0) / n).toFixed(1);
}
process.stdin.setEncoding("utf8");
process.stdin.on("data", () => {
  const ms = Number(process.env.WORK_MS) / 2;
  const cpu = timed(ms, (n) => { for (let k = 0; k < 1000; k++) unit(n + k); }, 1000);
  const mem = timed(ms, () => chase(10000), 10000);
  process.stdout.write(cpu + " " + mem + "\n");
});
`;

/**
 * Starts the probe on `core` (null: unpinned). `measure()` resolves { cpuNs, memNs } (lower is
 * faster) over `workMs`; `stop()` ends it.
 */
export async function startSpeedProbe(core, workMs = 200) {
  const args = ["-e", CHILD];
  const pinned = core !== null && core !== undefined && existsSync("/usr/bin/taskset");
  const child = spawn(pinned ? "/usr/bin/taskset" : process.execPath, pinned ? ["-c", String(core), process.execPath, ...args] : args, {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, WORK_MS: String(workMs) },
  });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on("line", (line) => {
    const [cpuNs, memNs] = line.split(" ").map(Number);
    waiting.shift()?.({ cpuNs, memNs });
  });
  return {
    measure() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write("go\n");
      });
    },
    async stop() {
      child.stdin.end();
      child.kill();
      if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
    },
  };
}
