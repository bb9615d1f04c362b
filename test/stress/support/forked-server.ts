/** A test server in its own process (a script that reports `{ port }` over IPC and obeys "stop"). */
import { fork, type ChildProcess } from "node:child_process";

export interface ForkedServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Sends `message` and resolves with the server's next IPC reply. */
  ask<T>(message: string): Promise<T>;
  /** "stop" closes the server gracefully (it exits without replying); SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Forks `script` with --expose-gc (the tests read its heap) and waits for its port. */
export async function forkServer(script: string, env: Record<string, string>): Promise<ForkedServer> {
  const child = fork(script, [], {
    execArgv: ["--expose-gc"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const { port } = await new Promise<{ port: number }>((resolve) => child.once("message", (m) => resolve(m as { port: number })));
  return {
    child,
    port,
    stderr: () => errors,
    ask<T>(message: string) {
      return new Promise<T>((resolve) => {
        child.once("message", (reply) => resolve(reply as T));
        child.send(message);
      });
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      if (child.connected) child.send("stop");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
