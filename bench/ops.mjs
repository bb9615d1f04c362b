#!/usr/bin/env node
// Operations cost: hello JSON on tina4 with nothing, with the request log at info (one JSON line
// per request to a file), with /__metrics counting, and with both. Each server runs in its own
// child process pinned to core 0 with taskset; this process (autocannon) gets the other core.
// Run after a build: `node scripts/build.mjs && node bench/ops.mjs`.
// Environment: BENCH_DURATION (5), BENCH_WARMUP (2), BENCH_CONNECTIONS (100), BENCH_PIPELINING (10),
// BENCH_ROUNDS (2), BENCH_ONLY (ids).
import { benchHello } from "./lib/hello-bench.mjs";

await benchHello({
  name: "bench/ops",
  script: "tina4-ops.mjs",
  scenarios: [
    { id: "off", label: "hello, logging off" },
    { id: "log", label: "hello, request log (JSON file)" },
    { id: "metrics", label: "hello, metrics on" },
    { id: "log+metrics", label: "hello, log + metrics" },
  ],
});
