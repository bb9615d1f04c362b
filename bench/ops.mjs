#!/usr/bin/env node
// Operations cost: hello JSON on tina4 with nothing, with the request log at info (one JSON line
// per request to a file), with /__metrics counting, and with both. Each server runs in its own
// child process pinned to core 0 with taskset; this process (autocannon) gets the other core.
// Run after a build: `node scripts/build.mjs && node bench/ops.mjs`.
// Environment: BENCH_DURATION (5), BENCH_WARMUP (2), BENCH_CONNECTIONS (100), BENCH_PIPELINING (10),
// BENCH_ROUNDS (2), BENCH_ONLY (ids).
import autocannon from "autocannon";
import { cpus } from "node:os";
import { request } from "node:http";
import { startServer } from "./lib/spawn-server.mjs";
import { checkLoad } from "./lib/check.mjs";
import { cpuMs } from "./lib/proc-cpu.mjs";
import { HELLO_BODY, HELLO_PATH } from "./lib/payload.mjs";

const SCENARIOS = [
  { id: "off", label: "hello, logging off" },
  { id: "log", label: "hello, request log (JSON file)" },
  { id: "metrics", label: "hello, metrics on" },
  { id: "log+metrics", label: "hello, log + metrics" },
];
const env = process.env;
const opts = {
  duration: Number(env.BENCH_DURATION ?? 5),
  warmup: Number(env.BENCH_WARMUP ?? 2),
  connections: Number(env.BENCH_CONNECTIONS ?? 100),
  pipelining: Number(env.BENCH_PIPELINING ?? 10),
  rounds: Number(env.BENCH_ROUNDS ?? 2),
  only: (env.BENCH_ONLY ?? "").split(",").filter(Boolean),
};
const scenarios = opts.only.length ? SCENARIOS.filter((s) => opts.only.includes(s.id)) : SCENARIOS;
const pin = cpus().length > 1 ? "0" : undefined;

/** The route must answer 200 with the hello body. */
function check(port, headers, expectStatus, expectBody) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: HELLO_PATH, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => {
        if (res.statusCode !== expectStatus || (expectBody !== undefined && body !== expectBody)) {
          reject(new Error(`GET ${HELLO_PATH}: ${res.statusCode} ${body.slice(0, 120)}, expected ${expectStatus}`));
        } else resolve();
      });
    });
    req.on("error", reject);
    req.end();
  });
}

async function measure(scenario) {
  const server = await startServer("tina4-ops.mjs", [scenario.id], { cpus: pin });
  try {
    const headers = server.info.headers ?? {};
    await check(server.port, headers, 200, HELLO_BODY);
    const cannon = (duration, expectBody) => autocannon({ url: `http://127.0.0.1:${server.port}${HELLO_PATH}`, headers, connections: opts.connections, pipelining: opts.pipelining, duration, ...(expectBody ? { expectBody } : {}) });
    if (opts.warmup > 0) checkLoad(await cannon(opts.warmup, HELLO_BODY), `${scenario.id} warm-up`);
    const before = cpuMs(server.pid);
    const result = await cannon(opts.duration);
    const after = cpuMs(server.pid);
    checkLoad(result, `${scenario.id} measurement`);
    return {
      reqPerSec: result.requests.average,
      p99Ms: result.latency.p99,
      serverCpuUsPerReq: before === null || after === null ? null : ((after - before) * 1000) / result.requests.total,
    };
  } finally {
    await server.stop();
  }
}

process.stderr.write(`bench/ops: autocannon -c ${opts.connections} -p ${opts.pipelining} -d ${opts.duration}, warm-up ${opts.warmup}s, best of ${opts.rounds}; server pinned to core ${pin ?? "(none: 1 core)"}; Node ${process.version}\n`);
const runs = Object.fromEntries(scenarios.map((s) => [s.id, []]));
for (let round = 1; round <= opts.rounds; round++) {
  for (const scenario of scenarios) {
    const run = await measure(scenario);
    runs[scenario.id].push(run);
    process.stderr.write(`  round ${round} ${scenario.label.padEnd(32)} ${Math.round(run.reqPerSec).toLocaleString("en-US").padStart(8)} req/s  p99 ${run.p99Ms} ms  server CPU ${run.serverCpuUsPerReq?.toFixed(1) ?? "?"} µs/req\n`);
  }
}
const best = Object.fromEntries(Object.entries(runs).map(([id, list]) => [id, list.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a))]));
console.log("\n| scenario | req/s | µs/req (1e6 / req/s) | server CPU µs/req | p99 ms | vs off |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const s of scenarios) {
  const r = best[s.id];
  const vs = best.off ? `${(r.reqPerSec / best.off.reqPerSec).toFixed(2)}×` : "";
  console.log(`| ${s.label} | ${Math.round(r.reqPerSec).toLocaleString("en-US")} | ${(1e6 / r.reqPerSec).toFixed(1)} | ${r.serverCpuUsPerReq?.toFixed(1) ?? "?"} | ${r.p99Ms} | ${vs} |`);
}
