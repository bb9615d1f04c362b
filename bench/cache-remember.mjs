#!/usr/bin/env node
// remember() HIT throughput, memory vs Redis, through the built runtime.
//   node scripts/build.mjs && node bench/cache-remember.mjs [--seconds 3] [--redis redis://127.0.0.1:56379]
// Redis URL: --redis, else TINA4_TEST_REDIS_URL, else .ci/services.env. Two shapes per backend:
// "serial" awaits each call (latency-bound); "64 in flight" keeps 64 calls outstanding
// (what a busy server does; node-redis pipelines them on one connection).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cacheModule = join(root, "dist", "runtime", "cache", "index.js");
if (!existsSync(cacheModule)) {
  console.error("dist/ is missing: run `node scripts/build.mjs` first");
  process.exit(1);
}
const { createCache, rememberIn, closeAllCaches } = await import(cacheModule);

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seconds = Number(option("seconds") ?? 3);

function redisUrl() {
  const fromArg = option("redis") ?? process.env.TINA4_TEST_REDIS_URL;
  if (fromArg) return fromArg;
  const envFile = join(root, ".ci", "services.env");
  if (!existsSync(envFile)) return undefined;
  const line = readFileSync(envFile, "utf8").split("\n").find((l) => l.startsWith("TINA4_TEST_REDIS_URL="));
  return line?.slice("TINA4_TEST_REDIS_URL=".length);
}

const value = { id: 42, name: "product", tags: ["a", "b"], price: 9.99 };
const factory = () => value;

async function measure(cache, inFlight) {
  const key = "bench:remember";
  await rememberIn(cache, key, 600, factory); // prime: every call below is a hit
  const missesBefore = (await cache.stats()).misses;
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      for (let i = 0; i < 100; i++) await rememberIn(cache, key, 600, factory);
      ops += 100;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const stats = await cache.stats();
  if (stats.misses !== missesBefore) throw new Error(`expected hits only, saw ${stats.misses - missesBefore} misses`);
  return ops / elapsed;
}

const rows = [];
const memory = await createCache({ backend: "memory", namespace: "bench" });
for (const inFlight of [1, 64]) rows.push(["memory", inFlight, await measure(memory, inFlight)]);
const url = redisUrl();
if (url) {
  const redis = await createCache({ backend: "redis", url, namespace: "bench", prefix: `bench${process.pid}`, timeoutMs: 1000 });
  if (redis.backend !== "redis") throw new Error(`redis at ${url} unreachable`);
  for (const inFlight of [1, 64]) rows.push(["redis", inFlight, await measure(redis, inFlight)]);
  await redis.clear();
} else {
  console.warn("no Redis URL: skipping the redis rows");
}
await closeAllCaches();

console.log(`remember() hit throughput, ${seconds} s per row, node ${process.version}`);
console.log("| backend | concurrency | ops/s |");
console.log("|---|---|---|");
for (const [backend, inFlight, rate] of rows) {
  console.log(`| ${backend} | ${inFlight === 1 ? "serial" : `${inFlight} in flight`} | ${Math.round(rate).toLocaleString("en-US")} |`);
}
