/**
 * Shared helpers of the queue tests: an isolated store per test (a fresh SQLite file, a fresh
 * PostgreSQL/MariaDB database, or a unique BullMQ prefix on Redis/Valkey), an app folder with
 * job files, and `tina4 worker` processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import type { QueueConfig } from "../../runtime/jobs/index.js";
import { freshDatabase } from "../migrate/engines.js";
import { bin, cliEnv, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";

export type StoreKind = "sqlite" | "postgres" | "mysql" | "redis" | "valkey";
export const STORE_KINDS: readonly StoreKind[] = ["sqlite", "postgres", "mysql", "redis", "valkey"];

const SERVICE = { postgres: "POSTGRES", mysql: "MYSQL", redis: "REDIS", valkey: "VALKEY" } as const;

/** False (after printing why) when the store's server is not configured locally; throws under TINA4_TEST_SERVICES=required. */
export function storeAvailable(kind: StoreKind): boolean {
  return kind === "sqlite" || serviceUrl(SERVICE[kind]) !== undefined;
}

export interface TestStore {
  kind: StoreKind;
  /** Settings for configureQueue() in this process. */
  config: Partial<QueueConfig>;
  /** The same settings as environment variables, for `tina4 worker` processes. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function freshStore(kind: StoreKind, label: string, extra: Partial<QueueConfig> = {}): Promise<TestStore> {
  const tuning = { visibilityTimeoutMs: 2000, pollIntervalMs: 50, ...extra };
  const tuningEnv = {
    TINA4_QUEUE_VISIBILITY_TIMEOUT: String(Math.round(tuning.visibilityTimeoutMs / 1000)),
    TINA4_QUEUE_POLL_INTERVAL: String(tuning.pollIntervalMs),
    TINA4_LOG_LEVEL: "warn",
  };
  if (kind === "redis" || kind === "valkey") {
    const url = serviceUrl(SERVICE[kind])!;
    const prefix = `t4q_${label}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    return {
      kind,
      config: { backend: kind, url, prefix, ...tuning },
      env: { TINA4_QUEUE_BACKEND: kind, TINA4_QUEUE_URL: url, TINA4_QUEUE_PREFIX: prefix, ...tuningEnv },
      cleanup: () => deleteKeys(url, `${prefix}:*`),
    };
  }
  const db = kind === "sqlite" ? await freshDatabase("sqlite", label) : await freshDatabase(kind, label);
  return {
    kind,
    config: { backend: "database", url: db.url, ...tuning },
    env: { TINA4_QUEUE_BACKEND: "database", TINA4_QUEUE_URL: db.url, ...tuningEnv },
    cleanup: () => db.drop(),
  };
}

/** Removes a test's keys (its own prefix only). */
export async function deleteKeys(url: string, pattern: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) if (keys.length > 0) await client.unlink(keys);
  } finally {
    await client.close();
  }
}

/** A minimal app (the CLI wants src/routes) with these job files under src/jobs/. */
export function appWithJobs(jobs: Record<string, string>): string {
  const root = tempDir("tina4-jobs-");
  mkdirSync(join(root, "src", "routes"), { recursive: true });
  mkdirSync(join(root, "src", "jobs"), { recursive: true });
  for (const [name, source] of Object.entries(jobs)) writeFileSync(join(root, "src", "jobs", name), source);
  return root;
}

export function removeApp(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Every process these helpers started and that is still running: killed when the test process exits, whatever happened. */
const spawned = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of spawned) child.kill("SIGKILL");
});

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `tina4 worker` and resolves once it reports ready. */
export function startWorker(root: string, env: Record<string, string>, args: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [bin, "worker", ...args], { cwd: root, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  spawned.add(child);
  child.on("exit", () => spawned.delete(child));
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/tina4 worker \d+ on [\s\S]*Ctrl-C or SIGTERM/.test(output)) {
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, output: () => output, exited });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready:\n${output}`));
    });
    timer.unref?.();
  });
}

/** Kills what is still running (SIGKILL) and waits for the exits. */
export async function killAll(workers: readonly WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  await Promise.all(workers.map((w) => w.exited));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `ms` pass (then fails with `what`). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 30_000, every = 50): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}
