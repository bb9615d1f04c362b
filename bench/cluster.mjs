// Production start and cluster throughput.
// 1. Start time: a built 1,000-route app, `tina4 serve --production --workers 1`, from spawn
//    to the first 200 on the last route (median of 5 starts). The first start after a build
//    writes the workers' code caches and is reported on its own (`firstStartAfterBuildMs`).
// 2. Throughput: GET /api/hello with autocannon (run in a separate process) against
//    `--workers 2` and against `--workers 1` (a single app process behind the primary).
// Usage: node bench/cluster.mjs [routes=1000] [seconds=8]
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const repo = join(import.meta.dirname, "..");
const bin = join(repo, "bin", "tina4");
const routeCount = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 8);
const env = { ...process.env, NO_COLOR: "1" };

const dir = join(mkdtempSync(join(tmpdir(), "tina4-bench-cluster-")), "app");
if (spawnSync(process.execPath, [bin, "init", dir, "--yes"], { env }).status !== 0) throw new Error("init failed");
for (let i = 0; i < routeCount; i++) {
  const folder = join(dir, "src", "routes", "items", `r${i}`, "[id:int]");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "get.ts"), `import type { Request } from "tina4";\nexport default (req: Request) => ({ route: ${i}, id: req.params.id });\n`);
}
const build = spawnSync(process.execPath, [bin, "build"], { cwd: dir, env, encoding: "utf8" });
if (build.status !== 0) throw new Error(build.stderr);
console.error(build.stdout.trim());

function start(workers, port) {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, "serve", "--production", "--workers", String(workers), "--port", String(port), "--host", "127.0.0.1"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const stop = () => new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
  return { child, started, output: () => output, stop };
}

const status = (url) => new Promise((resolve) => {
  const req = http.get(url, { agent: false }, (res) => {
    res.resume();
    res.on("end", () => resolve(res.statusCode));
  });
  req.on("error", () => resolve(0));
});

async function firstOk(url, started, child) {
  for (;;) {
    if (child.exitCode !== null) throw new Error("server exited");
    if ((await status(url)) === 200) return performance.now() - started;
    await sleep(2);
  }
}

const port = 7600 + Math.floor(Math.random() * 300);
const startTimes = [];
let firstStart = 0;
for (let run = -1; run < 5; run++) {
  const server = start(1, port);
  const ms = await firstOk(`http://127.0.0.1:${port}/items/r${routeCount - 1}/7`, server.started, server.child);
  if (run < 0) firstStart = ms;
  else startTimes.push(ms);
  await server.stop();
}
startTimes.sort((a, b) => a - b);

const autocannon = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
async function throughput(workers) {
  const server = start(workers, port);
  await firstOk(`http://127.0.0.1:${port}/api/hello`, server.started, server.child);
  await sleep(300);
  const run = spawnSync(process.execPath, [autocannon, "-c", "50", "-d", String(seconds), "-j", `http://127.0.0.1:${port}/api/hello`], { encoding: "utf8", maxBuffer: 1 << 26 });
  await server.stop();
  const report = JSON.parse(run.stdout);
  return { reqPerSec: Math.round(report.requests.average), p99ms: report.latency.p99, errors: report.errors + report.non2xx };
}
const one = await throughput(1);
const two = await throughput(2);
rmSync(join(dir, ".."), { recursive: true, force: true });

console.log(JSON.stringify({
  routes: routeCount,
  startToFirst200ms: { median: +startTimes[2].toFixed(1), min: +startTimes[0].toFixed(1), max: +startTimes[4].toFixed(1) },
  firstStartAfterBuildMs: +firstStart.toFixed(1),
  workers1: one,
  workers2: two,
  ratio: +(two.reqPerSec / one.reqPerSec).toFixed(2),
}));
