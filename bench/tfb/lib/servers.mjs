// Starts the three TFB servers, each in its own process pinned to one core (taskset), and
// reports their process ids (tina4: the cluster primary and its worker) for CPU and RSS.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVERS_DIR = fileURLToPath(new URL("../servers/", import.meta.url));
export const TINA4_APP = fileURLToPath(new URL("../tina4-app/", import.meta.url));
const TINA4_BIN = `${ROOT}bin/tina4`;

export const SERVERS = [
  { id: "tina4", label: "tina4", cli: process.env.TINA4_TFB_CLI ?? TINA4_BIN },
  { id: "fastify", label: "Fastify 5", script: "fastify.mjs" },
  { id: "express", label: "Express 5", script: "express.mjs" },
  // the reference for /json, /plaintext and the floor of /cached-queries (a Map); other test types are not run
  { id: "node-http", label: "node:http", script: "node-http.mjs", types: ["json", "plaintext", "cached-queries"] },
];
// A/B runs: TINA4_TFB_CLI_B=<another checkout's bin/tina4> and/or TINA4_TFB_ENV_B="NAME=value ..."
// add "tina4-b", measured in the same rounds.
if (process.env.TINA4_TFB_CLI_B || process.env.TINA4_TFB_ENV_B) {
  const env = Object.fromEntries((process.env.TINA4_TFB_ENV_B ?? "").split(/\s+/).filter(Boolean).map((kv) => kv.split(/=(.*)/s, 2)));
  SERVERS.push({ id: "tina4-b", label: "tina4 (B)", cli: process.env.TINA4_TFB_CLI_B ?? SERVERS[0].cli, env });
}

/** `tina4 build` of the app (the production start would build a stale dist/ anyway; this says so first). */
export function buildTina4App(cli = TINA4_BIN) {
  const r = spawnSync(process.execPath, [cli, "build"], { cwd: TINA4_APP, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (r.status !== 0) throw new Error(`tina4 build failed in ${TINA4_APP}:\n${r.stdout}\n${r.stderr}`);
}

/**
 * taskset prefix, when taskset exists and a core was asked for; with TFB_NO_ASLR=1 also
 * `setarch -R` (the same memory layout on every start), to tell whether the speed a server
 * process runs at for its whole life comes from where its memory landed.
 */
function pinned(core, command, args) {
  let out = [command, args];
  if (core !== null && core !== undefined && existsSync("/usr/bin/taskset")) out = ["/usr/bin/taskset", ["-c", String(core), command, ...args]];
  if (process.env.TFB_NO_ASLR === "1" && existsSync("/usr/bin/setarch")) out = ["/usr/bin/setarch", [process.arch === "x64" ? "x86_64" : process.arch, "-R", out[0], ...out[1]]];
  return out;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Child process ids of `pid` (Linux /proc), recursively. */
export function processTree(pid) {
  // Parent links from /proc/<n>/stat: /proc/<pid>/task/<pid>/children lists only the children
  // of that one thread and missed the tina4 worker now and then (its CPU then read as 0).
  const parentOf = new Map();
  try {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // exited while we looked
      }
    }
  } catch {
    return [pid]; // not Linux
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const [child, parent] of parentOf) if (parent === out[i]) out.push(child);
  }
  return out;
}

async function waitReady(port, child, label, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${label} exited (code ${child.exitCode}) before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/json`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${label} did not answer /json within ${timeoutMs} ms`);
}

/**
 * @param {{ id: string, label: string, script?: string }} def
 * @param {{ databaseUrl: string, pool: number, core?: number | null, nodeArgs?: string[], env?: object }} options
 */
export async function startServer(def, options) {
  const port = await freePort();
  const nodeArgs = options.nodeArgs ?? [];
  let command;
  let env;
  let cwd;
  if (def.cli) {
    // node flags (--cpu-prof) reach the worker too: node:cluster forks with the primary's execArgv
    command = pinned(options.core, process.execPath, [...nodeArgs, def.cli, "serve", "--production", "--workers", "1", "--port", String(port), "--host", "127.0.0.1"]);
    env = {
      TINA4_DATABASE_URL: options.databaseUrl,
      TINA4_DB_POOL: String(options.pool),
      TINA4_SECRET: randomBytes(16).toString("hex"),
    };
    cwd = TINA4_APP;
  } else {
    command = pinned(options.core, process.execPath, [...nodeArgs, SERVERS_DIR + def.script]);
    env = { TFB_DATABASE_URL: options.databaseUrl, TFB_POOL: String(options.pool), PORT: String(port) };
    cwd = ROOT;
  }
  const child = spawn(command[0], command[1], {
    cwd,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "production", NO_COLOR: "1", ...env, ...def.env, ...options.env },
  });
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = once(child, "exit");
  try {
    await waitReady(port, child, def.label, 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${error.message}\n${output}`);
  }
  return {
    def,
    port,
    pid: child.pid,
    /** The server's processes now (tina4: primary + worker). */
    pids: () => processTree(child.pid),
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
