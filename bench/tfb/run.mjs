#!/usr/bin/env node
// TechEmpower test types — tina4 vs Fastify 5 vs Express 5 on PostgreSQL, and raw node:http for
// /json and /plaintext (`npm run bench:tfb`; results and method in docs/benchmarks.md).
// Seeds the TFB tables in their own database, starts each server in its own process pinned to
// core 1 (taskset), validates every test type first (lib/validate.mjs: a server that breaks a
// rule is reported as failed for that type and not measured), then runs wrk pinned to core 0:
// warm-up, measured run, per test type, servers interleaved, for several rounds. Reports the
// median req/s, the median of the per-round ratios to Fastify, and the server's CPU µs/request;
// then every round's figures with what else the machine did during each measured run: other
// processes' share of the server core and steal (bench/lib/cpu-stat.mjs; a run with > 10 % is
// marked NOISY and left out of the "quiet rounds" ratio), and a speed probe pinned to the server
// core, timed before and after the run (bench/lib/speed-probe.mjs: whether the core itself was
// slow), and each ratio also by CPU per request, steadier than req/s when wrk's core is shared.
// More, shorter rounds (--rounds 7 --duration 3; each round restarts the servers) show the
// spread better than a few long ones.
//
// Options (flag or environment variable; flags win):
//   --duration N     TFB_DURATION     measured seconds per run                     (10)
//   --warmup N       TFB_WARMUP       warm-up seconds per run, as two wrk runs (1 s (3)
//                                     + the rest, ≥ 1 s; see warmupPasses)
//   --rounds N       TFB_ROUNDS       interleaved rounds                           (3)
//   --connections N  TFB_CONNECTIONS  wrk -c (wrk -t is 1)                         (64)
//   --pool N         TFB_POOL         database pool size, the same for every server (8)
//   --only a,b       TFB_ONLY         test ids (see --list)
//   --servers a,b    TFB_SERVERS      tina4, fastify, express
//   --database NAME  TFB_DATABASE     database created on the PostgreSQL server     (tfb)
//   --validate-only                   seed, start, validate; no load (what CI runs)
//   --profile id                      run that server with --cpu-prof; print its top frames
//   --memory N                        instead of the suite: N seconds of /queries?queries=20
//                                     per server (tina4, fastify), then report RSS
//   --no-pin                          do not pin with taskset
//                   TFB_NO_ASLR=1    start servers under `setarch -R` (one memory layout; a lead
//                                    on why a server process keeps one of two speeds for life)
//   --json                            one JSON document on stdout (progress → stderr)
//   --list, --help
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { TESTS } from "./lib/data.mjs";
import { seed, serverUrl } from "./lib/postgres.mjs";
import { SERVERS, buildTina4App, startServer } from "./lib/servers.mjs";
import { testType, validate, TEST_TYPES } from "./lib/validate.mjs";
import { runWrk, wrkAvailable, WRK } from "./lib/wrk.mjs";
import { cpuMs } from "../lib/proc-cpu.mjs";
import { coreShare, coreTicks } from "../lib/cpu-stat.mjs";
import { startSpeedProbe } from "../lib/speed-probe.mjs";
import { summarise } from "../lib/cpuprofile.mjs";
import { median } from "../lib/stats.mjs";

const USAGE = `usage: node bench/tfb/run.mjs [--duration N] [--warmup N] [--rounds N] [--connections N] [--pool N]
                            [--only id,id] [--servers a,b] [--database NAME] [--validate-only]
                            [--profile server] [--memory N] [--no-pin] [--json] [--list]`;

/** Goals of issue 20: tina4 ÷ Fastify, same run. */
const GOALS = { json: 1.05, "queries-20": 1.1, "updates-1": 1.1, "updates-20": 1.1, "cached-queries-20": 1.5 };

function fail(message) {
  console.error(`bench:tfb: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const env = process.env;
  const opts = {
    duration: env.TFB_DURATION ?? "10",
    warmup: env.TFB_WARMUP ?? "3",
    rounds: env.TFB_ROUNDS ?? "3",
    connections: env.TFB_CONNECTIONS ?? "64",
    pool: env.TFB_POOL ?? "8",
    only: env.TFB_ONLY ?? "",
    servers: env.TFB_SERVERS ?? "",
    database: env.TFB_DATABASE ?? "tfb",
    profile: "",
    memory: "0",
    validateOnly: false,
    pin: true,
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
      case "--validate-only": opts.validateOnly = true; break;
      case "--no-pin": opts.pin = false; break;
      case "--help": case "-h": console.log(USAGE); process.exit(0);
      case "--duration": case "--warmup": case "--rounds": case "--connections": case "--pool": case "--only": case "--servers":
      case "--database": case "--profile": case "--memory":
        opts[flag.slice(2)] = value();
        break;
      default: fail(`unknown option ${arg}\n${USAGE}`);
    }
  }
  for (const key of ["duration", "warmup", "rounds", "connections", "pool", "memory"]) {
    const n = Number(opts[key]);
    const min = key === "warmup" || key === "memory" ? 0 : 1;
    if (!Number.isInteger(n) || n < min) fail(`--${key} must be an integer ≥ ${min}, got "${opts[key]}"`);
    opts[key] = n;
  }
  const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);
  opts.only = list(opts.only);
  opts.servers = list(opts.servers);
  for (const id of opts.only) if (!TESTS.some((t) => t.id === id)) fail(`unknown test "${id}" (known: ${TESTS.map((t) => t.id).join(", ")})`);
  for (const id of [...opts.servers, ...(opts.profile ? [opts.profile] : [])]) {
    if (!SERVERS.some((s) => s.id === id)) fail(`unknown server "${id}" (known: ${SERVERS.map((s) => s.id).join(", ")})`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
if (opts.list) {
  for (const t of TESTS) console.log(`${t.id.padEnd(18)} GET ${t.path}${t.pipeline ? ` (pipelined ×${t.pipeline})` : ""}`);
  process.exit(0);
}
const progress = (line) => process.stderr.write(`${line}\n`);
const tests = opts.only.length ? TESTS.filter((t) => opts.only.includes(t.id)) : TESTS;
const servers = opts.servers.length ? SERVERS.filter((s) => opts.servers.includes(s.id)) : SERVERS;
const pin = opts.pin && cpus().length >= 2;
const SERVER_CORE = pin ? 1 : null;
const WRK_CORE = pin ? 0 : null;

/** A measured run whose server core spent more than this (percent) on other processes is marked noisy. */
const NOISY_OTHER_PCT = 10;
const loadAtStart = loadavg();

const pgUrl = serverUrl();
if (!pgUrl) fail("no PostgreSQL: set TINA4_TFB_POSTGRES_URL, or run `bash .ci/services.sh start` (writes .ci/services.env)");
if (!opts.validateOnly && !wrkAvailable()) fail(`wrk not found at ${WRK} (apt-get install wrk, or set TINA4_WRK)`);

progress(`bench:tfb: seeding database "${opts.database}" (world 10,000 rows, cachedworld, fortune 12 rows)`);
const databaseUrl = await seed(pgUrl, opts.database);
progress("bench:tfb: tina4 build of bench/tfb/tina4-app");
buildTina4App(SERVERS.find((s) => s.id === "tina4").cli);
const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();

const profileDir = join(tmpdir(), `tina4-tfb-profiles-${process.pid}`);
if (opts.profile) mkdirSync(profileDir, { recursive: true });

function start(def) {
  const nodeArgs = opts.profile === def.id ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  return startServer(def, { databaseUrl, pool: opts.pool, core: SERVER_CORE, nodeArgs });
}

const cpuOf = (pids) => pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
/** Read and write system calls so far (/proc/<pid>/io), summed over pids; null off Linux. */
const syscallsOf = (pids) => {
  let reads = 0;
  let writes = 0;
  for (const pid of pids) {
    try {
      const io = readFileSync(`/proc/${pid}/io`, "utf8");
      reads += Number(/syscr:\s+(\d+)/.exec(io)?.[1] ?? 0);
      writes += Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0);
    } catch {
      return null;
    }
  }
  return { reads, writes };
};
const rssKiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

const failed = Object.fromEntries(servers.map((s) => [s.id, {}]));
const runs = Object.fromEntries(tests.map((t) => [t.id, Object.fromEntries(servers.map((s) => [s.id, []]))]));
const memory = {};

// the server core's speed, timed just before and after each measured run (bench/lib/speed-probe.mjs)
const probe = opts.validateOnly || opts.memory > 0 ? null : await startSpeedProbe(SERVER_CORE);

try {
  if (opts.memory > 0) await memoryRun();
  else await suite();
} finally {
  await client.end();
  await probe?.stop();
}

/** Whether a server implements a test type (node:http only has /json, /plaintext and /cached-queries). */
function implementsType(def, type) {
  return def.types === undefined || def.types.includes(type);
}

async function validateServer(server) {
  const types = [...new Set(tests.map((t) => testType(t.id)))].filter((t) => TEST_TYPES.includes(t) && implementsType(server.def, t));
  const results = await validate(server.port, client, types);
  for (const [type, problem] of Object.entries(results)) {
    if (problem !== null && !failed[server.def.id][type]) {
      failed[server.def.id][type] = problem;
      progress(`  FAILED validation: ${server.def.label} ${type}: ${problem}`);
    }
  }
}

async function suite() {
  const rounds = opts.validateOnly ? 1 : opts.rounds;
  for (let round = 1; round <= rounds; round++) {
    const running = [];
    try {
      for (const def of servers) running.push(await start(def));
      for (const server of running) await validateServer(server);
      if (opts.validateOnly) return;
      for (const [ti, test] of tests.entries()) {
        const order = rotate(running, round + ti);
        for (const server of order) {
          const type = testType(test.id);
          if (failed[server.def.id][type] || !implementsType(server.def, type)) continue;
          const url = `http://127.0.0.1:${server.port}${test.path}`;
          const load = { url, connections: opts.connections, pipeline: test.pipeline ?? 1, core: WRK_CORE };
          let warmErrors = null;
          for (const seconds of warmupPasses(opts.warmup)) {
            const warm = await runWrk({ ...load, seconds });
            if (warm.errors > 0) {
              warmErrors = `${warm.errors} errors (${warm.nonSuccess} non-2xx) during warm-up of ${test.path}`;
              break;
            }
          }
          if (warmErrors) {
            failed[server.def.id][type] = warmErrors;
            progress(`  FAILED under load: ${server.def.label} ${test.id}: ${warmErrors}`);
            continue;
          }
          const speedBefore = await probe?.measure();
          const pids = server.pids();
          const cpuBefore = cpuOf(pids);
          const ioBefore = syscallsOf(pids);
          const ticksBefore = coreTicks();
          const r = await runWrk({ ...load, seconds: opts.duration });
          const cpuAfter = cpuOf(pids);
          const ticksAfter = coreTicks();
          const ioAfter = syscallsOf(pids);
          const speedAfter = await probe?.measure();
          const mean = (key) => Math.round(((speedBefore[key] + speedAfter[key]) / 2) * 10) / 10;
          const speed = probe ? { cpuNs: mean("cpuNs"), memNs: mean("memNs") } : null;
          if (r.errors > 0) {
            failed[server.def.id][type] = `${r.errors} errors (${r.nonSuccess} non-2xx) during the measured run of ${test.path}`;
            progress(`  FAILED under load: ${server.def.label} ${test.id}: ${failed[server.def.id][type]}`);
            continue;
          }
          const cpuUsPerReq = ((cpuAfter - cpuBefore) * 1000) / r.requests;
          // what else the machine did meanwhile: other processes on the server core, the hypervisor's steal, wrk's headroom
          const cores = pin ? { server: coreShare(ticksBefore, ticksAfter, SERVER_CORE, cpuAfter - cpuBefore), wrk: coreShare(ticksBefore, ticksAfter, WRK_CORE) } : null;
          const noisy = (cores?.server?.other ?? 0) > NOISY_OTHER_PCT;
          // requests per read system call: how many requests each wake-up found waiting (batching)
          const perRead = ioBefore && ioAfter && ioAfter.reads > ioBefore.reads ? Math.round((r.requests / (ioAfter.reads - ioBefore.reads)) * 100) / 100 : null;
          runs[test.id][server.def.id].push({ round, reqPerSec: r.reqPerSec, cpuUsPerReq, p99Ms: r.p99Ms, requests: r.requests, cores, noisy, speed, requestsPerRead: perRead });
          progress(`  round ${round}/${rounds} ${test.id.padEnd(18)} ${server.def.label.padEnd(10)} ${fmtInt(r.reqPerSec).padStart(8)} req/s  p99 ${r.p99Ms.toFixed(1)} ms  CPU ${cpuUsPerReq.toFixed(1)} µs/req${perRead === null ? "" : `  ${perRead} req/read`}${speed === null ? "" : `  probe ${speed.cpuNs}/${speed.memNs} ns`}${cores ? `  ${fmtCores(cores)}${noisy ? "  NOISY" : ""}` : ""}`);
        }
      }
    } finally {
      for (const server of running) await server.stop();
    }
  }
}

async function memoryRun() {
  const test = TESTS.find((t) => t.id === "queries-20");
  for (const def of servers.filter((s) => s.id !== "express" || opts.servers.includes("express"))) {
    const server = await start(def);
    try {
      await validateServer(server);
      const idle = server.pids().map((pid) => ({ pid, rssKiB: rssKiB(pid) }));
      const r = await runWrk({ url: `http://127.0.0.1:${server.port}${test.path}`, seconds: opts.memory, connections: opts.connections, core: WRK_CORE });
      const loaded = server.pids().map((pid) => ({ pid, rssKiB: rssKiB(pid) }));
      memory[def.id] = { idle, loaded, reqPerSec: r.reqPerSec, errors: r.errors };
      progress(`  ${def.label}: RSS after ${opts.memory} s of ${test.path} (${fmtInt(r.reqPerSec)} req/s): ${loaded.map((p) => `${(p.rssKiB / 1024).toFixed(1)} MiB`).join(" + ")} (idle ${idle.map((p) => `${(p.rssKiB / 1024).toFixed(1)}`).join(" + ")} MiB)`);
    } finally {
      await server.stop();
    }
  }
}

/**
 * The warm-up as two wrk runs: 1 s, then the rest (at least 1 s); none for --warmup 0. When
 * wrk stops it closes its connections with requests in flight; the first time a server process
 * sees that, V8 generalises field types of Node's socket and stream objects and throws away the
 * optimised code of ~25 functions of Node's HTTP stack (`node --trace-deopt`: "marking dependent
 * code … code dependencies"), which is then re-optimised. With one warm-up run that happened at
 * the start of the measured run — for some servers and not others, depending on timing — and
 * its cost was measured; after a first short run it happens during the warm-up.
 */
function warmupPasses(seconds) {
  if (seconds <= 0) return [];
  return [1, Math.max(1, seconds - 1)];
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/**
 * a/b per round (null where one of them has no run), pairing runs of the same round: req/s of a
 * over req/s of b, or (byCpu) b's CPU per request over a's — the steadier figure when wrk's core
 * is shared and req/s follows wrk's share of it.
 */
function roundRatios(testId, a, b, quietOnly = false, byCpu = false) {
  const ra = runs[testId]?.[a] ?? [];
  const rb = runs[testId]?.[b] ?? [];
  return ra.map((x) => {
    const y = rb.find((z) => z.round === x.round);
    if (!y || (quietOnly && (x.noisy || y.noisy))) return null;
    return byCpu ? y.cpuUsPerReq / x.cpuUsPerReq : x.reqPerSec / y.reqPerSec;
  });
}

/** Median over rounds of a/b, pairing runs of the same round. */
function pairedRatio(testId, a, b, quietOnly = false) {
  return median(roundRatios(testId, a, b, quietOnly));
}

const pkg = (name) => JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), "utf8")).version;
const wrkVersion = spawnSync(WRK, ["--version"], { encoding: "utf8" }).stdout?.split("\n")[0]?.trim() ?? "unknown";
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model?.trim() ?? "unknown",
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  versions: { fastify: pkg("fastify"), express: pkg("express"), pg: pkg("pg"), "@fastify/view": pkg("@fastify/view"), twig: pkg("twig"), "lru.min": pkg("lru.min"), wrk: wrkVersion },
  pinned: pin ? { server: SERVER_CORE, wrk: WRK_CORE } : null,
  loadAverage: { start: loadAtStart.map(round2), end: loadavg().map(round2) },
};

const rows = tests.map((t) => {
  const per = Object.fromEntries(
    servers.map((s) => {
      const list = runs[t.id][s.id];
      return [s.id, {
        failed: failed[s.id][testType(t.id)] ?? null,
        reqPerSec: median(list.map((r) => r.reqPerSec)),
        cpuUsPerReq: median(list.map((r) => r.cpuUsPerReq)),
        p99Ms: median(list.map((r) => r.p99Ms)),
        rounds: list,
      }];
    }),
  );
  return {
    id: t.id,
    path: t.path,
    servers: per,
    tina4VsFastify: pairedRatio(t.id, "tina4", "fastify"),
    tina4VsExpress: pairedRatio(t.id, "tina4", "express"),
    tina4VsNodeHttp: pairedRatio(t.id, "tina4", "node-http"),
    // raw node:http over Fastify: the most any framework on node:http could show against Fastify
    nodeHttpVsFastify: pairedRatio(t.id, "node-http", "fastify"),
    // the same, over rounds where neither server's core was busy with other processes
    tina4VsFastifyQuiet: pairedRatio(t.id, "tina4", "fastify", true),
    tina4VsNodeHttpQuiet: pairedRatio(t.id, "tina4", "node-http", true),
    // the other's CPU per request over tina4's, per round (higher: tina4 cheaper)
    tina4VsFastifyByCpu: median(roundRatios(t.id, "tina4", "fastify", false, true)),
    tina4VsNodeHttpByCpu: median(roundRatios(t.id, "tina4", "node-http", false, true)),
    goal: GOALS[t.id] ?? 1.0,
  };
});

const validation = Object.fromEntries(servers.map((s) => [s.id, Object.fromEntries([...new Set(tests.map((t) => testType(t.id)))].filter((type) => implementsType(s, type)).map((type) => [type, failed[s.id][type] ?? "ok"]))]));
const anyFailed = servers.some((s) => Object.keys(failed[s.id]).length > 0);

if (opts.json) {
  process.stdout.write(`${JSON.stringify({
    command: `node bench/tfb/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    wrk: { threads: 1, connections: opts.connections, duration: opts.duration, warmup: opts.warmup },
    rounds: opts.validateOnly ? 0 : opts.rounds,
    pool: opts.pool,
    machine,
    validation,
    results: opts.validateOnly || opts.memory ? [] : rows,
    memory,
  }, null, 2)}\n`);
} else if (opts.validateOnly) {
  for (const s of servers) {
    for (const [type, state] of Object.entries(validation[s.id])) console.log(`${state === "ok" ? "ok    " : "FAILED"} ${s.label.padEnd(10)} ${type}${state === "ok" ? "" : `: ${state}`}`);
  }
} else if (!opts.memory) {
  console.log(`\nwrk -t1 -c${opts.connections} -d${opts.duration}s (warm-up ${opts.warmup}s), ${opts.rounds} interleaved round(s), DB pool ${opts.pool}; ` +
    `${pin ? "server on core 1, wrk on core 0" : "not pinned"}`);
  console.log(`${machine.cores} cores (${machine.cpu}), Node ${machine.node}, fastify ${machine.versions.fastify}, express ${machine.versions.express}, pg ${machine.versions.pg}, ${wrkVersion}\n`);
  console.log(`load average ${machine.loadAverage.start.join(" ")} at the start, ${machine.loadAverage.end.join(" ")} at the end\n`);
  console.log(markdownTable(rows));
  console.log(perRoundText(rows));
}

if (opts.profile) {
  const files = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(profileDir, f));
  // the busiest process (tina4: the worker, not the primary) writes the largest profile
  files.sort((a, b) => statSync(b).size - statSync(a).size);
  for (const file of files.slice(0, 1)) {
    const { totalMs, top } = summarise(file, 30);
    progress(`\nCPU profile of ${opts.profile}: ${file} (${(totalMs / 1000).toFixed(1)} s sampled, incl. validation and warm-up)`);
    for (const row of top) progress(`  ${row.pct.toFixed(1).padStart(5)}%  ${row.selfMs.toFixed(0).padStart(7)} ms  ${row.name}  ${row.where}`);
  }
}

if (anyFailed) {
  progress("\nbench:tfb: some servers failed validation or errored under load (see above)");
  process.exitCode = 1;
}

function markdownTable(list) {
  const has = (id) => servers.some((s) => s.id === id);
  const header = [
    "Test",
    ...servers.map((s) => `${s.label} req/s`),
    ...(has("tina4") && has("fastify") ? ["tina4 ÷ Fastify", "goal"] : []),
    ...(has("tina4") && has("express") ? ["tina4 ÷ Express"] : []),
    ...(has("tina4") && has("node-http") ? ["tina4 ÷ node:http"] : []),
    ...(has("node-http") && has("fastify") ? ["node:http ÷ Fastify"] : []),
    `CPU µs/req (${servers.map((s) => (s.id === "tina4-b" ? s.label : s.label.split(" ")[0])).join(" / ")})`,
  ];
  const cell = (r, s) => {
    const x = r.servers[s.id];
    return x.failed ? "failed" : x.reqPerSec === null ? "–" : fmtInt(x.reqPerSec);
  };
  const body = list.map((r) => [
    `\`${r.path}\``,
    ...servers.map((s) => cell(r, s)),
    ...(has("tina4") && has("fastify") ? [fmtRatio(r.tina4VsFastify), `≥ ${r.goal.toFixed(2)}×${r.tina4VsFastify === null ? "" : r.tina4VsFastify >= r.goal ? " met" : " **missed**"}`] : []),
    ...(has("tina4") && has("express") ? [fmtRatio(r.tina4VsExpress)] : []),
    ...(has("tina4") && has("node-http") ? [fmtRatio(r.tina4VsNodeHttp)] : []),
    ...(has("node-http") && has("fastify") ? [fmtRatio(r.nodeHttpVsFastify)] : []),
    servers.map((s) => (r.servers[s.id].cpuUsPerReq === null ? "–" : r.servers[s.id].cpuUsPerReq.toFixed(1))).join(" / "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i >= 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i >= 1 ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

/**
 * Every round's figures, so a reader sees the spread behind each median: req/s, CPU µs/req
 * and what else ran on the server core (other processes, steal), then the round's ratios.
 */
function perRoundText(list) {
  const out = [`\nPer round: req/s (CPU µs/req, requests per read system call of the server, speed probe on the server core: ns per unit of server-like work / per cache-missing load, lower = faster; server core: other processes % / steal %${pin ? "" : ", not measured unpinned"}); NOISY: other > ${NOISY_OTHER_PCT} %`];
  for (const r of list) {
    const rounds = [...new Set(servers.flatMap((s) => r.servers[s.id].rounds.map((x) => x.round)))].sort((a, b) => a - b);
    if (rounds.length === 0) continue;
    out.push(`\`${r.path}\``);
    for (const round of rounds) {
      const cells = servers.flatMap((s) => {
        const x = r.servers[s.id].rounds.find((z) => z.round === round);
        if (!x) return [];
        const core = x.cores?.server;
        return [`${s.label} ${fmtInt(x.reqPerSec)} (${x.cpuUsPerReq.toFixed(1)} µs${x.requestsPerRead ? `, ${x.requestsPerRead} req/read` : ""}${x.speed ? `, probe ${x.speed.cpuNs}/${x.speed.memNs} ns` : ""}${core ? `; ${core.other ?? "?"} / ${core.steal} %` : ""})${x.noisy ? " NOISY" : ""}`];
      });
      const ratio = (b, label) => {
        const v = roundRatios(r.id, "tina4", b)[r.servers.tina4?.rounds.findIndex((x) => x.round === round) ?? -1];
        return v === undefined || v === null ? [] : [`${label} ${fmtRatio(v)}`];
      };
      const ratios = [...ratio("fastify", "÷ Fastify"), ...ratio("node-http", "÷ node:http"), ...ratio("tina4-b", "÷ tina4 (B)")];
      out.push(`  ${round}: ${cells.join(" · ")}${ratios.length ? `  →  tina4 ${ratios.join(", ")}` : ""}`);
    }
    for (const [id, label] of [["fastify", "Fastify"], ["node-http", "node:http"], ["tina4-b", "tina4 (B)"]]) {
      const all = median(roundRatios(r.id, "tina4", id));
      if (all === null) continue;
      const quiet = median(roundRatios(r.id, "tina4", id, true));
      const cpu = median(roundRatios(r.id, "tina4", id, false, true));
      const cpuQuiet = median(roundRatios(r.id, "tina4", id, true, true));
      out.push(`  tina4 ÷ ${label}, median of per-round ratios: req/s ${fmtRatio(all)} (quiet rounds: ${fmtRatio(quiet)}; range ${fmtRange(roundRatios(r.id, "tina4", id))}); by CPU per request ${fmtRatio(cpu)} (quiet rounds: ${fmtRatio(cpuQuiet)}; range ${fmtRange(roundRatios(r.id, "tina4", id, false, true))})`);
    }
    // the spread behind each median: a server process keeps one speed for its life, and starts differ
    out.push(`  CPU µs/req over rounds (min–median–max): ${servers.filter((s) => r.servers[s.id].rounds.length > 0).map((s) => {
      const cpu = r.servers[s.id].rounds.map((x) => x.cpuUsPerReq);
      return `${s.label} ${Math.min(...cpu).toFixed(1)}–${median(cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}`;
    }).join(" · ")}`);
  }
  return out.join("\n");
}

function fmtCores(cores) {
  const s = cores.server;
  const w = cores.wrk;
  return `[server core: other ${s?.other ?? "?"} %, softirq ${s?.softirq ?? "?"} %, steal ${s?.steal ?? "?"} %; wrk core busy ${w?.busy ?? "?"} %]`;
}

function round2(n) {
  return Math.round(n * 100) / 100;
}

/** "0.87–1.63×" over the rounds that have a value; "–" when none. */
function fmtRange(values) {
  const v = values.filter((x) => x !== null && Number.isFinite(x));
  return v.length === 0 ? "–" : `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}×`;
}

function fmtRatio(n) {
  return n === null ? "–" : `${n.toFixed(2)}×`;
}

function fmtInt(n) {
  return Math.round(n).toLocaleString("en-US");
}
