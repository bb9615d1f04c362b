import cluster from "node:cluster";
import { setting } from "../../runtime/config/settings.js";
import { ui } from "../ui.js";
import { formatLoadError } from "../load-error.js";
import { describeExit, listenFailure, restartDelay, setupPrimary, WorkerExited, WorkerHandle, WorkerListenFailed, WorkerLoadFailed, WorkerRefused } from "./worker-handle.js";
import { takePreforked } from "./prefork.js";
import type { WorkerConfig } from "./protocol.js";
import { discoverJobFiles } from "../../runtime/jobs/processors.js";

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

/** serve.ts reads the count from here; prefork.ts from worker-count.ts itself (it loads before this). */
export { workerCount } from "./worker-count.js";

/** Crashes inside this window count towards the crash-loop limit. */
const CRASH_WINDOW_MS = 60_000;

/**
 * The production primary: forks the workers, keeps them alive (respawn with exponential
 * backoff, stop on a crash loop), rolls them one at a time on SIGHUP and drains them on
 * SIGTERM/SIGINT. `start()` resolves with the process exit code.
 */
export class ProductionSupervisor {
  private readonly config: WorkerConfig;
  private readonly crashLimit = setting("TINA4_CRASH_LIMIT");
  private readonly shutdownMs = setting("TINA4_SHUTDOWN_TIMEOUT") * 1000;
  /** On SIGTERM workers first keep serving with /__ready at 503 for this long (worker.ts). */
  private readonly drainDelayMs = Math.max(0, setting("TINA4_DRAIN_DELAY", { production: true })) * 1000;
  private readonly slots: Array<WorkerHandle | null>;
  /** When recent crashes happened (ms), oldest first; those older than CRASH_WINDOW_MS drop out. */
  private readonly crashes: number[] = [];
  private stopping = false;
  private rolling: Promise<void> | null = null;
  private finish: (code: number) => void = () => undefined;
  private readonly done = new Promise<number>((resolve) => (this.finish = resolve));

  constructor(private readonly options: ProductionOptions) {
    this.config = { mode: "production", root: options.root, port: options.port, host: options.host, bundle: options.bundle, withWorker: options.withWorker === true, workers: options.workers };
    this.slots = new Array<WorkerHandle | null>(options.workers).fill(null);
  }

  start(): Promise<number> {
    process.on("SIGTERM", () => void this.stop("SIGTERM"));
    process.on("SIGINT", () => void this.stop("SIGINT"));
    process.on("SIGHUP", () => this.onHangUp());
    // Before the first fork (a no-op when prefork.ts forked already, from the same count).
    setupPrimary("production", this.slots.length);
    // Fork first (synchronously), then check dist/: the check runs while the workers start.
    const standby: WorkerConfig = { ...this.config, standby: true };
    const forked = this.slots.map((_, slot) => (slot === 0 ? takePreforked(this.options.root) : null) ?? new WorkerHandle(standby));
    void this.bootAll(forked, this.options.refresh());
    return this.done;
  }

  /** Boots the first workers once dist/ is fresh; reports the server, or why it could not start. */
  private async bootAll(forked: WorkerHandle[], fresh: Promise<boolean>): Promise<void> {
    const results = await Promise.allSettled(forked.map((worker, slot) => this.boot(slot, worker, fresh)));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    results.forEach((result, slot) => {
      if (result.status === "fulfilled") this.slots[slot] = result.value;
    });
    if (failed?.reason instanceof BuildFailed) return this.stopAll(1); // refresh() said why
    if (failed) return this.fail(startFailure(failed.reason as Error, this.options));
    if (this.stopping) return;
    const { host, started } = this.options;
    const first = this.slots[0]!.ready!;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${first.port}`;
    const workers = `${this.slots.length} worker${this.slots.length === 1 ? "" : "s"}: pids ${this.slots.map((w) => w!.pid).join(", ")}`;
    // every worker loaded the same app with the same settings: one line, not one per worker
    if (first.sessionWarning) ui.warn(first.sessionWarning);
    ui.success(`tina4 production server on ${ui.cyan(url)} ${ui.dim(`(${workers}; ${first.routes} routes, ${Math.round(performance.now() - started)} ms)`)}`);
    if (!this.config.withWorker) hintJobsNeedAWorker(this.options.root);
  }

  /**
   * First start of `slot`: the worker was forked in standby (for slot 0 possibly before the
   * CLI parsed its options) and boots only once dist/ is known to be fresh, so its Node
   * start overlaps the staleness check (and a rebuild) instead of following it.
   */
  private async boot(slot: number, worker: WorkerHandle, fresh: Promise<boolean>): Promise<WorkerHandle> {
    await worker.startOrKill(async () => {
      await worker.whenStandby();
      if (!(await fresh)) throw new BuildFailed();
      worker.send({ type: "boot", config: this.config });
      await worker.whenReady();
    });
    this.watch(slot, worker);
    return worker;
  }

  /** Starts a new worker for `slot` and watches it; rejects if it never becomes ready. */
  private async spawn(slot: number): Promise<WorkerHandle> {
    const worker = new WorkerHandle(this.config);
    await worker.startOrKill(() => worker.whenReady());
    this.watch(slot, worker);
    return worker;
  }

  /** Respawns `slot` with backoff when its worker dies unexpectedly; stops on a crash loop. */
  private watch(slot: number, worker: WorkerHandle): void {
    worker.onCrash((exit) => {
      if (this.stopping || this.slots[slot] !== worker) return;
      this.slots[slot] = null;
      const crashes = this.recordCrash();
      if (crashes >= this.crashLimit) {
        void this.fail(`crash loop: ${crashes} worker crashes within ${CRASH_WINDOW_MS / 1000}s (last: worker ${worker.pid} ${describeExit(exit)}); stopping`);
        return;
      }
      const delay = restartDelay(crashes - 1);
      ui.warn(`worker ${worker.pid} ${describeExit(exit)}; respawning in ${delay} ms`);
      setTimeout(() => void this.respawn(slot), delay);
    });
  }

  /** Counts a crash now; returns how many happened within the crash window. */
  private recordCrash(): number {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && this.crashes[0]! < now - CRASH_WINDOW_MS) this.crashes.shift();
    return this.crashes.length;
  }

  private async respawn(slot: number): Promise<void> {
    if (this.stopping) return;
    try {
      const worker = await this.spawn(slot);
      if (this.stopping) return void worker.stop("shutdown", this.shutdownMs);
      this.slots[slot] = worker;
      ui.success(`worker ${worker.pid} ready (replaces a crashed worker)`);
    } catch (error) {
      if (error instanceof WorkerLoadFailed) return void this.fail(`worker failed to load the app: ${formatLoadError(error.detail)}`);
      if (error instanceof WorkerRefused) return void this.fail(`refusing to serve: ${error.message}`);
      this.crashes.push(Date.now());
      if (this.crashes.length >= this.crashLimit) return void this.fail(`crash loop: a replacement worker ${(error as Error).message}; stopping`);
      setTimeout(() => void this.respawn(slot), restartDelay(this.crashes.length));
    }
  }

  private onHangUp(): void {
    if (this.stopping) return;
    if (this.rolling) return void ui.warn("SIGHUP: a rolling restart is already running");
    this.rolling = this.roll().finally(() => (this.rolling = null));
  }

  /** SIGHUP: rebuild if stale, then replace the workers one at a time, each new one listening before the old one retires. */
  private async roll(): Promise<void> {
    if (!(await this.options.refresh())) {
      ui.warn("rolling restart skipped: the build failed (workers keep the previous build)");
      return;
    }
    const slots = this.slots;
    ui.step(`SIGHUP: rolling restart of ${slots.length} worker${slots.length === 1 ? "" : "s"}`);
    for (let slot = 0; slot < slots.length && !this.stopping; slot++) {
      let next: WorkerHandle;
      try {
        next = await this.spawn(slot);
      } catch (error) {
        const detail = error instanceof WorkerLoadFailed ? formatLoadError(error.detail) : (error as Error).message;
        ui.error(`rolling restart stopped: new worker failed (${detail}); old workers keep serving`);
        return;
      }
      const old = slots[slot];
      slots[slot] = next;
      if (this.stopping) {
        void next.stop("shutdown", this.shutdownMs);
        return;
      }
      // The new worker listens before the old one stops accepting: no gap, no refused connection.
      void old?.stop("retire", this.shutdownMs + 1_000);
    }
    ui.success(`rolling restart done (pids ${slots.map((w) => w?.pid ?? "-").join(", ")})`);
  }

  /** SIGTERM/SIGINT: every worker drains (a retiring one too), then the primary exits 0. */
  private async stop(signal: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { drainDelayMs, shutdownMs } = this;
    const delay = drainDelayMs > 0 ? `/__ready answers 503 for ${drainDelayMs / 1000}s while serving, then ` : "";
    ui.step(`${signal}: draining ${this.slots.filter(Boolean).length} worker(s) (${delay}up to ${shutdownMs / 1000}s for in-flight requests)`);
    if (this.rolling) await this.rolling.catch(() => undefined);
    await Promise.all(
      Object.values(cluster.workers ?? {}).map((raw) => {
        const handle = this.slots.find((w) => w?.worker === raw);
        if (handle) return handle.stop("shutdown", drainDelayMs + shutdownMs + 2_000);
        // a retiring worker: make it stop waiting for idle keep-alive clients
        return new Promise<void>((resolve) => {
          raw!.once("exit", () => resolve());
          raw!.process.kill("SIGTERM");
        });
      }),
    );
    ui.success("stopped");
    this.finish(0);
  }

  private async fail(message: string): Promise<void> {
    if (this.stopping) return;
    ui.error(message);
    await this.stopAll(1);
  }

  private async stopAll(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(this.slots.map((worker) => worker?.stop("shutdown", 5_000)));
    this.finish(code);
  }
}

/** Why the first workers did not start, in one line. */
function startFailure(error: Error, options: ProductionOptions): string {
  if (error instanceof WorkerListenFailed) return listenFailure(error, options.port, options.host);
  if (error instanceof WorkerRefused) return `refusing to serve: ${error.message}`;
  const detail = error instanceof WorkerLoadFailed ? formatLoadError(error.detail) : error instanceof WorkerExited ? error.message : String(error.message);
  return `app failed to start: ${detail}`;
}

/** Runs the production primary until it stops; resolves with the process exit code. */
export function runProduction(options: ProductionOptions): Promise<number> {
  return new ProductionSupervisor(options).start();
}

/**
 * Production workers run no job processors unless `--with-worker`: without this line an app's
 * src/jobs/ (scheduled ones included) would silently never run when nobody starts `tina4 worker`.
 */
function hintJobsNeedAWorker(root: string): void {
  const jobs = discoverJobFiles(root);
  if (jobs.length === 0) return;
  const names = jobs.map((job) => job.name).join(", ");
  ui.step(`src/jobs/ has ${jobs.length} job file${jobs.length === 1 ? "" : "s"} (${names}): this server does not run them — start ${ui.cyan("tina4 worker")} beside it, or serve with ${ui.cyan("--with-worker")}`);
}
