import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { envInt } from "../../runtime/config/env.js";
import { ui } from "../ui.js";
import { formatLoadError } from "../load-error.js";
import { listenFailure, WorkerExited, WorkerHandle, WorkerListenFailed, WorkerLoadFailed } from "./pool.js";
import { takePreforked } from "./prefork.js";
import type { WorkerConfig } from "./protocol.js";

export interface ProductionOptions {
  root: string;
  port: number;
  host: string;
  bundle: string;
  workers: number;
  started: number;
  /** Run the job processors in every worker too (`--with-worker`). */
  withWorker?: boolean;
  /**
   * Rebuilds dist/ when stale; returns false when the build failed. Called once at start,
   * after the first workers were forked (they wait in standby until it settles), and
   * before each rolling restart.
   */
  refresh: () => Promise<boolean>;
}

/** The start-up build failed: refresh() already said why. */
class BuildFailed extends Error {}

/** Worker count: --workers, else TINA4_WORKERS, else the available parallelism. */
export function workerCount(flag: string | undefined): number {
  const raw = flag ?? process.env.TINA4_WORKERS;
  if (raw === undefined || raw === "") return availableParallelism();
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 1024) throw new Error(`Invalid worker count "${raw}" (expected an integer from 1)`);
  return count;
}

/** Crashes inside this window count towards the crash-loop limit. */
const CRASH_WINDOW_MS = 60_000;

/**
 * The production primary: forks the workers, keeps them alive (respawn with exponential
 * backoff, stop on a crash loop), rolls them one at a time on SIGHUP and drains them on
 * SIGTERM/SIGINT. Resolves with the process exit code.
 */
export function runProduction(options: ProductionOptions): Promise<number> {
  const config: WorkerConfig = { mode: "production", root: options.root, port: options.port, host: options.host, bundle: options.bundle, withWorker: options.withWorker === true };
  const crashLimit = envInt("TINA4_CRASH_LIMIT", 5);
  const shutdownMs = envInt("TINA4_SHUTDOWN_TIMEOUT", 30) * 1000;
  /** On SIGTERM workers first keep serving with /__ready at 503 for this long (worker.ts). */
  const drainDelayMs = Math.max(0, envInt("TINA4_DRAIN_DELAY", 2)) * 1000;
  const slots: Array<WorkerHandle | null> = new Array<WorkerHandle | null>(options.workers).fill(null);
  const crashes: number[] = [];
  let stopping = false;
  let rolling: Promise<void> | null = null;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const fail = async (message: string) => {
    if (stopping) return;
    stopping = true;
    ui.error(message);
    await Promise.all(slots.map((worker) => worker?.stop("shutdown", 5_000)));
    finish(1);
  };

  /** Runs `start` for `worker`, then watches it in `slot`; a worker that never gets ready is killed. */
  const adopt = async (slot: number, worker: WorkerHandle, start: () => Promise<unknown>): Promise<WorkerHandle> => {
    try {
      await start();
    } catch (error) {
      worker.kill();
      throw error;
    }
    watch(slot, worker);
    return worker;
  };

  /** Starts the worker for `slot` and watches it; rejects if it never becomes ready. */
  const spawn = (slot: number): Promise<WorkerHandle> => {
    const worker = new WorkerHandle(config);
    return adopt(slot, worker, () => worker.whenReady());
  };

  /**
   * First start of `slot`: the worker was forked in standby (for slot 0 possibly before the
   * CLI parsed its options) and boots only once dist/ is known to be fresh, so its Node
   * start overlaps the staleness check (and a rebuild) instead of following it.
   */
  const boot = (slot: number, worker: WorkerHandle, fresh: Promise<boolean>): Promise<WorkerHandle> =>
    adopt(slot, worker, async () => {
      await worker.whenStandby();
      if (!(await fresh)) throw new BuildFailed();
      worker.send({ type: "boot", config });
      await worker.whenReady();
    });

  /** Respawns `slot` with backoff when its worker dies unexpectedly; stops on a crash loop. */
  const watch = (slot: number, worker: WorkerHandle): void => {
    void worker.exited.then(({ code, signal }) => {
      if (worker.leaving || stopping || slots[slot] !== worker) return;
      slots[slot] = null;
      const now = Date.now();
      crashes.push(now);
      while (crashes.length && crashes[0]! < now - CRASH_WINDOW_MS) crashes.shift();
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (crashes.length >= crashLimit) {
        void fail(`crash loop: ${crashes.length} worker crashes within ${CRASH_WINDOW_MS / 1000}s (last: worker ${worker.pid} ${how}); stopping`);
        return;
      }
      const delay = Math.min(100 * 2 ** (crashes.length - 1), 5_000);
      ui.warn(`worker ${worker.pid} ${how}; respawning in ${delay} ms`);
      setTimeout(() => void respawn(slot), delay);
    });
  };

  const respawn = async (slot: number): Promise<void> => {
    if (stopping) return;
    try {
      const worker = await spawn(slot);
      if (stopping) return void worker.stop("shutdown", shutdownMs);
      slots[slot] = worker;
      ui.success(`worker ${worker.pid} ready (replaces a crashed worker)`);
    } catch (error) {
      if (error instanceof WorkerLoadFailed) return void fail(`worker failed to load the app: ${formatLoadError(error.detail)}`);
      crashes.push(Date.now());
      if (crashes.length >= crashLimit) return void fail(`crash loop: a replacement worker ${(error as Error).message}; stopping`);
      setTimeout(() => void respawn(slot), Math.min(100 * 2 ** crashes.length, 5_000));
    }
  };

  const roll = async (): Promise<void> => {
    if (!(await options.refresh())) {
      ui.warn("rolling restart skipped: the build failed (workers keep the previous build)");
      return;
    }
    ui.step(`SIGHUP: rolling restart of ${slots.length} worker${slots.length === 1 ? "" : "s"}`);
    for (let slot = 0; slot < slots.length && !stopping; slot++) {
      let next: WorkerHandle;
      try {
        next = await spawn(slot);
      } catch (error) {
        const detail = error instanceof WorkerLoadFailed ? formatLoadError(error.detail) : (error as Error).message;
        ui.error(`rolling restart stopped: new worker failed (${detail}); old workers keep serving`);
        return;
      }
      const old = slots[slot];
      slots[slot] = next;
      if (stopping) {
        void next.stop("shutdown", shutdownMs);
        return;
      }
      // The new worker listens before the old one stops accepting: no gap, no refused connection.
      void old?.stop("retire", shutdownMs + 1_000);
    }
    ui.success(`rolling restart done (pids ${slots.map((w) => w?.pid ?? "-").join(", ")})`);
  };

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const delay = drainDelayMs > 0 ? `/__ready answers 503 for ${drainDelayMs / 1000}s while serving, then ` : "";
    ui.step(`${signal}: draining ${slots.filter(Boolean).length} worker(s) (${delay}up to ${shutdownMs / 1000}s for in-flight requests)`);
    if (rolling) await rolling.catch(() => undefined);
    await Promise.all(
      Object.values(cluster.workers ?? {}).map((raw) => {
        const handle = slots.find((w) => w?.worker === raw);
        if (handle) return handle.stop("shutdown", drainDelayMs + shutdownMs + 2_000);
        // a retiring worker: make it stop waiting for idle keep-alive clients
        return new Promise<void>((resolve) => {
          raw!.once("exit", () => resolve());
          raw!.process.kill("SIGTERM");
        });
      }),
    );
    ui.success("stopped");
    finish(0);
  };

  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGHUP", () => {
    if (stopping) return;
    if (rolling) return void ui.warn("SIGHUP: a rolling restart is already running");
    rolling = roll().finally(() => (rolling = null));
  });

  // Fork first (synchronously), then check dist/: the check runs while the workers start.
  const standby: WorkerConfig = { ...config, standby: true };
  const forked = slots.map((_, slot) => (slot === 0 ? takePreforked(options.root) : null) ?? new WorkerHandle(standby));
  const fresh = options.refresh();
  void (async () => {
    const results = await Promise.allSettled(forked.map((worker, slot) => boot(slot, worker, fresh)));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    results.forEach((result, slot) => {
      if (result.status === "fulfilled") slots[slot] = result.value;
    });
    if (failed?.reason instanceof BuildFailed) {
      if (stopping) return;
      stopping = true;
      await Promise.all(slots.map((worker) => worker?.stop("shutdown", 5_000)));
      return finish(1);
    }
    if (failed) {
      const error = failed.reason as Error;
      if (error instanceof WorkerListenFailed) return void (await fail(listenFailure(error, options.port, options.host)));
      const detail = error instanceof WorkerLoadFailed ? formatLoadError(error.detail) : error instanceof WorkerExited ? error.message : String(error.message);
      await fail(`app failed to start: ${detail}`);
      return;
    }
    if (stopping) return;
    const first = slots[0]!.ready!;
    const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${first.port}`;
    ui.success(
      `tina4 production server on ${ui.cyan(url)} ${ui.dim(`(${slots.length} worker${slots.length === 1 ? "" : "s"}: pids ${slots.map((w) => w!.pid).join(", ")}; ${first.routes} routes, ${Math.round(performance.now() - options.started)} ms)`)}`,
    );
  })();

  return done;
}
