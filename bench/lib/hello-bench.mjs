// The hello route under one server script in several modes (one scenario each): options from the
// environment, each server in its own child process pinned to core 0 with taskset while this
// process (autocannon) is pinned to core 1, interleaved rounds with the best (or the median) kept, and a Markdown table
// relative to a baseline scenario (the load itself: server-bench.mjs). Used by bench/auth.mjs and bench/ops.mjs.
//
// Environment: BENCH_DURATION (5 s), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (100),
// BENCH_PIPELINING (10), BENCH_ROUNDS (2, interleaved, best kept), BENCH_ONLY (ids), BENCH_RATE
// (requests/s for all connections together; unset: as fast as the server answers). A fixed rate
// below every scenario's capacity compares CPU per request at equal batching, which varies less
// on a loaded machine than flat-out runs do.
import autocannon from "autocannon";
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { request } from "node:http";
import { startServer } from "./spawn-server.mjs";
import { loadServer } from "./server-bench.mjs";
import { HELLO_BODY, HELLO_PATH } from "./payload.mjs";
import { median } from "./stats.mjs";

/** GET the hello route with `headers`: must answer `expectStatus` (and `expectBody` when given). */
export function checkHello(port, headers, expectStatus, expectBody) {
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

/**
 * name: for the banner ("bench/auth"); script: the server under bench/servers/, started with the
 * scenario id as its argument, or its `args` (its info.headers go on every request); scenarios:
 * [{ id, label, args?, script? (another server for this scenario) }], the first one being the baseline of the "vs" column; verify(scenario,
 * port): extra checks before the load (the 200 + hello body check always runs); stat: "best"
 * (the round with the most req/s) or "median" (of each figure over the rounds).
 */
export async function benchHello({ name, script, scenarios: all, verify = async () => {}, stat = "best" }) {
  const env = process.env;
  const opts = {
    duration: Number(env.BENCH_DURATION ?? 5),
    warmup: Number(env.BENCH_WARMUP ?? 2),
    connections: Number(env.BENCH_CONNECTIONS ?? 100),
    pipelining: Number(env.BENCH_PIPELINING ?? 10),
    rounds: Number(env.BENCH_ROUNDS ?? 2),
    only: (env.BENCH_ONLY ?? "").split(",").filter(Boolean),
    rate: Number(env.BENCH_RATE ?? 0),
  };
  const baseline = all[0].id;
  const scenarios = opts.only.length ? all.filter((s) => opts.only.includes(s.id)) : all;
  const pin = cpus().length > 1 ? "0" : undefined;
  // the load generator on the other core, so the server's core is its own
  if (pin) spawnSync("taskset", ["-a", "-pc", "1", String(process.pid)], { stdio: "ignore" });

  async function measure(scenario) {
    const server = await startServer(scenario.script ?? script, scenario.args ?? [scenario.id], { cpus: pin });
    try {
      const headers = server.info.headers ?? {};
      await checkHello(server.port, headers, 200, HELLO_BODY);
      await verify(scenario, server.port);
      const cannon = (port, duration, expectBody) => autocannon({ url: `http://127.0.0.1:${port}${HELLO_PATH}`, headers, connections: opts.connections, pipelining: opts.pipelining, duration, ...(opts.rate ? { overallRate: opts.rate } : {}), ...(expectBody ? { expectBody } : {}) });
      return await loadServer(server, { id: scenario.id, cannon, warmup: opts.warmup, duration: opts.duration, warmupBody: HELLO_BODY });
    } finally {
      await server.stop();
    }
  }

  process.stderr.write(`${name}: autocannon -c ${opts.connections} -p ${opts.pipelining} -d ${opts.duration}${opts.rate ? ` -R ${opts.rate}` : ""}, warm-up ${opts.warmup}s, ${stat} of ${opts.rounds}; server pinned to core ${pin ?? "(none: 1 core)"}${pin ? ", load generator to core 1" : ""}; Node ${process.version}\n`);
  const runs = Object.fromEntries(scenarios.map((s) => [s.id, []]));
  for (let round = 1; round <= opts.rounds; round++) {
    for (const scenario of scenarios) {
      const run = await measure(scenario);
      runs[scenario.id].push(run);
      process.stderr.write(`  round ${round} ${scenario.label.padEnd(32)} ${Math.round(run.reqPerSec).toLocaleString("en-US").padStart(8)} req/s  p99 ${run.p99Ms} ms  server CPU ${run.serverCpuUsPerReq?.toFixed(1) ?? "?"} µs/req\n`);
    }
  }
  const pick = (list) => (stat === "median" ? medianRun(list) : list.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a)));
  const best = Object.fromEntries(Object.entries(runs).map(([id, list]) => [id, pick(list)]));
  console.log(`\n| scenario | req/s | µs/req (1e6 / req/s) | server CPU µs/req | p99 ms | vs ${baseline} |`);
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const s of scenarios) {
    const r = best[s.id];
    const vs = best[baseline] ? `${(r.reqPerSec / best[baseline].reqPerSec).toFixed(2)}×` : "";
    console.log(`| ${s.label} | ${Math.round(r.reqPerSec).toLocaleString("en-US")} | ${(1e6 / r.reqPerSec).toFixed(1)} | ${r.serverCpuUsPerReq?.toFixed(1) ?? "?"} | ${r.p99Ms} | ${vs} |`);
  }
}

/** Each figure's median over the rounds (the figures may come from different rounds). */
function medianRun(list) {
  return { reqPerSec: median(list.map((r) => r.reqPerSec)), p99Ms: median(list.map((r) => r.p99Ms)), serverCpuUsPerReq: median(list.map((r) => r.serverCpuUsPerReq)) };
}
