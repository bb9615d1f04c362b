/** A private redis-server / memcached the test owns: started on a free loopback port, stopped by PID. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createConnection, createServer } from "node:net";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Whether a server binary (redis-server, memcached) is on PATH, so a test can start its own. */
export function serverInstalled(binary: string): boolean {
  return spawnSync(binary, ["--version"], { stdio: "ignore" }).status === 0;
}

/** A loopback port nobody listens on, searched from `from` upward. */
export async function freePort(from: number): Promise<number> {
  for (let port = from + (process.pid % 20); port < from + 200; port++) {
    if (await portFree(port)) return port;
  }
  throw new Error(`no free port from ${from}`);
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

export class PrivateServer {
  #child: ChildProcess | undefined;
  constructor(readonly kind: "redis" | "memcached", readonly port: number) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    const child = this.kind === "redis"
      ? spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(this.port), "--save", "", "--appendonly", "no"], { stdio: "ignore" })
      : spawn("memcached", ["-u", "nobody", "-l", "127.0.0.1", "-p", String(this.port), "-U", "0", "-m", "16"], { stdio: "ignore" });
    this.#child = child;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.kind} exited with ${child.exitCode}`);
      if (await accepting(this.port)) return;
      await sleep(25);
    }
    throw new Error(`${this.kind} did not start on ${this.port}`);
  }

  /** Sends `signal` to our own server process only. SIGKILL/SIGTERM wait for the exit. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (signal === "SIGKILL" || signal === "SIGTERM") {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid!, signal);
      await exited;
      this.#child = undefined;
    } else {
      process.kill(child.pid!, signal);
    }
  }

  async stop(): Promise<void> {
    if (this.#child?.pid && this.#child.signalCode === null) {
      try { process.kill(this.#child.pid, "SIGCONT"); } catch { /* gone */ }
    }
    await this.signal("SIGKILL");
  }
}
