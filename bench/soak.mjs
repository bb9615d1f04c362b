// Soak: mixed traffic against `tina4 serve --production` for a long time, watching for leaks.
//
// Traffic (weighted, keep-alive, fixed number of lanes): a plain JSON route, responseCache
// hits and misses (short TTL over a key space, so both keep happening), DB reads (fetchOne,
// paged fetch) and DB writes (counter update, insert with getNextId + trimming delete).
// Every few seconds it samples each worker's RSS and open file descriptors (/proc/<pid>),
// and it keeps latency percentiles per window (a minute by default).
//
// Verdict (exit 0 only when every check passes):
//   - no failed request and no worker replaced (a crash would change the worker pids);
//   - RSS growth < --rss-growth (10%) per worker: median RSS of the first window after
//     warm-up vs the median of the last window;
//   - no fd growth: the last window's highest fd count is at most the first post-warm-up
//     window's highest + --fd-slack (2);
//   - p99 stable: the last window's p99 ≤ --p99-factor (2) × the median window p99 + 5 ms.
//
// Usage: node bench/soak.mjs [--minutes 10] [--seconds S] [--window 60] [--warmup 60]
//          [--sample 5] [--workers 2] [--concurrency 8] [--rate R] [--db-url URL] [--json FILE]
// --rate paces the lanes to R requests/s in all (default 0: closed loop, as fast as answered).
// Needs a built tina4 (node scripts/build.mjs). Default database: SQLite in the temp app;
// pass --db-url postgres://... or mysql://... for a network database (tables are created with
// a unique name and dropped at the end).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";

const repo = join(import.meta.dirname, "..");
const bin = join(repo, "bin", "tina4");

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    seconds: { type: "string" },
    window: { type: "string" },
    warmup: { type: "string" },
    sample: { type: "string", default: "5" },
    workers: { type: "string", default: "2" },
    concurrency: { type: "string", default: "8" },
    rate: { type: "string", default: "0" },
    "db-url": { type: "string" },
    json: { type: "string" },
    "rss-growth": { type: "string", default: "10" },
    "fd-slack": { type: "string", default: "2" },
    "p99-factor": { type: "string", default: "2" },
    quiet: { type: "boolean", default: false },
  },
});

const durationMs = (args.seconds ? Number(args.seconds) : Number(args.minutes) * 60) * 1000;
const windowMs = Number(args.window ?? (durationMs >= 5 * 60_000 ? 60 : Math.max(5, durationMs / 8000))) * 1000;
const warmupMs = Number(args.warmup ?? (durationMs >= 5 * 60_000 ? 60 : durationMs / 4000)) * 1000;
const sampleMs = Number(args.sample) * 1000;
const workers = Number(args.workers);
const lanes = Number(args.concurrency);
/** Requests per second over all lanes; 0 = as fast as the server answers (closed loop). */
const rate = Number(args.rate);
const say = (...a) => { if (!args.quiet) console.error(...a); };
if (!(durationMs > warmupMs + 2 * windowMs)) throw new Error("duration must cover the warm-up plus two windows");

// ─────────────────────────────── the app ───────────────────────────────

const root = mkdtempSync(join(tmpdir(), "tina4-soak-"));
const dir = join(root, "app");
const cliEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
for (const k of Object.keys(cliEnv)) if (k.startsWith("TINA4_") && !k.startsWith("TINA4_TEST")) delete cliEnv[k];
if (spawnSync(process.execPath, [bin, "init", dir, "--yes"], { env: cliEnv }).status !== 0) throw new Error("tina4 init failed");

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const items = `soak_items_${suffix}`;
const logs = `soak_log_${suffix}`;
const dbUrl = args["db-url"] ?? `sqlite:${join(dir, "data", "soak.db")}`;
const ITEMS = 200;

writeFileSync(join(dir, "src", "db.ts"), [
  'import { Database } from "tina4";',
  "const g = globalThis as { soakDb?: Promise<Database> };",
  "export const db = (): Promise<Database> => (g.soakDb ??= Database.connect());",
  `export const ITEMS = "${items}";`,
  `export const LOGS = "${logs}";`,
  "",
].join("\n"));
writeFileSync(join(dir, "src", "routes", "soak.ts"), [
  'import { get, post, responseCache, type Request } from "tina4";',
  'import { db, ITEMS, LOGS } from "../db";',
  'get("/soak/plain", () => ({ ok: true, pid: process.pid }));',
  "let built = 0;",
  'get("/soak/cached", (req: Request) => ({ key: req.query.k, built: ++built, pad: "x".repeat(512) }), [responseCache({ ttl: 2 })]);',
  'get("/soak/items/{id:int}", async (req: Request<{ id: number }>) => (await db()).fetchOne(`SELECT id, name, n FROM ${ITEMS} WHERE id = ?`, [req.params.id]));',
  'get("/soak/items", async (req: Request) => (await (await db()).fetch(`SELECT id, name, n FROM ${ITEMS} ORDER BY id`, [], { limit: 20, offset: Number(req.query.offset ?? 0) })).toJSON());',
  'post("/soak/items/{id:int}", async (req: Request<{ id: number }>) => (await db()).execute(`UPDATE ${ITEMS} SET n = n + 1 WHERE id = ?`, [req.params.id]).then((r) => ({ affected: r.affected })), { secured: false });', // writes are secured by default; the soak is about leaks, not auth
  'post("/soak/log", async () => {',
  "  const d = await db();",
  "  const id = await d.getNextId(LOGS);",
  '  await d.insert(LOGS, { id, item: id % 200, note: "soak" });',
  "  if (id % 50 === 0) await d.delete(LOGS, `id < ?`, [id - 500]);",
  "  return { id };",
  "}, { secured: false });",
  "",
].join("\n"));

const runtime = await import(join(repo, "dist", "runtime", "index.js"));
const setup = await runtime.Database.connect(dbUrl, { queryCache: { request: false, persistent: false } });
await setup.execute(`CREATE TABLE ${items} (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, n INTEGER NOT NULL DEFAULT 0)`);
await setup.execute(`CREATE TABLE ${logs} (id INTEGER PRIMARY KEY, item INTEGER NOT NULL, note VARCHAR(64))`);
await setup.insert(items, Array.from({ length: ITEMS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, n: 0 })));

// ─────────────────────────────── the server ───────────────────────────────

const build = spawnSync(process.execPath, [bin, "build"], { cwd: dir, env: cliEnv, encoding: "utf8" });
if (build.status !== 0) throw new Error(`tina4 build failed:\n${build.stdout}${build.stderr}`);

const server = spawn(process.execPath, [bin, "serve", "--production", "--workers", String(workers), "--port", "0", "--host", "127.0.0.1"], {
  cwd: dir,
  env: { ...cliEnv, TINA4_DATABASE_URL: dbUrl, TINA4_LOG_LEVEL: "warn" },
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
server.stdout.on("data", (c) => (output += c));
server.stderr.on("data", (c) => (output += c));
process.on("exit", () => { if (server.exitCode === null) server.kill("SIGKILL"); });
const serverExit = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
const base = await (async () => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /on http:\/\/[^:]+:(\d+)/.exec(output);
    if (m) return `http://127.0.0.1:${m[1]}`;
    if (server.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`serve did not start:\n${output}`);
})();

/** Worker pids: the primary's children, from /proc. */
function workerPids() {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === server.pid) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids.sort((a, b) => a - b);
}
function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}
const fdCount = (pid) => readdirSync(`/proc/${pid}/fd`).length;

{ // wait for every worker
  const deadline = Date.now() + 30_000;
  while (workerPids().length < workers && Date.now() < deadline) await sleep(50);
}
const initialWorkers = workerPids();
say(`soak: ${base}, workers ${initialWorkers.join(", ")}, ${durationMs / 1000}s, window ${windowMs / 1000}s, warm-up ${warmupMs / 1000}s, ${lanes} lanes${rate > 0 ? ` at ${rate} req/s` : ""}, db ${dbUrl.replace(/:[^:@/]*@/, ":***@")}`);

// ─────────────────────────────── traffic ───────────────────────────────

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
function summarise(w) {
  const sorted = Float64Array.from(w.latencies).sort();
  return {
    window: w.index,
    requests: w.latencies.length,
    rps: Math.round(w.latencies.length / (windowMs / 1000)),
    errors: w.errors,
    hits: w.hits,
    misses: w.misses,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}
const round = (n) => Math.round(n * 100) / 100;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
};
function formatWindow(s) {
  return `  window ${String(s.window).padStart(2)}: ${String(s.requests).padStart(7)} req (${s.rps}/s) err ${s.errors} ` +
    `hit/miss ${s.hits}/${s.misses}  p50 ${s.p50} ms  p90 ${s.p90} ms  p99 ${s.p99} ms  max ${s.max} ms`;
}


const agent = new http.Agent({ keepAlive: true, maxSockets: lanes });
const MIX = [
  ["plain", 20], ["cached", 30], ["read", 20], ["list", 10], ["update", 12], ["log", 8],
];
const totalWeight = MIX.reduce((n, [, w]) => n + w, 0);
function pick() {
  let r = Math.random() * totalWeight;
  for (const [kind, w] of MIX) if ((r -= w) < 0) return kind;
  return "plain";
}
const rand = (n) => 1 + Math.floor(Math.random() * n);
function requestFor(kind) {
  switch (kind) {
    case "plain": return ["GET", "/soak/plain"];
    case "cached": return ["GET", `/soak/cached?k=${rand(300)}`];
    case "read": return ["GET", `/soak/items/${rand(ITEMS)}`];
    case "list": return ["GET", `/soak/items?offset=${rand(ITEMS) - 1}`];
    case "update": return ["POST", `/soak/items/${rand(ITEMS)}`];
    default: return ["POST", "/soak/log"];
  }
}
function send(method, path) {
  return new Promise((resolve) => {
    const req = http.request(`${base}${path}`, { method, agent, headers: method === "POST" ? { "content-length": "0" } : {} }, (res) => {
      let cache = res.headers["x-cache"];
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, cache }));
      res.on("error", (e) => resolve({ status: 0, error: e.message }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: 0, error: e.message }));
    req.end();
  });
}

const started = performance.now();
const windows = []; // { index, latencies: number[], count, errors, hits, misses }
const windowAt = (t) => {
  const index = Math.floor((t - started) / windowMs);
  while (windows.length <= index) windows.push({ index: windows.length, latencies: [], errors: 0, hits: 0, misses: 0, updates: 0 });
  return windows[index];
};
const failures = new Map();
let updatesOk = 0;
let stop = false;

async function lane() {
  const gap = rate > 0 ? (lanes * 1000) / rate : 0;
  let next = performance.now() + Math.random() * gap;
  while (!stop) {
    if (gap > 0) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next += gap;
    }
    const kind = pick();
    const [method, path] = requestFor(kind);
    const t0 = performance.now();
    const r = await send(method, path);
    const t1 = performance.now();
    if (t1 - started >= durationMs) break; // the last partial request is not counted
    const w = windowAt(t0);
    w.latencies.push(t1 - t0);
    if (r.status !== 200) {
      w.errors++;
      const key = `${kind} ${r.status} ${r.error ?? ""}`.trim();
      failures.set(key, (failures.get(key) ?? 0) + 1);
    } else if (kind === "update") updatesOk++;
    if (r.cache === "HIT") w.hits++;
    else if (r.cache === "MISS") w.misses++;
  }
}

const samples = []; // { t, pid, rss, fds }
let workerChanges = 0;
async function sampler() {
  while (!stop) {
    const t = performance.now() - started;
    const pids = workerPids();
    if (pids.join() !== initialWorkers.join()) workerChanges++;
    for (const pid of pids) {
      try {
        samples.push({ t, pid, rss: rssKb(pid), fds: fdCount(pid) });
      } catch {
        // the worker exited between listing and reading
      }
    }
    const rest = Math.min(sampleMs, durationMs - t);
    if (rest <= 0) break;
    await sleep(rest);
  }
}

let lastReported = -1;
const reporter = setInterval(() => {
  const done = Math.floor((performance.now() - started) / windowMs) - 1;
  for (let i = lastReported + 1; i <= done && i < windows.length; i++) {
    say(formatWindow(summarise(windows[i])));
    lastReported = i;
  }
}, 1000);

const timer = setTimeout(() => { stop = true; }, durationMs);
await Promise.all([...Array.from({ length: lanes }, lane), sampler()]);
clearTimeout(timer);
clearInterval(reporter);
agent.destroy();

// ─────────────────────────────── verdict ───────────────────────────────

const fullWindows = Math.floor(durationMs / windowMs);
const perWindow = windows.slice(0, fullWindows).map(summarise);
const firstIdx = Math.ceil(warmupMs / windowMs);
const measured = perWindow.slice(firstIdx);
const windowOf = (t) => Math.floor(t / windowMs);
const lastIdx = fullWindows - 1;

const perWorker = initialWorkers.map((pid) => {
  const mine = samples.filter((s) => s.pid === pid);
  const first = mine.filter((s) => windowOf(s.t) === firstIdx);
  const last = mine.filter((s) => windowOf(s.t) === lastIdx);
  const rssFirst = median(first.map((s) => s.rss));
  const rssLast = median(last.map((s) => s.rss));
  const fdFirst = Math.max(...first.map((s) => s.fds));
  const fdLast = Math.max(...last.map((s) => s.fds));
  return {
    pid,
    rssStartMb: round(mine[0]?.rss / 1024),
    rssAfterWarmupMb: round(rssFirst / 1024),
    rssEndMb: round(rssLast / 1024),
    rssPeakMb: round(Math.max(...mine.map((s) => s.rss)) / 1024),
    rssGrowthPct: round(((rssLast - rssFirst) / rssFirst) * 100),
    fdsAfterWarmup: fdFirst,
    fdsEnd: fdLast,
    fdsMax: Math.max(...mine.map((s) => s.fds)),
  };
});

const p99s = measured.map((s) => s.p99);
const p99Median = median(p99s);
const p99Last = measured[measured.length - 1]?.p99 ?? NaN;
const totalRequests = perWindow.reduce((n, s) => n + s.requests, 0);
const totalErrors = [...failures.values()].reduce((a, b) => a + b, 0);
const rssLimit = Number(args["rss-growth"]);
const fdSlack = Number(args["fd-slack"]);
const p99Limit = Number(args["p99-factor"]) * p99Median + 5;

const checks = {
  noErrors: totalErrors === 0,
  workersStable: workerChanges === 0,
  rss: perWorker.every((w) => w.rssGrowthPct < rssLimit),
  fds: perWorker.every((w) => w.fdsEnd <= w.fdsAfterWarmup + fdSlack),
  p99: p99Last <= p99Limit,
  cacheHitsAndMisses: measured.every((s) => s.hits > 0 && s.misses > 0),
};

// the counter updates must all have landed
const counted = await setup.fetchOne(`SELECT SUM(n) AS total FROM ${items}`, [], { cache: false });
const updatesInDb = Number(counted?.total ?? 0);
checks.updatesDurable = updatesInDb >= updatesOk;

// ─────────────────────────────── shutdown ───────────────────────────────

const stopStarted = Date.now();
server.kill("SIGTERM");
const exitCode = await Promise.race([serverExit, sleep(40_000).then(() => "timeout")]);
if (exitCode === "timeout") server.kill("SIGKILL");
checks.cleanExit = exitCode === 0;
await setup.execute(`DROP TABLE ${logs}`).catch(() => undefined);
await setup.execute(`DROP TABLE ${items}`).catch(() => undefined);
await setup.close();
rmSync(root, { recursive: true, force: true });

const pass = Object.values(checks).every(Boolean);
const report = {
  command: `node bench/soak.mjs ${process.argv.slice(2).join(" ")}`.trim(),
  durationS: durationMs / 1000,
  windowS: windowMs / 1000,
  warmupS: warmupMs / 1000,
  workers,
  lanes,
  rate,
  db: dbUrl.startsWith("sqlite") ? "sqlite" : dbUrl.split(":")[0],
  totalRequests,
  totalErrors,
  failures: Object.fromEntries(failures),
  workerChanges,
  updatesOk,
  updatesInDb,
  windows: perWindow,
  p99MedianMs: p99Median,
  p99LastMs: p99Last,
  p99LimitMs: round(p99Limit),
  workersReport: perWorker,
  shutdownMs: Date.now() - stopStarted,
  checks,
  verdict: pass ? "PASS" : "FAIL",
};
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));

for (let i = lastReported + 1; i < perWindow.length; i++) say(formatWindow(perWindow[i]));
say(`requests ${totalRequests}, errors ${totalErrors}${totalErrors ? ` ${JSON.stringify(report.failures)}` : ""}, worker changes ${workerChanges}`);
for (const w of perWorker) {
  say(`worker ${w.pid}: RSS ${w.rssStartMb} MB at start, ${w.rssAfterWarmupMb} MB after warm-up, ${w.rssEndMb} MB at end ` +
    `(${w.rssGrowthPct}%, peak ${w.rssPeakMb} MB); fds ${w.fdsAfterWarmup} → ${w.fdsEnd} (max ${w.fdsMax})`);
}
say(`p99: median ${p99Median} ms, last window ${p99Last} ms (limit ${round(p99Limit)} ms); counter updates ${updatesOk} acknowledged, ${updatesInDb} in the database`);
say(`checks: ${Object.entries(checks).map(([k, v]) => `${k} ${v ? "ok" : "FAIL"}`).join(", ")}`);
console.log(`soak verdict: ${report.verdict}`);
process.exit(pass ? 0 : 1);
