import cluster, { type Worker } from "node:cluster";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { backoff } from "../../runtime/async/backoff.js";
import { relayBusMessages } from "./bus-relay.js";
import { relayMetrics } from "./metrics-relay.js";
import { rescueHandoffs, type RescueReport } from "./handoff-rescue.js";
import { ui } from "../ui.js";
import { WORKER_ENV, type LoadError, type PrimaryMessage, type WorkerConfig, type WorkerMessage } from "./protocol.js";
import { productionWorkerExecArgv } from "./worker-flags.js";

type ReadyMessage = Extract<WorkerMessage, { type: "ready" }>;

/** The worker exited (or was killed) before it reached the state we waited for. */
export class WorkerExited extends Error {
  constructor(readonly code: number | null, readonly signal: string | null) {
    super(`worker exited ${signal ? `by ${signal}` : `with code ${code}`} before it was ready`);
  }
}

/** The worker could not load the app; it waits for `serve-error` or `shutdown`. */
export class WorkerLoadFailed extends Error {
  constructor(readonly detail: LoadError) {
    super(detail.message);
  }
}

/** The app loaded but refuses to serve as configured (memory sessions on 2+ workers: session-sharing.ts). */
export class WorkerRefused extends Error {}

/** The worker could not listen (port in use, permission denied). */
export class WorkerListenFailed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** How long to wait before restarting after `crashes` crashes in a row: 100 ms doubling up to 5 s. */
export function restartDelay(crashes: number): number {
  return backoff(crashes, 100, 5_000);
}

/** "killed by SIGKILL" or "exited with code 3". */
export function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The one-line message for a listen failure. */
export function listenFailure(error: WorkerListenFailed, port: number, host: string): string {
  if (error.code === "EADDRINUSE") return `Port ${port} is already in use on ${host} (try --port)`;
  if (error.code === "EACCES") return `No permission to listen on ${host}:${port} (ports below 1024 need privileges)`;
  return `Could not listen on ${host}:${port}: ${error.message}`;
}

/** Says what became of the connections a dead worker had not accepted yet (handoff-rescue.ts). */
function reportRescue({ worker, handedOn, closed }: RescueReport): void {
  const count = (n: number) => `${n} connection${n === 1 ? "" : "s"}`;
  if (handedOn) ui.warn(`${count(handedOn)} in transit to worker ${worker.process.pid} handed to another worker`);
  if (closed) ui.warn(`${count(closed)} in transit to worker ${worker.process.pid} closed (no other worker could take them)`);
}

/**
 * Whether the primary accepts connections and hands them to workers (node:cluster's SCHED_RR)
 * rather than letting workers accept from the shared listening socket (SCHED_NONE).
 * - one worker serving (dev; production with --workers 1): nothing to balance, so workers
 *   accept themselves. The primary does no work per connection (a round-robin hand-off cost
 *   it ≈ 50 µs of CPU per new connection), and no connection is ever in transit between
 *   processes: the kernel keeps pending connections for whichever worker listens, through a
 *   rolling restart or a dev reload (the new worker listens before the old one stops).
 * - production with more workers: round-robin, so a busy worker does not starve the others
 *   (Linux spreads connections between processes accepting on one socket unevenly).
 * `workers` undefined: production's count is not known (round-robin, as for several).
 */
export function handsOutConnections(mode: WorkerConfig["mode"], workers?: number): boolean {
  return mode === "production" && workers !== 1;
}

let roundRobin: boolean | null = null;

/**
 * Makes this process the cluster primary running `worker.js`. The first call fixes how
 * connections reach workers for the life of the process (node:cluster freezes its scheduling
 * policy at the first fork; docs/decisions.md, "How connections reach workers"), so production
 * calls it with its worker count before forking — prefork.ts even before commander has parsed
 * `--workers`. Later calls change nothing.
 */
export function setupPrimary(mode: WorkerConfig["mode"], workers?: number): void {
  if (roundRobin !== null) return;
  roundRobin = handsOutConnections(mode, workers);
  cluster.schedulingPolicy = roundRobin ? cluster.SCHED_RR : cluster.SCHED_NONE;
  // scripts/build.mjs bundles the worker with the runtime (faster start); fall back to the module.
  const loader = fileURLToPath(new URL("./worker-loader.cjs", import.meta.url));
  const exec = existsSync(loader) ? loader : fileURLToPath(new URL("./worker.js", import.meta.url));
  cluster.setupPrimary({ exec, silent: false, ...(mode === "production" ? { execArgv: productionWorkerExecArgv() } : {}) });
  relayBusMessages();
  relayMetrics();
}

/**
 * One forked worker seen from the primary: its lifecycle as promises. State only moves
 * forward: starting → standby → booting → ready | failed, then exited.
 */
export class WorkerHandle {
  readonly worker: Worker;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  state: "starting" | "standby" | "booting" | "ready" | "failed" | "exited" = "starting";
  /** Set once the primary asked it to go (retire/shutdown): its exit is expected. */
  leaving = false;
  ready: ReadyMessage | null = null;
  failure: LoadError | null = null;
  listenError: WorkerListenFailed | null = null;
  refusal: WorkerRefused | null = null;
  exit: { code: number | null; signal: string | null } | null = null;
  private readonly listeners = new Set<() => void>();

  /** `config` is the fork-time config; a `boot` message may replace it (see prefork.ts). */
  constructor(readonly config: WorkerConfig) {
    setupPrimary(config.mode);
    this.worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(config) });
    this.pid = this.worker.process.pid!;
    // Only round-robin hands connections over: nothing can be in transit otherwise.
    if (roundRobin) rescueHandoffs(this.worker, reportRescue);
    this.worker.on("message", (message: WorkerMessage) => {
      // Answered at once, whatever the state: the worker waits for it to exit (see worker.ts).
      if (message.type === "leaving") return this.reply({ type: "leave" });
      if (message.type === "standby") this.state = "standby";
      else if (message.type === "ready") {
        this.state = "ready";
        this.ready = message;
      } else if (message.type === "listen-error") {
        this.listenError = new WorkerListenFailed(message.code, message.message);
      } else if (message.type === "refused") {
        this.state = "failed";
        this.refusal = new WorkerRefused(message.message);
      } else if (message.type === "load-error") {
        this.state = "failed";
        this.failure = message.error;
      }
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.worker.once("exit", (code, signal) => {
        this.state = "exited";
        this.exit = { code, signal };
        this.notify();
        resolve(this.exit);
      });
    });
    // An IPC error (worker gone mid-send) surfaces as its exit; never as an unhandled error.
    this.worker.on("error", () => undefined);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves when `done()` returns a value; rejects on exit or timeout. */
  private until<T>(done: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        let value: T | undefined;
        try {
          value = done();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value !== undefined) {
          finish();
          resolve(value);
        } else if (this.exit) {
          finish();
          reject(new WorkerExited(this.exit.code, this.exit.signal));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`worker ${this.pid} was not ${what} after ${Math.round(timeoutMs / 1000)}s`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /**
   * Runs `start` (boot it and wait until it is ready, say); a worker that fails is killed,
   * unless `keep(error)` (a dev worker that failed to load the app still shows the error).
   */
  async startOrKill(start: () => Promise<unknown>, keep: (error: unknown) => boolean = () => false): Promise<this> {
    try {
      await start();
    } catch (error) {
      if (!keep(error)) this.kill();
      throw error;
    }
    return this;
  }

  /** Calls `handler` if the worker exits without having been asked to (a crash). */
  onCrash(handler: (exit: { code: number | null; signal: string | null }) => void): void {
    void this.exited.then((exit) => {
      if (!this.leaving) handler(exit);
    });
  }

  /** Waits until the worker is warm and idle (dev spares). */
  whenStandby(timeoutMs = 30_000): Promise<true> {
    return this.until(() => (this.state === "standby" ? true : undefined), timeoutMs, "warm");
  }

  /** Waits until the worker listens; rejects with WorkerLoadFailed if the app did not load. */
  whenReady(timeoutMs = 60_000): Promise<ReadyMessage> {
    return this.until(
      () => {
        if (this.listenError) throw this.listenError;
        if (this.refusal) throw this.refusal;
        if (this.failure && this.state === "failed") throw new WorkerLoadFailed(this.failure);
        return this.ready ?? undefined;
      },
      timeoutMs,
      "ready",
    );
  }

  send(message: PrimaryMessage): void {
    if (this.exit || !this.worker.isConnected()) return;
    if (message.type === "boot") this.state = "booting";
    if (message.type === "serve-error") this.failure = null;
    if (message.type === "retire" || message.type === "shutdown") this.leaving = true;
    this.reply(message);
  }

  private reply(message: PrimaryMessage): void {
    if (this.exit || !this.worker.isConnected()) return;
    try {
      this.worker.send(message);
    } catch {
      // the channel closed under us: the exit handler takes it from here
    }
  }

  /** Asks the worker to leave and resolves on exit; SIGKILL after `killAfterMs`. */
  async stop(kind: "retire" | "shutdown", killAfterMs: number): Promise<void> {
    if (this.exit) return;
    if (kind === "shutdown") {
      // A signal, not a message: it also stops a worker still loading its modules (an IPC
      // message that arrives before the worker listens for messages is dropped).
      this.leaving = true;
      this.worker.process.kill("SIGTERM");
    } else {
      this.send({ type: kind });
    }
    const timer = setTimeout(() => this.kill(), killAfterMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.leaving = true;
    if (!this.exit) this.worker.process.kill("SIGKILL");
  }
}
