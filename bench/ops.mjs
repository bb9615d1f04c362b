#!/usr/bin/env node
// Operations cost: hello JSON on tina4 with nothing, with the request log at info (one JSON line
// per request to a file), with /__metrics counting, and with both. Each server runs in its own
// child process pinned to core 0 with taskset; this process (autocannon) is pinned to core 1.
// Figures are the median over interleaved rounds. Fastify with its logger off and on runs alongside
// as the reference (bench/servers/fastify-ops.mjs).
// Run after a build: `node scripts/build.mjs && node bench/ops.mjs`.
// Environment: BENCH_DURATION (5), BENCH_WARMUP (2), BENCH_CONNECTIONS (100), BENCH_PIPELINING (10),
// BENCH_ROUNDS (3), BENCH_ONLY (ids), BENCH_RATE (a fixed request rate), BENCH_DIST (the built dist/ to measure; default this
// checkout's), BENCH_BEFORE_DIST (another built dist/, e.g. of a `git worktree` at an older commit:
// every scenario also runs on it, "@before", interleaved with the current one — an A/B of a change).
import { benchHello } from "./lib/hello-bench.mjs";

const modes = [
  { id: "off", label: "hello, logging off" },
  { id: "log", label: "hello, request log (JSON file)" },
  { id: "metrics", label: "hello, metrics on" },
  { id: "log+metrics", label: "hello, log + metrics" },
];
const dist = process.env.BENCH_DIST;
const before = process.env.BENCH_BEFORE_DIST;
const scenarios = modes.flatMap((mode) => [
  { ...mode, args: dist ? [mode.id, dist] : [mode.id] },
  ...(before ? [{ id: `${mode.id}@before`, label: `${mode.label} [before]`, args: [mode.id, before] }] : []),
]);

// Fastify with its logger off and on, as the reference for what a request log costs elsewhere
const peers = [
  { id: "fastify", label: "Fastify, logger off", script: "fastify-ops.mjs", args: ["off"] },
  { id: "fastify+log", label: "Fastify, logger info (2 lines)", script: "fastify-ops.mjs", args: ["log"] },
  { id: "fastify+log1", label: "Fastify, logger info (1 line)", script: "fastify-ops.mjs", args: ["log1"] },
];
scenarios.push(...peers);

process.env.BENCH_ROUNDS ??= "3";
await benchHello({ name: "bench/ops", script: "tina4-ops.mjs", scenarios, stat: "median" });
