// Queue throughput: jobs per second added and processed, end to end, in one process (a
// producer adding jobs one `add` at a time with up to 64 in flight, and a worker with
// concurrency 16 running a no-op processor), for:
//   - tina4's database backend on PostgreSQL and on SQLite,
//   - tina4's BullMQ backend on Redis,
//   - BullMQ used directly on Redis, with the job options tina4 sends (3 attempts, exponential
//     backoff, completed jobs kept a day), through the same node-redis client.
// Each case runs in its own child process on a fresh store; rounds are interleaved and the best
// round is kept. Goal: tina4's BullMQ backend ≥ 0.9× BullMQ directly.
//   node scripts/build.mjs && node bench/jobs.mjs [--jobs N] [--rounds N] [--json]
// PostgreSQL: TINA4_BENCH_POSTGRES_URL, else TINA4_TEST_POSTGRES_URL, else .ci/services.env.
// Redis: TINA4_BENCH_REDIS_URL, else TINA4_TEST_REDIS_URL, else .ci/services.env. A case whose server is unset is skipped.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { service } from "./lib/services.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CONCURRENCY = 16;
const IN_FLIGHT = 64;

// ───────────────────────────── child: one measured run ─────────────────────────────

/** Adds `n` jobs with at most IN_FLIGHT pending adds; resolves when all are stored. */
async function produce(n, add) {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await add(i);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function child(caseId, n, url) {
  process.env.TINA4_LOG_LEVEL = "error";
  let processed = 0;
  let finish;
  const allDone = new Promise((resolve) => (finish = resolve));
  const onJob = () => {
    processed++;
    if (processed === n) finish();
  };

  if (caseId === "bullmq-direct") {
    const { Queue, Worker } = await import("bullmq");
    const { createClient } = await import("redis");
    const connect = async (producer) => {
      const client = createClient({ url, ...(producer ? { disableOfflineQueue: true } : {}) });
      await client.connect();
      return client;
    };
    const prefix = `bench-direct-${process.pid}`;
    const producer = await connect(true);
    const queue = new Queue("bench", { connection: producer, prefix });
    const worker = new Worker("bench", async () => onJob(), { connection: await connect(false), prefix, concurrency: CONCURRENCY });
    const opts = { attempts: 3, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: { age: 86400 }, removeOnFail: false };
    const started = performance.now();
    const cpu = process.cpuUsage();
    await produce(n, (i) => queue.add("bench", { i }, opts));
    await allDone;
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await producer.close();
    return { ms, cpuUsPerJob: (used.user + used.system) / n };
  }

  const { configureQueue, closeQueues, queue, queueBackend } = await import(pathToFileURL(join(root, "dist", "runtime", "jobs", "index.js")).href);
  const { processorFrom } = await import(pathToFileURL(join(root, "dist", "runtime", "jobs", "processors.js")).href);
  const { JobRunner } = await import(pathToFileURL(join(root, "dist", "runtime", "jobs", "runner.js")).href);
  let cleanup = async () => undefined;
  if (caseId === "tina4-bullmq") {
    const prefix = `bench-tina4-${process.pid}`;
    await configureQueue({ backend: "redis", url, prefix });
    cleanup = async () => {
      const { Queue } = await import("bullmq");
      const { createClient } = await import("redis");
      const client = createClient({ url });
      await client.connect();
      const q = new Queue("bench", { connection: client, prefix });
      await q.obliterate({ force: true });
      await q.close();
      await client.close();
    };
  } else {
    await configureQueue({ backend: "database", url, pollIntervalMs: 100 });
  }
  const runner = await JobRunner.start(await queueBackend(), [processorFrom("bench", "bench", { default: async () => onJob() })], { concurrency: CONCURRENCY });
  const q = queue("bench");
  const started = performance.now();
  const cpu = process.cpuUsage();
  await produce(n, (i) => q.add({ i }));
  await allDone;
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await runner.stop(1000);
  await closeQueues();
  await cleanup();
  return { ms, cpuUsPerJob: (used.user + used.system) / n };
}

// ───────────────────────────── parent: cases, rounds, report ─────────────────────────────

function parseArgs(argv) {
  const opts = { jobs: 3000, rounds: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") opts.json = true;
    else if (arg === "--jobs" || arg === "--rounds") opts[arg.slice(2)] = Number(argv[++i]);
    else {
      console.error(`bench/jobs: unknown option ${arg}\nusage: node bench/jobs.mjs [--jobs N] [--rounds N] [--json]`);
      process.exit(2);
    }
  }
  for (const key of ["jobs", "rounds"]) {
    if (!Number.isInteger(opts[key]) || opts[key] < 1) {
      console.error(`bench/jobs: --${key} must be a positive integer`);
      process.exit(2);
    }
  }
  return opts;
}

/** A fresh store for one run: a new PostgreSQL database, a new SQLite file, or Redis (prefixes are per process). */
async function freshUrl(caseId, urls) {
  if (caseId === "database-sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "tina4-bench-jobs-"));
    return { url: `sqlite:${join(dir, "q.db")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (caseId === "database-postgres") {
    const pg = (await import("pg")).default;
    const name = `t4_bench_jobs_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const admin = async (sql) => {
      const client = new pg.Client({ connectionString: urls.postgres });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(urls.postgres);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  return { url: urls.redis, drop: async () => undefined };
}

function runChild(caseId, n, url) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", caseId, String(n), url], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`${caseId} child exited with ${code}: ${out}`));
      else resolve(JSON.parse(line));
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(root, "dist", "runtime", "index.js"))) {
    console.error("dist/ missing: run `node scripts/build.mjs` first");
    process.exit(1);
  }
  const urls = { postgres: service("TINA4_BENCH_POSTGRES_URL", "TINA4_TEST_POSTGRES_URL"), redis: service("TINA4_BENCH_REDIS_URL", "TINA4_TEST_REDIS_URL") };
  const cases = [
    { id: "database-sqlite", label: "tina4 database backend, SQLite", needs: null },
    { id: "database-postgres", label: "tina4 database backend, PostgreSQL", needs: "postgres" },
    { id: "tina4-bullmq", label: "tina4 BullMQ backend, Redis", needs: "redis" },
    { id: "bullmq-direct", label: "BullMQ directly, Redis", needs: "redis" },
  ].filter((c) => {
    if (c.needs === null || urls[c.needs]) return true;
    process.stderr.write(`bench/jobs: skipping "${c.label}" (no ${c.needs} URL)\n`);
    return false;
  });
  process.stderr.write(`bench/jobs: ${opts.jobs} jobs per run, worker concurrency ${CONCURRENCY}, ${IN_FLIGHT} adds in flight, best of ${opts.rounds} interleaved round(s); ${cpus().length} cores, Node ${process.version}\n`);
  const runs = Object.fromEntries(cases.map((c) => [c.id, []]));
  for (let round = 1; round <= opts.rounds; round++) {
    for (const c of cases) {
      const store = await freshUrl(c.id, urls);
      try {
        const { ms, cpuUsPerJob } = await runChild(c.id, opts.jobs, store.url);
        const rate = (opts.jobs / ms) * 1000;
        runs[c.id].push({ rate, cpuUsPerJob });
        process.stderr.write(`  round ${round}/${opts.rounds} ${c.label.padEnd(36)} ${Math.round(rate).toLocaleString("en-US").padStart(7)} jobs/s (${Math.round(ms)} ms, ${cpuUsPerJob.toFixed(0)} µs CPU/job in the app process)\n`);
      } finally {
        await store.drop();
      }
    }
  }
  const best = Object.fromEntries(Object.entries(runs).map(([id, list]) => [id, Math.max(...list.map((r) => r.rate))]));
  const cpu = Object.fromEntries(Object.entries(runs).map(([id, list]) => [id, Math.min(...list.map((r) => r.cpuUsPerJob))]));
  const direct = best["bullmq-direct"];
  const rows = cases.map((c) => ({ id: c.id, label: c.label, jobsPerSec: best[c.id], cpuUsPerJob: cpu[c.id], vsBullmqDirect: direct ? best[c.id] / direct : null, rounds: runs[c.id] }));
  const ratio = direct && best["tina4-bullmq"] ? best["tina4-bullmq"] / direct : null;
  const target = { name: "tina4 BullMQ backend ≥ 0.90× BullMQ directly", ratio, met: ratio === null ? null : ratio >= 0.9 };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ jobs: opts.jobs, concurrency: CONCURRENCY, inFlight: IN_FLIGHT, rounds: opts.rounds, node: process.version, cores: cpus().length, results: rows, target }, null, 2)}\n`);
    return;
  }
  console.log(`\n${opts.jobs} jobs added one by one (${IN_FLIGHT} in flight) and processed (concurrency ${CONCURRENCY}, no-op processor); best of ${opts.rounds}\n`);
  console.log("| Case | jobs/s | × BullMQ directly | app CPU µs/job (min) |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.label} | ${Math.round(r.jobsPerSec).toLocaleString("en-US")} | ${r.vsBullmqDirect === null ? "–" : `${r.vsBullmqDirect.toFixed(2)}×`} | ${r.cpuUsPerJob.toFixed(0)} |`);
  if (ratio !== null) console.log(`\nTarget: ${target.met ? "met   " : "MISSED"} ${target.name}: ${ratio.toFixed(3)}×`);
}

if (process.argv[2] === "--child") {
  const [, , , caseId, n, url] = process.argv;
  const result = await child(caseId, Number(n), url);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  await main();
}
