// What /__metrics costs the layers: statements (SQLite fast path, SQLite fetch, PostgreSQL
// pipelined fetchOne) and memory-cache hits, with TINA4_METRICS off and on. Each mode runs in
// its own process (metrics cannot be turned off once on); rounds alternate off/on; medians.
//   node scripts/build.mjs && flock /tmp/tina4-bench.lock node bench/metrics-layers.mjs [rounds] [seconds-per-case]
// PostgreSQL URL: TINA4_BENCH_POSTGRES_URL, else .ci/services.env; skipped when none.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = (path) => pathToFileURL(join(root, "dist", "runtime", path)).href;

function pgUrl() {
  if (process.env.TINA4_BENCH_POSTGRES_URL) return process.env.TINA4_BENCH_POSTGRES_URL;
  const file = join(root, ".ci", "services.env");
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8").split("\n").find((l) => l.startsWith("TINA4_TEST_POSTGRES_URL="))?.slice("TINA4_TEST_POSTGRES_URL=".length);
}

/** Child: runs every case in one mode and prints {case: µs of CPU per op}. */
async function child(mode, seconds) {
  if (mode === "on") {
    const { App } = await import(dist("app.js"));
    const { installMetrics } = await import(dist("ops/metrics.js"));
    installMetrics(new App({ dev: false, publicDir: null, templatesDir: null }), { token: "" });
  }
  const { Database } = await import(dist("db/index.js"));
  const { createCache } = await import(dist("cache/factory.js"));
  const measure = async (op) => {
    const warm = performance.now() + 300;
    let i = 0;
    while (performance.now() < warm) await op(i++);
    let n = 0;
    const cpu = process.cpuUsage();
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) for (let k = 0; k < 200; k++) await op(n++);
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / n;
  };
  const out = {};
  const dir = mkdtempSync(join(tmpdir(), "t4-bench-metrics-"));
  const lite = await Database.connect(`sqlite:${join(dir, "bench.db")}`, { queryCache: { request: false, persistent: false } });
  await lite.execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT)");
  await lite.insert("bench", Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` })));
  out["sqlite fetchOne"] = await measure((i) => lite.fetchOne("SELECT * FROM bench WHERE id = ?", [(i % 1000) + 1]));
  out["sqlite fetch"] = await measure((i) => lite.fetch("SELECT * FROM bench WHERE id = ?", [(i % 1000) + 1]));
  await lite.close();
  rmSync(dir, { recursive: true, force: true });
  const url = pgUrl();
  if (url) {
    const pg = await Database.connect(url, { queryCache: { request: false, persistent: false } });
    out["postgres fetchOne"] = await measure(() => pg.fetchOne("SELECT 1 AS one"));
    await pg.close();
  }
  const cache = await createCache({ backend: "memory", namespace: "bench" });
  await cache.set("k", { a: 1 });
  out["memory cache get (hit)"] = await measure(() => cache.get("k"));
  await cache.close();
  console.log(JSON.stringify(out));
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  const rounds = Number(process.argv[2] ?? 3);
  const seconds = Number(process.argv[3] ?? 2);
  const runs = { off: [], on: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ["off", "on"]) {
      const text = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, String(seconds)], { encoding: "utf8" });
      runs[mode].push(JSON.parse(text.trim().split("\n").pop()));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`CPU µs per operation, median of ${rounds} alternating rounds (${seconds} s per case)`);
  console.log(`${"case".padEnd(26)} ${"metrics off".padStart(12)} ${"metrics on".padStart(12)}`);
  for (const name of Object.keys(runs.off[0])) {
    const off = median(runs.off.map((r) => r[name]));
    const on = median(runs.on.map((r) => r[name]));
    console.log(`${name.padEnd(26)} ${off.toFixed(2).padStart(12)} ${on.toFixed(2).padStart(12)}   (+${(on - off).toFixed(2)})`);
  }
}
