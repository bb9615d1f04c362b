// fetchOne by primary key: tina4 Database vs the raw driver, on SQLite and PostgreSQL.
//   npm run build && node bench/db-fetchone.mjs [seconds-per-case]
// PostgreSQL URL: TINA4_BENCH_POSTGRES_URL, else TINA4_TEST_POSTGRES_URL, else .ci/services.env; skipped when none.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const seconds = Number(process.argv[2] ?? 3);
const dist = join(root, "dist", "runtime", "db", "index.js");
if (!existsSync(dist)) {
  console.error("dist/runtime/db/index.js missing: run `npm run build` first");
  process.exit(1);
}
const { Database } = await import(pathToFileURL(dist).href);

function pgUrl() {
  const env = process.env.TINA4_BENCH_POSTGRES_URL ?? process.env.TINA4_TEST_POSTGRES_URL;
  if (env) return env;
  const file = join(root, ".ci", "services.env");
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith("TINA4_TEST_POSTGRES_URL="));
  return line?.slice("TINA4_TEST_POSTGRES_URL=".length);
}

/** Runs `op` sequentially (await each) for `seconds`, after a warm-up; returns ops/s. */
async function measure(op) {
  const warmEnd = performance.now() + 300;
  let i = 0;
  while (performance.now() < warmEnd) await op(i++);
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (true) {
    for (let k = 0; k < 200; k++) await op(n++);
    if (performance.now() >= end) break;
  }
  return (n / (performance.now() - start)) * 1000;
}

function report(name, raw, t4) {
  const overhead = ((raw - t4) / raw) * 100;
  console.log(`${name.padEnd(34)} raw ${raw.toFixed(0).padStart(8)} ops/s   tina4 ${t4.toFixed(0).padStart(8)} ops/s   overhead ${overhead.toFixed(1)}%`);
  return overhead;
}

const ROWS = 10_000;
const results = [];

// ── SQLite ──
{
  const dir = mkdtempSync(join(tmpdir(), "t4-bench-"));
  const file = join(dir, "bench.db");
  const db = await Database.connect(`sqlite:${file}`);
  await db.execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, name VARCHAR(50), price DECIMAL(10,2))");
  await db.insert("bench", Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, price: i * 1.5 })));
  const Sqlite = require("better-sqlite3");
  const raw = new Sqlite(file);
  raw.pragma("journal_mode = WAL");
  const stmt = raw.prepare("SELECT id, name, price FROM bench WHERE id = ?");
  const sql = "SELECT id, name, price FROM bench WHERE id = ?";
  const rawSync = await measure((i) => stmt.get((i % ROWS) + 1));
  const rawAsync = await measure(async (i) => stmt.get((i % ROWS) + 1));
  const t4 = await measure((i) => db.fetchOne(sql, [(i % ROWS) + 1]));
  results.push(["sqlite vs raw (awaited, async fn)", report("sqlite (raw in an async function)", rawAsync, t4)]);
  report("sqlite (raw sync .get(), loop awaits)", rawSync, t4);
  raw.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

// ── PostgreSQL ──
const url = pgUrl();
if (!url) console.log("postgres: skipped (no TINA4_TEST_POSTGRES_URL)");
else {
  const db = await Database.connect(url, { pool: 1 });
  const table = `bench_${process.pid}`;
  await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(50), price DECIMAL(10,2))`);
  try {
    await db.insert(table, Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, price: i * 1.5 })));
    const pg = require("pg");
    const client = new pg.Client(url);
    await client.connect();
    const sql = `SELECT id, name, price FROM ${table} WHERE id = ?`;
    const text = `SELECT id, name, price FROM ${table} WHERE id = $1`;
    const raw = await measure((i) => client.query({ name: "bench_q", text, values: [(i % ROWS) + 1] }).then((r) => r.rows[0] ?? null));
    const t4 = await measure((i) => db.fetchOne(sql, [(i % ROWS) + 1]));
    results.push(["postgres (prepared, 1 connection)", report("postgres (prepared, 1 connection)", raw, t4)]);
    await client.end();
  } finally {
    await db.execute(`DROP TABLE ${table}`);
    await db.close();
  }
}
console.log(`node ${process.version}, ${seconds}s per case, sequential awaits, ${ROWS} rows`);
