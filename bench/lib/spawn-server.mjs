// Starts one benchmark server in its own child process and waits for its ready line.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const SERVERS_DIR = fileURLToPath(new URL("../servers/", import.meta.url));

/**
 * @param {string} script file name under bench/servers/
 * @param {string[]} args
 * @param {{ nodeArgs?: string[], timeoutMs?: number, cpus?: string, env?: Record<string, string> }} options
 *   cpus: pin the server to these cores with `taskset -c` (it execs node, so the pid is the
 *   server's); env: variables added to the server's environment
 * @returns {Promise<{ port: number, pid: number, info: object, stop(): Promise<number|null> }>}
 */
export async function startServer(script, args = [], options = {}) {
  const command = [process.execPath, ...(options.nodeArgs ?? []), SERVERS_DIR + script, ...args];
  if (options.cpus) command.unshift("taskset", "-c", options.cpus);
  const child = spawn(command[0], command.slice(1), {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, NODE_ENV: "production", ...options.env },
  });
  const exited = once(child, "exit").then(([code]) => code);
  const info = await new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not report ready within ${options.timeoutMs ?? 15000} ms`));
    }, options.timeoutMs ?? 15000);
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf("\n");
      if (newline === -1) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, newline)));
      } catch {
        reject(new Error(`${script} printed an unexpected ready line: ${buffer.slice(0, newline)}`));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (code ${code}) before it was ready`));
    });
  });
  child.stdout.resume();
  return {
    port: info.port,
    pid: child.pid,
    info,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
