// The scaffolding of the benches that compare servers on one route: flags/env options, pinning
// the load generator to core 0 (servers go to core 1), and one checked, warmed-up, measured run of
// a server in its own child process. Used by bench/fortunes.mjs and bench/validation.mjs.
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { startServer } from "./spawn-server.mjs";
import { checkLoad } from "./check.mjs";
import { cpuMs } from "./proc-cpu.mjs";

const NUMBERS = ["duration", "warmup", "connections", "pipelining", "rounds"];

/** Prints `name: message` and exits 2 (a usage error, not a measurement). */
export function benchFail(name, message) {
  console.error(`${name}: ${message}`);
  process.exit(2);
}

/**
 * --duration --warmup --connections --pipelining --rounds (also as --flag=N) and --json; each
 * number falls back to BENCH_<NAME>, then to `defaults` (strings). Flags win.
 */
export function parseBenchArgs(name, argv, defaults) {
  const env = process.env;
  const opts = { json: false };
  for (const key of NUMBERS) opts[key] = env[`BENCH_${key.toUpperCase()}`] ?? defaults[key];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    if (flag === "--json") opts.json = true;
    else if (NUMBERS.map((key) => `--${key}`).includes(flag)) opts[flag.slice(2)] = inline ?? argv[++i];
    else benchFail(name, `unknown option ${argv[i]}`);
  }
  for (const key of NUMBERS) {
    const n = Number(opts[key]);
    if (!Number.isInteger(n) || n < (key === "warmup" ? 0 : 1)) benchFail(name, `--${key} must be a positive integer, got "${opts[key]}"`);
    opts[key] = n;
  }
  return opts;
}

/** Two cores or more: this process (the load generator) on core 0; `serverCpus` for the servers. */
export function pinLoadGenerator() {
  const pinned = cpus().length >= 2 && spawnSync("taskset", ["-a", "-pc", "0", String(process.pid)], { stdio: "ignore" }).status === 0;
  return { pinned, serverCpus: pinned ? "1" : undefined };
}

/**
 * One run: start `script args` pinned to `serverCpus`, `check(port)` it, warm it up with
 * `cannon(port, warmup, warmupBody)`, measure `cannon(port, duration)` with the server's CPU time,
 * check it again, stop it. Resolves with req/s, p99 and server CPU µs per request.
 */
export async function measureServer({ id, script, args = [], serverCpus, check, cannon, warmup, duration, warmupBody }) {
  const server = await startServer(script, args, { cpus: serverCpus });
  try {
    await check(server.port);
    const figures = await loadServer(server, { id, cannon, warmup, duration, warmupBody });
    await check(server.port);
    return figures;
  } finally {
    await server.stop();
  }
}

/** Warm-up load (when `warmup` > 0), then the measured load with the server's CPU time; both must be clean. */
export async function loadServer(server, { id, cannon, warmup, duration, warmupBody }) {
  if (warmup > 0) checkLoad(await cannon(server.port, warmup, warmupBody), `${id} warm-up`);
  const before = cpuMs(server.pid);
  const result = await cannon(server.port, duration);
  const after = cpuMs(server.pid);
  checkLoad(result, `${id} measurement`);
  return {
    reqPerSec: result.requests.average,
    p99Ms: result.latency.p99,
    serverCpuUsPerReq: before === null || after === null ? null : ((after - before) * 1000) / result.requests.total,
  };
}
