// tina4 serving one route for the responseCache benchmark: it answers the same small body as
// the hello scenario, but only after the work a real listing route does (build, sort and shape
// 50 records), so "memory HIT vs hello" measures exactly what the cache adds.
// Usage: node tina4-cache.mjs <mode>   mode: uncached | memory | redis
//   redis needs TINA4_BENCH_REDIS_URL (or TINA4_TEST_REDIS_URL, see .ci/services.env).
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { announce, exitOn } from "../lib/child.mjs";
import { CATALOG_PATH, HELLO, catalog } from "../lib/payload.mjs";

const runtime = process.env.TINA4_BENCH_RUNTIME ? pathToFileURL(process.env.TINA4_BENCH_RUNTIME).href : "../../dist/runtime/index.js";
const { App, listen, responseCache, clearCache } = await import(runtime);

const mode = process.argv[2] ?? "uncached";
if (!["uncached", "memory", "redis"].includes(mode)) {
  console.error(`tina4-cache bench server: unknown mode ${mode}`);
  process.exit(2);
}

function redisUrl() {
  if (process.env.TINA4_BENCH_REDIS_URL) return process.env.TINA4_BENCH_REDIS_URL;
  if (process.env.TINA4_TEST_REDIS_URL) return process.env.TINA4_TEST_REDIS_URL;
  const file = new URL("../../.ci/services.env", import.meta.url);
  if (existsSync(file)) {
    const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith("TINA4_TEST_REDIS_URL="));
    if (line) return line.slice("TINA4_TEST_REDIS_URL=".length);
  }
  console.error("tina4-cache bench server: no Redis URL (set TINA4_BENCH_REDIS_URL or run bash .ci/services.sh start)");
  process.exit(2);
}

const app = new App({ publicDir: null, dev: false });
const middleware = mode === "uncached" ? [] : [responseCache({ ttl: 600, backend: mode, cacheUrl: mode === "redis" ? redisUrl() : undefined })];
let sink = 0;
app.get(CATALOG_PATH, () => {
  sink += catalog().items.length; // the work, kept observable so it is not optimised away
  return sink > 0 ? HELLO : null;
}, middleware);
const server = await listen(app, { port: 0, host: "127.0.0.1" });
if (mode !== "uncached") {
  // Prove the measured requests are cache hits: prime the entry, then expect HIT.
  await clearCache();
  await (await fetch(`http://127.0.0.1:${server.port}${CATALOG_PATH}`)).text();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const probe = await fetch(`http://127.0.0.1:${server.port}${CATALOG_PATH}`);
  await probe.text();
  if (probe.headers.get("x-cache") !== "HIT") {
    console.error(`tina4-cache bench server: expected X-Cache HIT after priming, got ${probe.headers.get("x-cache")}`);
    process.exit(2);
  }
}
announce(server.port, { mode });
exitOn(() => server.close());
