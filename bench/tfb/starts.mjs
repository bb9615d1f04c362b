#!/usr/bin/env node
// One test type over several fresh starts of each server, one server at a time: whether a server
// keeps one speed for its life or lands on different ones per start, and what moves it.
// Per start: wrk (pinned to core 0) warms up 2 s and measures 3 s against the server (pinned to
// core 1); prints req/s, server CPU µs per request (user/system), the server main thread's
// context switches per 1,000 requests, and how busy each core was.
//   node bench/tfb/starts.mjs [servers=tina4,fastify] [starts=5] [path=/json]
//   PRIME=20   first request every other TFB route 20 times (what the suite's validation does)
//   TFB_STARTS_ENV="NAME=value ..."   extra environment for the servers
// PostgreSQL from .ci/services.sh with the TFB tables seeded (node bench/tfb/run.mjs --validate-only).
import { readFileSync } from "node:fs";
import { SERVERS, startServer } from "./lib/servers.mjs";
import { runWrk } from "./lib/wrk.mjs";
import { serverUrl, withDatabase } from "./lib/postgres.mjs";
import { coreTicks, coreShare } from "../lib/cpu-stat.mjs";

const [ids = "tina4,fastify", starts = "5", path = "/json"] = process.argv.slice(2);
const env = Object.fromEntries((process.env.TFB_STARTS_ENV ?? "").split(/\s+/).filter(Boolean).map((kv) => kv.split(/=(.*)/s, 2)));
const OTHER_ROUTES = ["/json", "/plaintext", "/db", "/queries?queries=20", "/fortunes", "/updates?queries=5", "/cached-queries?count=20"];

function cpu(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return { user: Number(f[11]) * 10, system: Number(f[12]) * 10 }; // ms (USER_HZ 100)
}

function switches(pid) {
  const s = readFileSync(`/proc/${pid}/task/${pid}/status`, "utf8");
  return { voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(s)[1]), involuntary: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(s)[1]) };
}

const server0 = serverUrl();
if (!server0) throw new Error("no PostgreSQL configured: bash .ci/services.sh start");
const databaseUrl = withDatabase(server0, process.env.TFB_DATABASE ?? "tfb");
for (let start = 0; start < Number(starts); start++) {
  for (const id of ids.split(",")) {
    const def = SERVERS.find((s) => s.id === id);
    if (!def) throw new Error(`unknown server ${id} (${SERVERS.map((s) => s.id).join(", ")})`);
    const server = await startServer(def, { databaseUrl, pool: 8, core: 1, env });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const routes = def.types ? OTHER_ROUTES.filter((r) => def.types.some((t) => r.startsWith(`/${t}`))) : OTHER_ROUTES;
      for (let k = 0; k < Number(process.env.PRIME ?? 0); k++) for (const route of routes) await (await fetch(base + route)).arrayBuffer();
      await runWrk({ url: base + path, seconds: 2, core: 0 });
      const pids = server.pids();
      const main = pids[pids.length - 1]; // tina4: its worker; the others: the server itself
      const [c0, s0, t0] = [cpu(main), switches(main), coreTicks()];
      const r = await runWrk({ url: base + path, seconds: 3, core: 0 });
      const [c1, s1, t1] = [cpu(main), switches(main), coreTicks()];
      const per = (ms) => ((ms * 1000) / r.requests).toFixed(1);
      console.log(JSON.stringify({
        server: id, start, reqPerSec: Math.round(r.reqPerSec),
        cpuUs: per(c1.user - c0.user + c1.system - c0.system), userUs: per(c1.user - c0.user), systemUs: per(c1.system - c0.system),
        voluntaryPer1000: (((s1.voluntary - s0.voluntary) * 1000) / r.requests).toFixed(1),
        involuntaryPer1000: (((s1.involuntary - s0.involuntary) * 1000) / r.requests).toFixed(1),
        wrkCoreBusy: coreShare(t0, t1, 0)?.busy, serverCoreBusy: coreShare(t0, t1, 1)?.busy,
      }));
    } finally {
      await server.stop();
    }
  }
}
