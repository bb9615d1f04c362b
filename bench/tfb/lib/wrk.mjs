// wrk as the load generator, pinned to its own core. A small Lua `done` hook prints the
// summary as one JSON line; plaintext uses HTTP pipelining (16 requests per write, as TFB runs it).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPORT = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('TFB_RESULT {"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

// wrk decides once, before init(), whether a script's request() is dynamic: the pipelined
// variant must define request() at top level.
const PIPELINE = `
local depth = 1
local batch = nil
function init(args)
  depth = tonumber(args[1]) or 1
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  batch = table.concat(r)
end
function request()
  return batch
end
${REPORT}`;

let scripts = null;
function scriptFiles() {
  if (scripts) return scripts;
  const dir = mkdtempSync(join(tmpdir(), "tina4-tfb-wrk-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  scripts = { report: join(dir, "report.lua"), pipeline: join(dir, "pipeline.lua") };
  writeFileSync(scripts.report, REPORT);
  writeFileSync(scripts.pipeline, PIPELINE);
  return scripts;
}

export const WRK = process.env.TINA4_WRK ?? "/usr/bin/wrk";

export function wrkAvailable() {
  return existsSync(WRK);
}

/**
 * Runs wrk -t1 -c<connections> -d<seconds> against url. Resolves { requests, reqPerSec,
 * errors (socket + non-2xx), p50Ms, p99Ms }.
 */
export function runWrk({ url, seconds, connections = 64, pipeline = 1, core = null }) {
  const { report, pipeline: pipelined } = scriptFiles();
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", pipeline > 1 ? pipelined : report, url];
  if (pipeline > 1) args.push("--", String(pipeline));
  const [command, argv] = core === null || !existsSync("/usr/bin/taskset") ? [WRK, args] : ["/usr/bin/taskset", ["-c", String(core), WRK, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("TFB_RESULT "));
      if (code !== 0 || !line) return reject(new Error(`wrk exited ${code}: ${out.slice(-1000)}`));
      const r = JSON.parse(line.slice("TFB_RESULT ".length));
      resolve({
        requests: r.requests,
        reqPerSec: r.requests / (r.durationUs / 1e6),
        errors: r.connect + r.read + r.write + r.timeout + r.status,
        nonSuccess: r.status,
        p50Ms: r.p50Us / 1000,
        p99Ms: r.p99Us / 1000,
        raw: out,
      });
    });
  });
}
