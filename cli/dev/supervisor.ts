import { basename, join } from "node:path";
import { loadEnvFiles } from "../../runtime/config/env.js";
import { logLevel, logsAtInfo } from "../../runtime/ops/logger.js";
import { ui } from "../ui.js";
import type { Project } from "../project.js";
import { Bundler, BundleError } from "../bundle/bundler.js";
import { describeExit, listenFailure, restartDelay, WorkerHandle, WorkerListenFailed, WorkerLoadFailed } from "../cluster/worker-handle.js";
import type { LoadError, PrimaryMessage, WorkerConfig } from "../cluster/protocol.js";
import { formatLoadError } from "../load-error.js";
import { appliedWithoutFile } from "../pending-migrations.js";
import { serverUrl } from "../server-url.js";
import { watchProject, type ChangeSet } from "./watcher.js";

export interface DevOptions {
  project: Project;
  port: number;
  host: string;
  started: number;
  /** Names the primary took from .env files at start (re-read when they change). */
  envFromFiles: string[];
  /** No request log lines (`--quiet`). */
  quiet?: boolean;
}

const RETIRE_MS = 35_000;

/**
 * The dev primary. It owns the port (node:cluster), rebuilds the app bundle incrementally
 * with esbuild on every change, and always keeps one worker serving. A change boots a
 * pre-started spare worker on the new bundle; only once that worker listens does the old
 * one stop accepting and drain, so no request is refused or cut. Code that fails to build
 * or load never replaces the serving worker: it answers with the error page until a fixed
 * version loads. Public files only trigger browser live reload.
 */
export class DevServer {
  private current: WorkerHandle | null = null;
  /** True when `current` runs the latest code (false: it shows a load error). */
  private healthy = false;
  private spare: WorkerHandle | null = null;
  private readonly retiring = new Set<WorkerHandle>();
  private reloading: Promise<void> | null = null;
  private queued: { reason: string; force: boolean } | null = null;
  private stopping = false;
  private crashRestarts = 0;
  private lastBundle = "";
  /**
   * What the last failed attempt was built from (bundle text, or the build error). While the
   * app is broken, a once-a-second re-check rebuilds and reloads as soon as this changes, so a
   * fix is picked up even if the file watcher missed its event.
   */
  private failedInput: string | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private watcher: ReturnType<typeof watchProject> | null = null;
  private envFromFiles: string[];
  private readonly bundler: Bundler;
  private readonly root: string;
  private finish: (code: number) => void = () => undefined;
  readonly done = new Promise<number>((resolve) => (this.finish = resolve));

  constructor(private readonly options: DevOptions) {
    this.envFromFiles = options.envFromFiles;
    this.root = options.project.root;
    this.bundler = new Bundler(options.project, join(this.root, "node_modules", ".cache", "tina4", "dev", "server.mjs"));
  }

  private config(standby: boolean): WorkerConfig {
    return { mode: "dev", root: this.root, port: this.options.port, host: this.options.host, bundle: this.bundler.outfile, standby, quiet: this.options.quiet };
  }

  async start(): Promise<void> {
    process.on("SIGINT", () => void this.stop("SIGINT"));
    process.on("SIGTERM", () => void this.stop("SIGTERM"));
    process.on("SIGHUP", () => void this.stop("SIGHUP"));
    this.watcher = watchProject(this.root, (changes) => this.onChange(changes));
    await this.runReload("start", true);
    if (this.stopping) return;
    if (!this.current) {
      ui.error("the dev server could not start a worker");
      return this.stop("", 1);
    }
    await this.watcher.ready;
    const port = this.current.ready?.port ?? this.options.port;
    const url = serverUrl(this.options.host, port);
    const ms = Math.round(performance.now() - this.options.started);
    if (this.healthy) ui.success(`tina4 dev server on ${ui.cyan(url)} ${ui.dim(`(${this.current.ready!.routes} routes, ${ms} ms)`)}`);
    else ui.warn(`tina4 dev server on ${ui.cyan(url)} shows the error above until the code is fixed`);
    ui.info(ui.dim(`  watching src/, public/, migrations/, .env*, package.json · live reload on · ${this.options.quiet ? "request log off" : logsAtInfo() ? "request log on (--quiet: off)" : `request log off (TINA4_LOG_LEVEL=${logLevel()})`} · Ctrl-C to stop`));
    this.forkSpare();
  }

  private forkSpare(): void {
    if (this.stopping || this.spare) return;
    const spare = new WorkerHandle(this.config(true));
    this.spare = spare;
    void spare.exited.then(() => {
      if (this.spare === spare) this.spare = null;
    });
  }

  /** The warm spare (or a fresh worker), started and waiting for `boot`. */
  private async takeWorker(): Promise<WorkerHandle> {
    let next = this.spare;
    this.spare = null;
    if (!next || next.exit) next = new WorkerHandle(this.config(true));
    await next.whenStandby();
    return next;
  }

  private dropSpare(): void {
    const spare = this.spare;
    this.spare = null;
    void spare?.stop("shutdown", 2_000);
  }

  /** Rebuilds, then boots a worker on the new bundle and swaps it in if it loads. */
  private async runReload(reason: string, force: boolean, onlyIfChanged = false): Promise<void> {
    const started = performance.now();
    let bundle;
    try {
      bundle = await this.bundler.build();
    } catch (error) {
      if (!(error instanceof BundleError)) throw error;
      if (this.superseded()) return;
      const input = `build-error:${JSON.stringify(error.detail)}`;
      if (onlyIfChanged && input === this.failedInput) return;
      this.failedInput = input;
      return this.failed(null, error.detail);
    }
    if (onlyIfChanged && bundle.js === this.failedInput) return;
    if (!force && this.healthy && bundle.js === this.lastBundle) {
      ui.step(`${reason}: no change in the built code`);
      return;
    }
    this.bundler.write(bundle);
    this.lastBundle = bundle.js;
    const next = await this.takeWorker();
    try {
      // a worker that failed to load the app is kept: it may show the error page (failed())
      await next.startOrKill(() => {
        next.send({ type: "boot" });
        return next.whenReady();
      }, (error) => error instanceof WorkerLoadFailed);
    } catch (error) {
      if (error instanceof WorkerLoadFailed) {
        if (this.superseded()) {
          void next.stop("shutdown", 2_000);
          return;
        }
        this.failedInput = bundle.js;
        return this.failed(next, error.detail);
      }
      if (error instanceof WorkerListenFailed && !this.current) {
        ui.error(listenFailure(error, this.options.port, this.options.host));
        return this.stop("", 1);
      }
      return this.failed(null, { message: `the new worker ${(error as Error).message}` });
    }
    const old = this.current;
    this.current = next;
    this.healthy = true;
    this.failedInput = null;
    this.watchCrash(next);
    if (old) {
      this.retiring.add(old);
      void old.stop("retire", RETIRE_MS).then(() => this.retiring.delete(old));
      ui.success(`reloaded ${ui.dim(`(${reason}; ${next.ready!.routes} routes, ${Math.round(performance.now() - started)} ms)`)}`);
    }
  }

  /**
   * True when a newer change arrived while this attempt ran: its failure is not shown, the
   * queued run follows at once. Editors save as truncate + write; under load the build can
   * read the empty file between the two, and that half-saved state must not become a 500.
   */
  private superseded(): boolean {
    return this.queued !== null && !this.stopping;
  }

  /** Code that does not build or load: the serving worker (or a new one) shows the error. */
  private async failed(next: WorkerHandle | null, error: LoadError): Promise<void> {
    ui.error(`could not load the app: ${formatLoadError(error)}`);
    this.recheckTimer ??= setInterval(() => {
      if (this.healthy || this.stopping) {
        clearInterval(this.recheckTimer!);
        this.recheckTimer = null;
      } else if (!this.reloading && this.failedInput !== null) {
        this.reload("re-check", false, true);
      }
    }, 1000).unref();
    if (this.current) {
      // Keep the last good worker (and the port); it answers with the error until fixed.
      void next?.stop("shutdown", 2_000);
      this.current.send({ type: "error-mode", error });
      this.healthy = false;
      return;
    }
    // Nothing to fall back on (first start, or after a crash): a worker serves the error page.
    const worker = next ?? (await this.takeWorker());
    try {
      await worker.startOrKill(() => {
        worker.send({ type: "serve-error", error });
        return worker.whenReady();
      });
    } catch (failure) {
      if (failure instanceof WorkerListenFailed) {
        ui.error(listenFailure(failure, this.options.port, this.options.host));
        return this.stop("", 1);
      }
      ui.error(`could not start the error page: ${(failure as Error).message}`);
      return;
    }
    this.current = worker;
    this.healthy = false;
    this.watchCrash(worker);
  }

  private watchCrash(worker: WorkerHandle): void {
    worker.onCrash((exit) => {
      if (this.stopping || this.current !== worker) return;
      this.current = null;
      this.healthy = false;
      const delay = restartDelay(this.crashRestarts);
      this.crashRestarts++;
      ui.warn(`worker ${worker.pid} ${describeExit(exit)}; restarting${delay > 100 ? ` in ${delay} ms` : ""}`);
      setTimeout(() => this.reload("crash", true), delay);
    });
  }

  private onChange(changes: ChangeSet): void {
    if (this.stopping) return;
    if (changes.env) this.reloadEnv();
    // Migrations never reload the app (the database is the user's to change): said before any code reload.
    if (changes.migrations.length) ui.step(`migration changed (${changes.migrations.join(", ")}): run ${ui.cyan("tina4 migrate")} to apply`);
    if (changes.migrationsRemoved.length) void this.onMigrationsRemoved(changes.migrationsRemoved);
    // No worker restart for templates: dev workers check a template's file before reusing it.
    if (changes.templates.length) {
      ui.step(`template changed (${changes.templates.length === 1 ? changes.templates[0] : `${changes.templates.length} files`}): pages reload`);
      this.broadcast({ type: "live", event: "reload" });
    }
    if (changes.code.length) {
      this.crashRestarts = 0;
      // forced for env and packages: the same bundle must load again to see them
      this.reload(changes.code.length === 1 ? changes.code[0]! : `${changes.code.length} files`, changes.env || changes.dependencies);
      return;
    }
    for (const path of changes.css) this.broadcast({ type: "live", event: "css", path });
    if (changes.assets.length) this.broadcast({ type: "live", event: "reload" });
  }

  /** A deleted migration file undoes nothing: says so when the database had applied it. */
  private async onMigrationsRemoved(removed: string[]): Promise<void> {
    const names = removed.filter((rel) => !rel.endsWith(".down.sql")).map((rel) => basename(rel, ".sql"));
    let applied: string[] | null = [];
    try {
      if (names.length) applied = await appliedWithoutFile(this.options.project, names);
    } catch (error) {
      applied = null;
      ui.warn(`could not ask the database about the removed migration: ${(error as Error).message}`);
    }
    if (applied?.length) {
      ui.warn(`migration removed (${removed.join(", ")}), but the database applied ${applied.join(", ")}: deleting the file does not undo it. Restore the file and run ${ui.cyan("tina4 migrate:rollback")}, or write a migration that reverses it`);
    } else {
      ui.step(`migration removed (${removed.join(", ")})${applied === null ? "" : names.length ? ": it was not applied, nothing to undo" : ""}`);
    }
  }

  private reloadEnv(): void {
    for (const name of this.envFromFiles) delete process.env[name];
    this.envFromFiles = loadEnvFiles(this.root);
    this.dropSpare(); // it was forked with the old environment
    ui.step("env files changed: reloading with the new values");
  }

  private broadcast(message: PrimaryMessage): void {
    this.current?.send(message);
  }

  /** Loads the current code; changes arriving meanwhile queue exactly one more run. */
  reload(reason: string, force = false, onlyIfChanged = false): void {
    if (this.stopping) return;
    if (this.reloading) {
      if (!onlyIfChanged) this.queued = { reason, force: force || (this.queued?.force ?? false) };
      return;
    }
    this.reloading = this.runReload(reason, force, onlyIfChanged)
      .catch((error: Error) => ui.error(`reload failed: ${error.message}`))
      .finally(() => {
        this.reloading = null;
        const queued = this.queued;
        this.queued = null;
        if (queued) this.reload(queued.reason, queued.force);
        else this.forkSpare();
      });
  }

  async stop(signal: string, code = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    if (signal) ui.step(`${signal}: stopping`);
    await this.watcher?.close();
    await this.bundler.dispose();
    const all = [this.current, this.spare, ...this.retiring].filter((w): w is WorkerHandle => w !== null);
    await Promise.all(all.map((worker) => worker.stop("shutdown", RETIRE_MS)));
    if (code === 0) ui.success("stopped");
    this.finish(code);
  }
}
