#!/usr/bin/env node
// Auth benchmark: the hello route public, secured with a Bearer token (HS256 verified on every
// request), and secured by a logged-in session read from Redis (and from memory) on every
// request. Each server runs in its own child process pinned to core 0 with taskset; this
// process generates load (autocannon) on the rest. Run after a build: `node scripts/build.mjs`.
//
// Options (environment): BENCH_DURATION (5 s), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (100),
// BENCH_PIPELINING (10), BENCH_ROUNDS (2, interleaved, best kept), BENCH_ONLY (ids).
import { benchHello, checkHello } from "./lib/hello-bench.mjs";

await benchHello({
  name: "bench/auth",
  script: "tina4-auth.mjs",
  scenarios: [
    { id: "public", label: "public GET" },
    { id: "bearer", label: "secured GET, Bearer token" },
    { id: "session-redis", label: "secured GET, session on Redis" },
    { id: "session-memory", label: "secured GET, session in memory" },
  ],
  // a secured mode must refuse a request without its credentials
  verify: async (scenario, port) => {
    if (scenario.id !== "public") await checkHello(port, {}, 401);
  },
});
