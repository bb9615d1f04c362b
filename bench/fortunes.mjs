#!/usr/bin/env node
// Template rendering benchmark, the TechEmpower "fortunes" shape from memory: 12 stored rows
// plus one added per request, sorted by message, HTML-escaped into a table by one Twig
// template (bench/templates/fortunes.twig). tina4 (`res.render`, twig.js through
// runtime/templates) against Fastify 5 + @fastify/view with the same engine (twig.js) and
// template. Same run, interleaved rounds (the order alternates); each server in its own child
// process pinned to core 1 with taskset, the load generator (this process) to core 0. Both
// pages are checked byte for byte before any number is taken. Run after a build: `npm run bench`.
//
// Options (flag or environment variable; flags win):
//   --duration N     BENCH_DURATION     seconds measured per run            (7)
//   --warmup N       BENCH_WARMUP       seconds of warm-up load per run     (2)
//   --connections N  BENCH_CONNECTIONS  autocannon -c                       (64)
//   --pipelining N   BENCH_PIPELINING   autocannon -p                       (1)
//   --rounds N       BENCH_ROUNDS       interleaved rounds                  (5)
//   --json                              print one JSON document on stdout (progress → stderr)
import autocannon from "autocannon";
import { cpus } from "node:os";
import { createRequire } from "node:module";
import { measureServer, parseBenchArgs, pinLoadGenerator } from "./lib/server-bench.mjs";
import { fetchOnce } from "./lib/check.mjs";
import { FORTUNES_PATH, expectedFortunesPage } from "./lib/fortunes.mjs";
import { median } from "./lib/stats.mjs";

const SERVERS = [
  { id: "tina4", label: "tina4 res.render (twig.js)", script: "fortunes-tina4.mjs" },
  { id: "fastify", label: "Fastify 5 + @fastify/view (twig.js)", script: "fortunes-fastify.mjs" },
];
const GOAL = 1.0;

const opts = parseBenchArgs("bench/fortunes", process.argv.slice(2), { duration: "7", warmup: "2", connections: "64", pipelining: "1", rounds: "5" });
const progress = (line) => process.stderr.write(`${line}\n`);
const { pinned, serverCpus } = pinLoadGenerator();
const expected = expectedFortunesPage();

/** A server that answers anything but the exact page posts no number. */
async function checkPage(port, id) {
  const res = await fetchOnce(port, FORTUNES_PATH);
  if (res.status !== 200) throw new Error(`${id}: status ${res.status} (${res.body.slice(0, 200)})`);
  if (!String(res.headers["content-type"]).startsWith("text/html")) throw new Error(`${id}: content-type ${res.headers["content-type"]}`);
  if (res.body !== expected) throw new Error(`${id}: the page differs from the expected one:\n${res.body.slice(0, 400)}`);
}

function cannon(port, duration) {
  return autocannon({ url: `http://127.0.0.1:${port}${FORTUNES_PATH}`, connections: opts.connections, pipelining: opts.pipelining, duration });
}

function measure(server) {
  return measureServer({ id: server.id, script: server.script, serverCpus, check: (port) => checkPage(port, server.id), cannon, warmup: opts.warmup, duration: opts.duration });
}

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
const version = (name) => createRequire(import.meta.url)(`${name}/package.json`).version;

progress(`bench/fortunes: autocannon -c ${opts.connections} -p ${opts.pipelining} -d ${opts.duration} (warm-up ${opts.warmup}s), ` +
  `${opts.rounds} interleaved round(s), ${pinned ? "load on core 0, server on core 1" : "not pinned (taskset unavailable or one core)"}`);
const runs = Object.fromEntries(SERVERS.map((s) => [s.id, []]));
const ratios = [];
for (let round = 1; round <= opts.rounds; round++) {
  const order = round % 2 ? SERVERS : [...SERVERS].reverse();
  const results = {};
  for (const server of order) {
    const run = await measure(server);
    results[server.id] = run;
    runs[server.id].push(run);
    progress(`  round ${round}/${opts.rounds} ${server.label.padEnd(36)} ${fmtInt(run.reqPerSec).padStart(8)} req/s  p99 ${run.p99Ms} ms  server CPU ${run.serverCpuUsPerReq?.toFixed(1) ?? "–"} µs/req`);
  }
  ratios.push(results.tina4.reqPerSec / results.fastify.reqPerSec);
}

const summary = SERVERS.map((s) => ({
  id: s.id,
  label: s.label,
  medianReqPerSec: median(runs[s.id].map((r) => r.reqPerSec)),
  medianP99Ms: median(runs[s.id].map((r) => r.p99Ms)),
  medianServerCpuUsPerReq: median(runs[s.id].map((r) => r.serverCpuUsPerReq)),
  rounds: runs[s.id],
}));
const ratio = median(ratios);
const cpuRatio = summary[1].medianServerCpuUsPerReq && summary[0].medianServerCpuUsPerReq ? summary[1].medianServerCpuUsPerReq / summary[0].medianServerCpuUsPerReq : null;

if (opts.json) {
  process.stdout.write(`${JSON.stringify({
    command: `node bench/fortunes.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    autocannon: { connections: opts.connections, pipelining: opts.pipelining, duration: opts.duration, warmup: opts.warmup },
    rounds: opts.rounds,
    pinned,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model?.trim() ?? "unknown", node: process.version },
    versions: { twig: version("twig"), fastify: version("fastify"), "@fastify/view": version("@fastify/view") },
    results: summary,
    roundRatios: ratios,
    ratio,
    goal: { min: GOAL, met: ratio >= GOAL },
  }, null, 2)}\n`);
} else {
  console.log(`\nfortunes (twig.js ${version("twig")}, Fastify ${version("fastify")}, @fastify/view ${version("@fastify/view")}), ` +
    `autocannon -c ${opts.connections} -p ${opts.pipelining} -d ${opts.duration}, median of ${opts.rounds} interleaved rounds${pinned ? ", load and server on separate cores" : ""}\n`);
  console.log("| Server | req/s | p99 (ms) | server CPU µs/req |");
  console.log("|---|---:|---:|---:|");
  for (const row of summary) console.log(`| ${row.label} | ${fmtInt(row.medianReqPerSec)} | ${row.medianP99Ms} | ${row.medianServerCpuUsPerReq?.toFixed(1) ?? "–"} |`);
  console.log(`\ntina4 ÷ Fastify req/s: ${ratio.toFixed(3)}× (median of per-round ratios ${ratios.map((r) => r.toFixed(3)).join(", ")})` +
    (cpuRatio ? `; Fastify CPU per request ÷ tina4: ${cpuRatio.toFixed(3)}×` : ""));
  console.log(`Goal tina4 ≥ ${GOAL.toFixed(2)}× Fastify: ${ratio >= GOAL ? "met" : "MISSED"}`);
}
