// DB query cache: a persistent-cache hit (memory and Redis backends) vs an uncached fetch,
// on SQLite and PostgreSQL. Same query each time (a 20-row page by a range), awaited one
// after another, so each figure is a latency (ops/s = 1 / mean latency).
//   node scripts/build.mjs && node bench/db-cache.mjs [seconds-per-case]
// PostgreSQL: TINA4_BENCH_POSTGRES_URL, else TINA4_TEST_POSTGRES_URL, else .ci/services.env.
// Redis: TINA4_BENCH_REDIS_URL, else TINA4_TEST_REDIS_URL, else .ci/services.env. Each is skipped when unset.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { service } from "./lib/services.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const seconds = Number(process.argv[2] ?? 3);
const dist = join(root, "dist", "runtime", "db", "index.js");
if (!existsSync(dist)) {
  console.error("dist/runtime/db/index.js missing: run `node scripts/build.mjs` first");
  process.exit(1);
}
const { Database, runInRequestScope } = await import(pathToFileURL(dist).href);
process.env.TINA4_LOG_LEVEL ??= "error";

/** Awaits `op` in a loop for `seconds` after a warm-up; returns ops/s. */
async function measure(op) {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) await op();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (true) {
    for (let k = 0; k < 50; k++) await op();
    n += 50;
    if (performance.now() >= end) break;
  }
  return (n / (performance.now() - start)) * 1000;
}

const ROWS = 1000;
const redisUrl = service("TINA4_BENCH_REDIS_URL", "TINA4_TEST_REDIS_URL");
const pgUrl = service("TINA4_BENCH_POSTGRES_URL", "TINA4_TEST_POSTGRES_URL");
const lines = [];

async function engineCase(engine, url) {
  const table = `bench_qc_${process.pid}`;
  const off = await Database.connect(url, { pool: 1, queryCache: { request: false, persistent: false } });
  await off.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(50), price DECIMAL(10,2), created TIMESTAMP)`);
  try {
    const now = new Date();
    await off.insert(table, Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, price: i * 1.5, created: now })));
    const sql = `SELECT id, name, price, created FROM ${table} WHERE id BETWEEN ? AND ? ORDER BY id`;
    const params = [101, 120];
    const fetchOff = () => off.fetch(sql, params);
    const uncached = await measure(fetchOff);
    const result = { engine, uncached };
    const backends = [["memory", undefined]];
    if (redisUrl) backends.push(["redis", redisUrl]);
    for (const [backend, cacheUrl] of backends) {
      const db = await Database.connect(url, { pool: 1, queryCache: { request: false, persistent: true, backend, url: cacheUrl, ttl: 300 } });
      const rows = (await db.fetch(sql, params)).records.length;
      if (rows !== 20) throw new Error(`expected 20 rows, got ${rows}`);
      const hit = await measure(() => db.fetch(sql, params));
      const stats = await db.cacheStats();
      if (stats.misses !== 1) throw new Error(`${backend}: expected only the first read to miss, got ${JSON.stringify(stats)}`);
      result[backend] = hit;
      await db.close();
    }
    return result;
  } finally {
    await off.execute(`DROP TABLE ${table}`);
    await off.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "t4-bench-qc-"));
const results = [await engineCase("sqlite", `sqlite:${join(dir, "bench.db")}`)];
rmSync(dir, { recursive: true, force: true });
if (pgUrl) results.push(await engineCase("postgres", pgUrl));
else console.log("postgres: skipped (no TINA4_TEST_POSTGRES_URL)");
if (!redisUrl) console.log("redis: skipped (no TINA4_TEST_REDIS_URL)");

// Request scope on SQLite: the cost of the scope on a miss (a new scope per read, as one read
// per request does) and the gain on a repeated read in one request, vs no scope.
{
  const dir2 = mkdtempSync(join(tmpdir(), "t4-bench-qc-"));
  const db = await Database.connect(`sqlite:${join(dir2, "r.db")}`, { queryCache: { request: true, persistent: false } });
  await db.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, name VARCHAR(50))");
  await db.insert("r", Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` })));
  const one = "SELECT id, name FROM r WHERE id = ?";
  const page = "SELECT id, name FROM r WHERE id BETWEEN ? AND ? ORDER BY id";
  const plain = await measure(() => db.fetchOne(one, [7]));
  const scopedMiss = await measure(() => runInRequestScope(() => db.fetchOne(one, [7])));
  const pagePlain = await measure(() => db.fetch(page, [101, 120]));
  const pageHit = await runInRequestScope(async () => {
    await db.fetch(page, [101, 120]);
    return measure(() => db.fetch(page, [101, 120]));
  });
  await db.close();
  rmSync(dir2, { recursive: true, force: true });
  console.log("| request scope (SQLite) | ops/s |\n|---|--:|");
  console.log(`| fetchOne by pk, no scope (sync fast path) | ${Math.round(plain).toLocaleString("en-US")} |`);
  console.log(`| fetchOne by pk, new scope per read (scope + miss) | ${Math.round(scopedMiss).toLocaleString("en-US")} |`);
  console.log(`| 20-row fetch, no scope | ${Math.round(pagePlain).toLocaleString("en-US")} |`);
  console.log(`| 20-row fetch, repeated in one scope (hit) | ${Math.round(pageHit).toLocaleString("en-US")} |`);
}

const fmt = (v) => (v === undefined ? "–" : Math.round(v).toLocaleString("en-US"));
const x = (a, b) => (a === undefined ? "–" : `${(a / b).toFixed(1)}×`);
lines.push("| engine | uncached fetch ops/s | memory hit ops/s | × uncached | Redis hit ops/s | × uncached |");
lines.push("|---|--:|--:|--:|--:|--:|");
for (const r of results) lines.push(`| ${r.engine} | ${fmt(r.uncached)} | ${fmt(r.memory)} | ${x(r.memory, r.uncached)} | ${fmt(r.redis)} | ${x(r.redis, r.uncached)} |`);
console.log(lines.join("\n"));
console.log(`node ${process.version}, ${seconds}s per case, sequential awaits, 20-row page of ${ROWS} rows (id, name, decimal, timestamp), pool 1`);
const pg = results.find((r) => r.engine === "postgres");
if (pg) {
  const ratio = pg.memory / pg.uncached;
  console.log(`target: memory hit ≥ 10× uncached PostgreSQL fetch → ${ratio.toFixed(1)}× ${ratio >= 10 ? "MET" : "MISSED"}`);
}
