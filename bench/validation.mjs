#!/usr/bin/env node
// Request validation benchmark: POST /api/orders with a 10-field JSON body on tina4 with a
// zod body schema, tina4 without validation, Fastify 5 with the equivalent JSON Schema (ajv)
// and Fastify without. Same run, interleaved rounds; each server in its own child process
// pinned to one core with taskset, the load generator (this process) to another. What
// validation costs is the difference between a framework's two scenarios (server CPU
// µs/request is the steadier figure on a shared machine). Then the validation step alone,
// in this process: tina4's validator (zod, compiled on first use) and zod uncompiled against
// ajv as Fastify configures it, on the same body (ns per call, median of 7 batches): on a busy
// machine a difference under a microsecond is lost in the HTTP figures, not here.
// Run after a build: `npm run bench`.
//
// Options (flag or environment variable; flags win):
//   --duration N     BENCH_DURATION     seconds measured per run            (7)
//   --warmup N       BENCH_WARMUP       seconds of warm-up load per run     (2)
//   --connections N  BENCH_CONNECTIONS  autocannon -c                       (100)
//   --pipelining N   BENCH_PIPELINING   autocannon -p                       (10)
//   --rounds N       BENCH_ROUNDS       interleaved rounds                  (3)
//   --json                              print one JSON document on stdout (progress → stderr)
import autocannon from "autocannon";
import { request } from "node:http";
import { cpus } from "node:os";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { measureServer, parseBenchArgs, pinLoadGenerator } from "./lib/server-bench.mjs";
import { BAD_ORDER_BODY, ORDER_BODY, ORDER_JSON_SCHEMA, ORDER_PATH, RECEIPT_BODY, zodOrder } from "./lib/order.mjs";
import { median } from "./lib/stats.mjs";

const SCENARIOS = [
  { id: "tina4-none", label: "tina4, no validation", script: "tina4-validation.mjs", args: ["none"], refuses: null },
  { id: "tina4-zod", label: "tina4, zod body schema", script: "tina4-validation.mjs", args: ["zod"], refuses: 422 },
  { id: "fastify-none", label: "Fastify 5, no validation", script: "fastify-validation.mjs", args: ["none"], refuses: null },
  { id: "fastify-schema", label: "Fastify 5, JSON Schema body", script: "fastify-validation.mjs", args: ["schema"], refuses: 400 },
];

const opts = parseBenchArgs("bench/validation", process.argv.slice(2), { duration: "7", warmup: "2", connections: "100", pipelining: "10", rounds: "3" });
const progress = (line) => process.stderr.write(`${line}\n`);

// Two cores or more: the load generator on core 0, every server on core 1.
const { pinned, serverCpus } = pinLoadGenerator();

function post(port, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: ORDER_PATH, method: "POST", agent: false, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode, body: text }));
    });
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** The server answers the valid order exactly, and (when it validates) refuses a bad one. */
async function check(scenario, port) {
  const ok = await post(port, ORDER_BODY);
  if (ok.status !== 200 || ok.body !== RECEIPT_BODY) throw new Error(`${scenario.id}: valid order got ${ok.status} ${ok.body.slice(0, 200)}`);
  if (scenario.refuses) {
    const bad = await post(port, BAD_ORDER_BODY);
    if (bad.status !== scenario.refuses) throw new Error(`${scenario.id}: invalid order got ${bad.status}, expected ${scenario.refuses}`);
  }
}

function cannon(port, duration, expectBody) {
  return autocannon({
    url: `http://127.0.0.1:${port}${ORDER_PATH}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: ORDER_BODY,
    connections: opts.connections,
    pipelining: opts.pipelining,
    duration,
    ...(expectBody === undefined ? {} : { expectBody }),
  });
}

function measure(scenario) {
  return measureServer({ id: scenario.id, script: scenario.script, args: scenario.args, serverCpus, check: (port) => check(scenario, port), cannon, warmup: opts.warmup, duration: opts.duration, warmupBody: RECEIPT_BODY });
}

const version = (name) => createRequire(import.meta.url)(`${name}/package.json`).version;
progress(`bench/validation: POST ${ORDER_PATH} (${ORDER_BODY.length}-byte body), autocannon -c ${opts.connections} -p ${opts.pipelining} -d ${opts.duration}, ` +
  `${opts.rounds} interleaved round(s), ${pinned ? "load on core 0, server on core 1" : "not pinned (taskset unavailable or one core)"}`);

const runs = Object.fromEntries(SCENARIOS.map((s) => [s.id, []]));
for (let round = 1; round <= opts.rounds; round++) {
  for (const scenario of SCENARIOS) {
    const run = await measure(scenario);
    runs[scenario.id].push(run);
    progress(`  round ${round}/${opts.rounds} ${scenario.label.padEnd(28)} ${fmtInt(run.reqPerSec).padStart(8)} req/s  p99 ${run.p99Ms} ms  server CPU ${fmt(run.serverCpuUsPerReq)} µs/req`);
  }
}

/** ns per call of each validator on a freshly parsed body, less the parse alone. */
async function validatorStep() {
  // the runtime the tina4 servers run: dist/, or TINA4_BENCH_RUNTIME (another built runtime/index.js)
  const runtime = process.env.TINA4_BENCH_RUNTIME ? pathToFileURL(process.env.TINA4_BENCH_RUNTIME) : new URL("../dist/runtime/index.js", import.meta.url);
  const { z } = await import(runtime.href);
  const { fastValidate } = await import(new URL("./validation/compile.js", runtime).href);
  const schema = zodOrder(z);
  const tina4 = fastValidate(schema);
  const zodPlain = (value) => schema["~standard"].validate(value);
  // ajv with the options Fastify's default validator compiler (@fastify/ajv-compiler) uses
  const fromFastify = createRequire(createRequire(import.meta.url).resolve("fastify"));
  const Ajv = fromFastify("ajv").default ?? fromFastify("ajv");
  const addFormats = createRequire(fromFastify.resolve("@fastify/ajv-compiler"))("ajv-formats");
  const ajv = new Ajv({ coerceTypes: "array", useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false });
  addFormats(ajv);
  const ajvCheck = ajv.compile(structuredClone(ORDER_JSON_SCHEMA));
  const fns = {
    parseOnly: () => JSON.parse(ORDER_BODY),
    tina4Zod: () => tina4(JSON.parse(ORDER_BODY)),
    zodUncompiled: () => zodPlain(JSON.parse(ORDER_BODY)),
    fastifyAjv: () => ajvCheck(JSON.parse(ORDER_BODY)),
  };
  if (tina4(JSON.parse(ORDER_BODY)).issues || !ajvCheck(JSON.parse(ORDER_BODY)) || !tina4(JSON.parse(BAD_ORDER_BODY)).issues || ajvCheck(JSON.parse(BAD_ORDER_BODY))) {
    throw new Error("validator step: a validator disagrees on the valid or the invalid order");
  }
  const calls = 100_000;
  const batches = Object.fromEntries(Object.keys(fns).map((name) => [name, []]));
  for (let batch = 0; batch < 8; batch++) {
    for (const [name, fn] of Object.entries(fns)) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) fn();
      if (batch > 0) batches[name].push(Number(process.hrtime.bigint() - started) / calls); // batch 0 warms up
    }
  }
  const parse = median(batches.parseOnly);
  return Object.fromEntries(Object.entries(batches).filter(([name]) => name !== "parseOnly").map(([name, list]) => [name, median(list) - parse]));
}

const rows = SCENARIOS.map((s) => ({
  id: s.id,
  label: s.label,
  reqPerSec: Math.max(...runs[s.id].map((r) => r.reqPerSec)),
  serverCpuUsPerReq: median(runs[s.id].map((r) => r.serverCpuUsPerReq)),
  rounds: runs[s.id],
}));
const by = Object.fromEntries(rows.map((r) => [r.id, r]));
const cost = (a, b) => (by[a].serverCpuUsPerReq === null || by[b].serverCpuUsPerReq === null ? null : by[a].serverCpuUsPerReq - by[b].serverCpuUsPerReq);
const tina4Cost = cost("tina4-zod", "tina4-none");
const fastifyCost = cost("fastify-schema", "fastify-none");
const step = await validatorStep();
const goal = {
  name: "tina4 validation cost ≤ Fastify's",
  http: { tina4UsPerReq: tina4Cost, fastifyUsPerReq: fastifyCost, met: tina4Cost === null || fastifyCost === null ? null : tina4Cost <= fastifyCost },
  step: { tina4NsPerCall: step.tina4Zod, fastifyNsPerCall: step.fastifyAjv, met: step.tina4Zod <= step.fastifyAjv },
};

if (opts.json) {
  process.stdout.write(`${JSON.stringify({
    command: `node bench/validation.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    autocannon: { connections: opts.connections, pipelining: opts.pipelining, duration: opts.duration },
    warmupSeconds: opts.warmup,
    rounds: opts.rounds,
    pinned,
    aggregation: "req/s: best round; server CPU µs/req: median round",
    machine: { cores: cpus().length, cpu: cpus()[0]?.model?.trim() ?? "unknown", node: process.version, fastify: version("fastify"), zod: version("zod") },
    results: rows,
    validatorStepNsPerCall: step,
    goal,
  }, null, 2)}\n`);
} else {
  console.log(`\nPOST ${ORDER_PATH}, autocannon -c ${opts.connections} -p ${opts.pipelining} -d ${opts.duration} (warm-up ${opts.warmup}s, validated); ${opts.rounds} interleaved round(s)`);
  console.log(`${cpus().length} cores, Node ${process.version}, fastify ${version("fastify")}, zod ${version("zod")}${pinned ? ", load generator and server pinned to separate cores" : ""}\n`);
  const header = ["Server", "req/s (best)", "server CPU µs/req (median)"];
  const body = rows.map((r) => [r.label, fmtInt(r.reqPerSec), fmt(r.serverCpuUsPerReq)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  console.log([line(header), `|${widths.map((w, i) => (i ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`, ...body.map(line)].join("\n"));
  console.log(`\nValidation cost (server CPU per request): tina4 + zod ${fmt(tina4Cost)} µs, Fastify + ajv ${fmt(fastifyCost)} µs`);
  console.log(`Validation step alone (ns per call, parse excluded): tina4 (zod compiled) ${fmtInt(step.tina4Zod)}, zod uncompiled ${fmtInt(step.zodUncompiled)}, Fastify's ajv ${fmtInt(step.fastifyAjv)}`);
  console.log(`${goal.step.met ? "met   " : "MISSED"} ${goal.name}, validation step alone`);
  if (goal.http.met !== null) console.log(`${goal.http.met ? "met   " : "MISSED"} ${goal.name}, HTTP server CPU difference (noisy on a shared machine: compare with the rounds' spread)`);
}

function fmt(n) {
  return n === null ? "–" : n.toFixed(1);
}

function fmtInt(n) {
  return Math.round(n).toLocaleString("en-US");
}
