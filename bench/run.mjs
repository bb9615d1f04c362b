#!/usr/bin/env node
// HTTP benchmark: hello JSON on raw node:http, Fastify 5, Express 5 and tina4, then tina4 with
// 10 vs 1,000 registered routes hitting a parameterised route. Every server runs in its own
// child process; this process only generates load (autocannon), so on a 2-core machine the
// server and the load generator each get a core. Run after a build: `npm run bench`.
//
// Options (flag or environment variable; flags win):
//   --duration N     BENCH_DURATION     seconds measured per run            (7)
//   --warmup N       BENCH_WARMUP       seconds of warm-up load per run     (2)
//   --connections N  BENCH_CONNECTIONS  autocannon -c                       (100)
//   --pipelining N   BENCH_PIPELINING   autocannon -p                       (10)
//   --rounds N       BENCH_ROUNDS       interleaved rounds, best one kept   (3)
//   --only a,b       BENCH_ONLY         scenario ids to run (see --list)
//   --profile id     BENCH_PROFILE      run that scenario's server with --cpu-prof and print its
//                                      top self-time functions (profiles go to $TMPDIR)
//   --ab FILE        BENCH_AB_RUNTIME   A/B: every selected tina4 scenario also runs against this
//                                      other built runtime (e.g. a git worktree's
//                                      dist/runtime/index.js), right after its twin in each round,
//                                      as "<id>@ab"; the table adds each pair's ratios
//   --json                              print one JSON document on stdout (progress → stderr)
//   --list, --help
import autocannon from "autocannon";
import { cpus, tmpdir, totalmem } from "node:os";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { createRequire } from "node:module";
import { startServer } from "./lib/spawn-server.mjs";
import { checkLoad, checkResponse } from "./lib/check.mjs";
import { summarise } from "./lib/cpuprofile.mjs";
import { cpuMs } from "./lib/proc-cpu.mjs";
import { CATALOG_PATH, HELLO_BODY, HELLO_PATH, TARGET_BODY, TARGET_PATH } from "./lib/payload.mjs";
import { median } from "./lib/stats.mjs";

const SCENARIOS = [
  { id: "node-http", label: "node:http", script: "node-http.mjs", args: [], path: HELLO_PATH, body: HELLO_BODY },
  { id: "fastify", label: "Fastify 5", script: "fastify.mjs", args: [], path: HELLO_PATH, body: HELLO_BODY },
  { id: "express", label: "Express 5", script: "express.mjs", args: [], path: HELLO_PATH, body: HELLO_BODY },
  { id: "tina4", label: "tina4", script: "tina4.mjs", args: [], path: HELLO_PATH, body: HELLO_BODY },
  { id: "tina4-10", label: "tina4, 10 routes", script: "tina4.mjs", args: ["10"], routes: 10, path: TARGET_PATH, body: TARGET_BODY },
  { id: "tina4-1000", label: "tina4, 1,000 routes", script: "tina4.mjs", args: ["1000"], routes: 1000, path: TARGET_PATH, body: TARGET_BODY },
  { id: "cache-none", label: "tina4 costly route, uncached", script: "tina4-cache.mjs", args: ["uncached"], path: CATALOG_PATH, body: HELLO_BODY },
  { id: "cache-memory", label: "tina4 costly route, responseCache memory HIT", script: "tina4-cache.mjs", args: ["memory"], path: CATALOG_PATH, body: HELLO_BODY },
  { id: "cache-redis", label: "tina4 costly route, responseCache Redis HIT", script: "tina4-cache.mjs", args: ["redis"], path: CATALOG_PATH, body: HELLO_BODY },
];

const TARGETS = [
  { name: "tina4 hello ≥ 1.00× Fastify", a: "tina4", b: "fastify", min: 1.0 },
  { name: "tina4 hello ≥ 0.95× node:http", a: "tina4", b: "node-http", min: 0.95 },
  { name: "1,000 routes ≥ 0.95× 10 routes", a: "tina4-1000", b: "tina4-10", min: 0.95 },
  { name: "responseCache memory HIT ≥ 0.95× tina4 hello", a: "cache-memory", b: "tina4", min: 0.95 },
];

const USAGE = `usage: node bench/run.mjs [--duration N] [--warmup N] [--connections N] [--pipelining N]
                         [--rounds N] [--only id,id] [--profile id] [--ab runtime/index.js] [--json] [--list]`;

function parseArgs(argv) {
  const env = process.env;
  const opts = {
    duration: env.BENCH_DURATION ?? "7",
    warmup: env.BENCH_WARMUP ?? "2",
    connections: env.BENCH_CONNECTIONS ?? "100",
    pipelining: env.BENCH_PIPELINING ?? "10",
    rounds: env.BENCH_ROUNDS ?? "3",
    only: env.BENCH_ONLY ?? "",
    profile: env.BENCH_PROFILE ?? "",
    ab: env.BENCH_AB_RUNTIME ?? "",
    json: false,
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case "--json": opts.json = true; break;
      case "--list": opts.list = true; break;
      case "--help": case "-h": console.log(USAGE); process.exit(0);
      case "--duration": case "--warmup": case "--connections": case "--pipelining": case "--rounds": case "--only": case "--profile": case "--ab":
        opts[flag.slice(2)] = value();
        break;
      default: fail(`unknown option ${arg}\n${USAGE}`);
    }
  }
  for (const key of ["duration", "warmup", "connections", "pipelining", "rounds"]) {
    const n = Number(opts[key]);
    const min = key === "warmup" ? 0 : 1;
    if (!Number.isInteger(n) || n < min) fail(`--${key} must be an integer ≥ ${min}, got "${opts[key]}"`);
    opts[key] = n;
  }
  if (opts.ab) {
    opts.ab = resolvePath(opts.ab);
    if (!existsSync(opts.ab)) fail(`--ab: no such file ${opts.ab} (build that tree first: node scripts/build.mjs)`);
  }
  const known = new Set(SCENARIOS.map((s) => s.id));
  // --profile may name an A/B twin too ("tina4@ab")
  const profilable = new Set(SCENARIOS.flatMap((s) => (opts.ab && s.script.startsWith("tina4") ? [s.id, `${s.id}@ab`] : [s.id])));
  opts.only = opts.only ? opts.only.split(",").map((s) => s.trim()).filter(Boolean) : [];
  for (const id of opts.only) if (!known.has(id)) fail(`unknown scenario "${id}" (known: ${[...known].join(", ")})`);
  if (opts.profile && !profilable.has(opts.profile)) fail(`unknown scenario "${opts.profile}" (known: ${[...profilable].join(", ")})`);
  return opts;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
if (opts.list) {
  for (const s of SCENARIOS) console.log(`${s.id.padEnd(12)} ${s.label} — GET ${s.path}`);
  process.exit(0);
}
const progress = (line) => process.stderr.write(`${line}\n`);
const selected = opts.only.length ? SCENARIOS.filter((s) => opts.only.includes(s.id)) : SCENARIOS;
// --ab: each tina4 scenario is followed by its twin on the other runtime, so both see the same load.
const scenarios = !opts.ab ? selected : selected.flatMap((s) =>
  s.script.startsWith("tina4") ? [s, { ...s, id: `${s.id}@ab`, label: `${s.label} (other runtime)`, twin: s.id, env: { TINA4_BENCH_RUNTIME: opts.ab } }] : [s]);
const profileDir = join(tmpdir(), `tina4-bench-profiles-${process.pid}`);
if (opts.profile) mkdirSync(profileDir, { recursive: true });

function cannon(port, path, duration, expectBody) {
  return autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: opts.connections,
    pipelining: opts.pipelining,
    duration,
    ...(expectBody === undefined ? {} : { expectBody }),
  });
}

/** Start → validate → warm up (validated) → measure → stop. One server, one child process. */
async function measure(scenario) {
  const nodeArgs = opts.profile === scenario.id ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
  const server = await startServer(scenario.script, scenario.args, { nodeArgs, env: scenario.env });
  try {
    if (scenario.routes !== undefined && server.info.routes !== scenario.routes) {
      throw new Error(`${scenario.id}: server registered ${server.info.routes} routes, expected ${scenario.routes}`);
    }
    await checkResponse(server.port, scenario.path, scenario.body);
    if (opts.warmup > 0) {
      const warm = await cannon(server.port, scenario.path, opts.warmup, scenario.body);
      checkLoad(warm, `${scenario.id} warm-up`);
    }
    const cpuBefore = cpuMs(server.pid);
    const result = await cannon(server.port, scenario.path, opts.duration);
    const cpuAfter = cpuMs(server.pid);
    checkLoad(result, `${scenario.id} measurement`);
    await checkResponse(server.port, scenario.path, scenario.body);
    return {
      reqPerSec: result.requests.average,
      p99Ms: result.latency.p99,
      p50Ms: result.latency.p50,
      total: result.requests.total,
      // Server-side CPU per request: far steadier than req/s on a shared 2-core machine.
      serverCpuUsPerReq: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
      throughputBytesPerSec: result.throughput.average,
    };
  } finally {
    await server.stop();
  }
}

const pkg = (name) => createRequire(import.meta.url)(`${name}/package.json`).version;
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model?.trim() ?? "unknown",
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  versions: { autocannon: pkg("autocannon"), fastify: pkg("fastify"), express: pkg("express") },
};
const flags = `-c ${opts.connections} -p ${opts.pipelining} -d ${opts.duration}`;
progress(`bench: autocannon ${flags}, warm-up ${opts.warmup}s, best of ${opts.rounds} interleaved round(s); ` +
  `${machine.cores} cores, Node ${machine.node}`);
if (opts.ab) progress(`bench: A/B — "@ab" scenarios run ${opts.ab}`);

const runs = Object.fromEntries(scenarios.map((s) => [s.id, []]));
for (let round = 1; round <= opts.rounds; round++) {
  for (const scenario of scenarios) {
    const run = await measure(scenario);
    runs[scenario.id].push(run);
    progress(`  round ${round}/${opts.rounds} ${scenario.label.padEnd(20)} ${fmtInt(run.reqPerSec).padStart(9)} req/s  p99 ${run.p99Ms} ms  server CPU ${fmtUs(run.serverCpuUsPerReq)} µs/req`);
  }
}

const best = Object.fromEntries(
  Object.entries(runs).map(([id, list]) => [id, list.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a))]),
);
const ratio = (a, b) => (best[a] && best[b] ? best[a].reqPerSec / best[b].reqPerSec : null);
const rows = scenarios.map((s) => ({
  id: s.id,
  label: s.label,
  path: s.path,
  reqPerSec: best[s.id].reqPerSec,
  p99Ms: best[s.id].p99Ms,
  serverCpuUsPerReq: minOf(runs[s.id].map((r) => r.serverCpuUsPerReq)),
  vsNodeHttp: ratio(s.id, "node-http"),
  vsFastify: ratio(s.id, "fastify"),
  rounds: runs[s.id].map((r) => ({ reqPerSec: r.reqPerSec, p99Ms: r.p99Ms, serverCpuUsPerReq: r.serverCpuUsPerReq })),
}));
const routeRatio = ratio("tina4-1000", "tina4-10");
// Each A/B pair: this tree over the other runtime (req/s best of rounds, CPU the rounds' minimum).
const abPairs = scenarios.filter((s) => s.twin).map((s) => {
  const cpu = (id) => rows.find((r) => r.id === id).serverCpuUsPerReq;
  const cpuRatio = cpu(s.twin) !== null && cpu(s.id) !== null ? cpu(s.twin) / cpu(s.id) : null;
  // The same round's pair ran back to back: the median of their ratios is the steadiest figure
  // when a server lands on one of the machine's two speeds per start (docs/benchmarks.md).
  const perRound = runs[s.twin].map((run, i) => run.serverCpuUsPerReq !== null && runs[s.id][i].serverCpuUsPerReq !== null ? run.serverCpuUsPerReq / runs[s.id][i].serverCpuUsPerReq : null).filter((r) => r !== null);
  return { id: s.twin, reqPerSecRatio: ratio(s.twin, s.id), serverCpuRatio: cpuRatio, serverCpuRatioPerRound: perRound, serverCpuRatioMedian: perRound.length ? median(perRound) : null };
});
const targets = TARGETS.map((t) => {
  const value = ratio(t.a, t.b);
  return { name: t.name, ratio: value, min: t.min, met: value === null ? null : value >= t.min };
});

if (opts.json) {
  const doc = {
    command: `node bench/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    autocannon: { connections: opts.connections, pipelining: opts.pipelining, duration: opts.duration },
    warmupSeconds: opts.warmup,
    rounds: opts.rounds,
    aggregation: "best req/s of interleaved rounds",
    machine,
    results: rows,
    routeCountRatio: routeRatio,
    ...(opts.ab ? { ab: { runtime: opts.ab, pairs: abPairs } } : {}),
    targets,
  };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
} else {
  console.log(`\nautocannon ${flags} (warm-up ${opts.warmup}s, validated); best of ${opts.rounds} interleaved round(s)`);
  console.log(`${machine.cores} cores (${machine.cpu}), Node ${machine.node}, fastify ${machine.versions.fastify}, express ${machine.versions.express}\n`);
  console.log(markdownTable(rows));
  if (routeRatio !== null) console.log(`\ntina4 1,000 routes / 10 routes: ${routeRatio.toFixed(3)}×`);
  if (abPairs.length) {
    console.log(`\nA/B, this tree / ${opts.ab}:`);
    for (const p of abPairs) {
      const cpu = p.serverCpuRatio === null ? "–" : `${p.serverCpuRatio.toFixed(3)}×`;
      const rounds = p.serverCpuRatioPerRound.map((r) => r.toFixed(2)).join(", ");
      const mid = p.serverCpuRatioMedian === null ? "–" : `${p.serverCpuRatioMedian.toFixed(3)}×`;
      console.log(`  ${p.id.padEnd(12)} req/s ${p.reqPerSecRatio.toFixed(3)}×   server CPU µs/req ${cpu} (best rounds); per round ${rounds}: median ${mid}`);
    }
  }
  const judged = targets.filter((t) => t.met !== null);
  if (judged.length) {
    console.log("\nTargets:");
    for (const t of judged) console.log(`  ${t.met ? "met   " : "MISSED"} ${t.name}: ${t.ratio.toFixed(3)}×`);
  }
}

if (opts.profile) {
  const files = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile")).sort();
  for (const file of files) {
    const { totalMs, top } = summarise(join(profileDir, file), 30);
    progress(`\nCPU profile of ${opts.profile}: ${join(profileDir, file)} (${(totalMs / 1000).toFixed(1)} s sampled, incl. warm-up)`);
    for (const row of top) progress(`  ${row.pct.toFixed(1).padStart(5)}%  ${row.selfMs.toFixed(0).padStart(7)} ms  ${row.name}  ${row.where}`);
  }
}

function markdownTable(list) {
  const header = ["Server", "GET", "req/s", "p99 (ms)", "× node:http", "× Fastify", "server CPU µs/req"];
  const body = list.map((r) => [
    r.label,
    `\`${r.path}\``,
    fmtInt(r.reqPerSec),
    String(r.p99Ms),
    r.vsNodeHttp === null ? "–" : `${r.vsNodeHttp.toFixed(2)}×`,
    r.vsFastify === null ? "–" : `${r.vsFastify.toFixed(2)}×`,
    fmtUs(r.serverCpuUsPerReq),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i >= 2 ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

function fmtUs(n) {
  return n === null ? "–" : n.toFixed(1);
}

function minOf(values) {
  const known = values.filter((v) => v !== null);
  return known.length ? Math.min(...known) : null;
}

function fmtInt(n) {
  return Math.round(n).toLocaleString("en-US");
}
