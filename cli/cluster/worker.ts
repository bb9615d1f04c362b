/**
 * Entry point of every `tina4 serve` worker process (forked by the primary with
 * node:cluster). The worker loads the app — TypeScript sources through the dev loader, or
 * the `tina4 build` bundle in production — then listens; node:cluster routes its listen to
 * the primary's socket, so workers never bind the port themselves.
 */
import type { Server, ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import * as runtime from "../../runtime/index.js";
import { createHttpServer, drainServer } from "../../runtime/http/server.js";
import { loadRouteFiles, type RouteFile } from "../../runtime/router/file-routes.js";
import { setting } from "../../runtime/config/settings.js";
import { runShutdownHooks } from "../../runtime/lifecycle.js";
import { PRECOMPILED_FILE } from "../../runtime/templates/precompile.js";
import { addReadinessCheck } from "../../runtime/ready.js";
import { log } from "../../runtime/log.js";
import { installRequestLog } from "../../runtime/ops/request-log.js";
import { configureLogger } from "../../runtime/ops/logger.js";
import { installMetrics } from "../../runtime/ops/metrics.js";
import { installTracing } from "../../runtime/ops/tracing.js";
import { CODE_CACHE_HOOK, WORKER_ENV, type LoadError, type PrimaryMessage, type WorkerConfig, type WorkerMessage } from "./protocol.js";
import { describeLoadError } from "../load-error.js";
import { appScriptFile } from "../bundle/script-form.js";
import { loadCachedScript } from "./cached-script.js";
import type { BundledJobFile } from "./jobs.js";
import { sessionStoresInUse } from "../../runtime/session/usage.js";
import { sessionSharingProblem } from "./session-sharing.js";

/** A route file inside a bundle: `load()` evaluates that module (lazily, in manifest order). */
export interface BundledRouteFile extends Omit<RouteFile, "absolute"> {
  load: () => Promise<unknown>;
}

/** The global through which a bundle's `tina4` import reaches the runtime serving it. */
export const RUNTIME_GLOBAL = Symbol.for("tina4.runtime");

let config = JSON.parse(process.env[WORKER_ENV] ?? "null") as WorkerConfig | null;
if (!config) throw new Error(`${WORKER_ENV} is not set: this module is started by \`tina4 serve\``);
const dev = config.mode === "dev";
const { app } = runtime;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

// The primary coordinates shutdown: a terminal's Ctrl-C (SIGINT) and hang-up (SIGHUP) reach
// the whole process group, and only the primary should act on them.
process.on("SIGINT", () => undefined);
process.on("SIGHUP", () => undefined);
process.on("SIGTERM", () => void stop(false));

let server: Server | null = null;
let loadError: LoadError | null = null;
let stopping = false;
/** Dev, retiring after a reload: requests on lingering keep-alive connections go to the serving worker. */
let forwarding = false;
let live: import("../dev/live-reload.js").LiveHub | null = null;
/** This worker's job processors (dev inline, production --with-worker), once started. */
let jobs: Promise<import("../../runtime/jobs/runner.js").JobRunner | null> | null = null;

process.on("message", (message: PrimaryMessage) => {
  switch (message.type) {
    case "boot":
      if (message.config) config = message.config;
      void boot();
      break;
    case "serve-error":
      loadError = message.error;
      void startListening();
      break;
    case "error-mode":
      loadError = message.error;
      live?.send("reload");
      break;
    case "live":
      live?.send(message.event, message.path ?? "");
      break;
    case "retire":
      void stop(true);
      break;
    case "shutdown":
      void stop(false);
      break;
    case "leave":
      onLeave?.();
      break;
  }
});

async function boot(): Promise<void> {
  const started = performance.now();
  app.configure({
    dev,
    publicDir: join(config!.root, "public"),
    maxBody: setting("TINA4_MAX_BODY"),
    templatesDir: join(config!.root, "src", "templates"),
    precompiledTemplates: join(config!.root, "dist", PRECOMPILED_FILE),
  });
  await devHooksFirst();
  // before the app's code: its global middleware then runs inside the request span
  installTracing(app); // only with OTEL_EXPORTER_OTLP_ENDPOINT set
  // before the app's code too: statements and cache calls made while it loads are counted
  if (setting("TINA4_METRICS")) installMetrics(app);
  let jobFiles: BundledJobFile[] = [];
  try {
    (globalThis as Record<symbol, unknown>)[RUNTIME_GLOBAL] = runtime;
    const bundle = await loadAppBundle(config!.bundle);
    jobFiles = (bundle as { jobs?: BundledJobFile[] }).jobs ?? [];
    // One join, not one per route file (a thousand cold path.join calls cost ≈ 10 ms).
    const prefix = join(config!.root, "_").slice(0, -1);
    const files = bundle.files.map((file) => ({ ...file, absolute: prefix + (sep === "/" ? file.source : file.source.replaceAll("/", sep)) }));
    await loadRouteFiles(app, files, (file) => (file as unknown as BundledRouteFile).load());
  } catch (error) {
    send({ type: "load-error", error: describeLoadError(error, config!.root) });
    return;
  }
  // Production: sessions the workers (or machines) cannot share are judged before serving.
  let sessionWarning: string | undefined;
  if (!dev) {
    const problem = sessionSharingProblem(sessionStoresInUse(), config!.workers ?? 1, setting("TINA4_CACHE_BACKEND"));
    if (problem?.level === "error") return send({ type: "refused", message: problem.message });
    sessionWarning = problem?.message;
  }
  await startListening(performance.now() - started, sessionWarning);
  // Job processors: dev unless TINA4_QUEUE_INLINE=false, production with --with-worker (cluster/jobs.ts).
  if (jobFiles.length > 0) jobs = import("./jobs.js").then(({ startBundledJobs, wantsJobs }) => (wantsJobs(config!) ? startBundledJobs(jobFiles) : null));
}

/** Code caches to write once the worker has served (each a no-op when its cache was used). */
const cacheSaves: Array<() => void> = [];

function saveCodeCaches(): void {
  for (const save of cacheSaves.splice(0)) save();
}

/**
 * The app bundle's route table. Production runs the bundle's script form with a code cache
 * when `tina4 build` wrote one; dev and TINA4_SOURCE_MAPS=1 import the module (source maps
 * do not apply to node:vm scripts).
 */
async function loadAppBundle(bundle: string): Promise<{ files: BundledRouteFile[] }> {
  const script = appScriptFile(bundle);
  if (dev || setting("TINA4_SOURCE_MAPS") === "1" || !existsSync(script)) {
    return (await import(pathToFileURL(bundle).href)) as { files: BundledRouteFile[] };
  }
  // ES module code is strict; the script form keeps it so. `require` reaches Node built-ins only:
  // build.ts writes no script form for a bundle that needs anything else.
  const { fn, save } = loadCachedScript(script, ["module", "exports", "require"], '"use strict";');
  cacheSaves.push(save);
  const module = { exports: {} as { files: BundledRouteFile[] } };
  fn(module, module.exports, createRequire(script));
  return module.exports;
}

/**
 * Dev: the worker's hooks that run before the app's (the live-reload stream and forwarding
 * must never meet an app hook that answers first), added before the app loads. Once.
 */
async function devHooksFirst(): Promise<void> {
  if (!dev || live) return;
  const [{ LiveHub }, { installDevHooks }] = await Promise.all([import("../dev/live-reload.js"), import("../dev/worker-hooks.js")]);
  live = new LiveHub(String(process.pid));
  installDevHooks(app, {
    live,
    host: config!.host,
    port: config!.port,
    quiet: config!.quiet === true,
    stopping: () => stopping,
    forwarding: () => forwarding,
    loadError: () => loadError,
  });
}

async function startListening(loadMs = 0, sessionWarning?: string): Promise<void> {
  if (dev) {
    await devHooksFirst(); // a worker that only shows a load error never booted
    (await import("../dev/worker-hooks.js")).installLiveClient(app);
  }
  // Production: one JSON line per request (SPEC §14); dev prints its own readable line.
  if (!dev) {
    configureLogger({ defaultFormat: "json" });
    installRequestLog(app);
  }
  if (setting("TINA4_METRICS")) installMetrics(app); // once per app, like tracing
  installTracing(app); // once per app: a no-op when boot() already did (not after a load error)
  const httpServer = createHttpServer(app);
  server = httpServer;
  httpServer.once("error", (error: NodeJS.ErrnoException) => {
    send({ type: "listen-error", code: error.code ?? "", message: error.message });
    process.exitCode = 1;
    process.disconnect?.();
  });
  httpServer.listen(config!.port, config!.host, () => {
    const address = httpServer.address();
    const port = typeof address === "object" && address ? address.port : config!.port;
    send({ type: "ready", routes, loadMs: Math.round(loadMs), port, ...(sessionWarning ? { sessionWarning } : {}) });
  });
  const routes = loadError ? 0 : app.routeCount;
  // Missing code caches are written after the first response (so they also hold the request
  // path's functions, compiled by then), or at shutdown if no request came.
  const saveWorkerCache = (globalThis as Record<symbol, unknown>)[CODE_CACHE_HOOK];
  if (typeof saveWorkerCache === "function") cacheSaves.push(saveWorkerCache as () => void);
  httpServer.once("request", (_req, res: ServerResponse) => res.once("finish", () => setImmediate(saveCodeCaches)));
}

/**
 * Stops this worker. Both ways stop accepting first (the primary then hands new connections
 * to the other workers) and mark responses `Connection: close`.
 * - gentle (reload, rolling restart): idle keep-alive connections are not cut — a client may
 *   be sending on one right now; they end with their next response or the keep-alive timeout.
 * - shutdown (SIGTERM): idle connections close at once, in-flight requests get up to
 *   TINA4_SHUTDOWN_TIMEOUT, then shutdown hooks (DB pools, cache clients) run.
 */
let escalate: (() => void) | null = null;

// Dev: a worker showing a load error cannot serve the app's routes.
addReadinessCheck("app", () => {
  if (loadError) throw new Error(`the app failed to load: ${loadError.message}`);
}, { maxAgeMs: 0, enabled: () => dev });

/**
 * Production SIGTERM (SPEC §14): `/__ready` answers 503 at once (app.draining), but the
 * server keeps accepting and serving for TINA4_DRAIN_DELAY seconds (default 2) so load
 * balancers notice and stop sending first. Dev does not wait. A second signal ends the wait.
 */
function drainDelay(): Promise<void> {
  const seconds = dev ? 0 : setting("TINA4_DRAIN_DELAY", { production: true });
  if (seconds <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, seconds * 1000);
    escalate = done;
    function done(): void {
      clearTimeout(timer);
      escalate = null;
      resolve();
    }
  });
}

async function stop(gentle: boolean): Promise<void> {
  if (stopping) {
    if (!gentle) escalate?.(); // a shutdown during a gentle retire: stop waiting for idle clients
    return;
  }
  stopping = true;
  app.draining = true;
  // Job processors take no new job from now on (another worker will); the active ones finish
  // while HTTP drains, and the shutdown hooks' drain phase waits for them.
  const graceMs = setting("TINA4_SHUTDOWN_TIMEOUT") * 1000;
  void jobs?.then((runner) => runner?.stop(graceMs)).catch((error: unknown) => log.error(`worker ${process.pid}: stopping the job processors failed: ${(error as Error)?.message ?? String(error)}`));
  // Forward first, then tell pages to reload: their reload may come back on a kept-alive
  // connection to this worker.
  forwarding = dev && gentle;
  live?.closeAll(gentle ? "reload" : undefined);
  if (!gentle && server) await drainDelay();
  // WebSockets and SSE streams close with 1001: their clients reconnect to another worker;
  // the close handlers settle before the shutdown hooks close the bus they broadcast on
  const timeoutSeconds = setting("TINA4_SHUTDOWN_TIMEOUT");
  const socketsClosed = server ? app.realtime.goingAway(server, timeoutSeconds * 1000) : Promise.resolve();
  if (server) {
    const drain = drainServer(server, timeoutSeconds, gentle);
    escalate = () => {
      escalate = null;
      drain.closeIdle();
    };
    const { drained } = await drain.done;
    if (!drained) log.warn(`worker ${process.pid}: shutdown timeout (${timeoutSeconds}s) reached; closing remaining connections`);
  }
  await socketsClosed;
  saveCodeCaches();
  await runShutdownHooks();
  await leaveCluster();
  process.exit(0);
}

let onLeave: (() => void) | null = null;

/**
 * Resolves once no connection can be on its way to this worker any more. node:cluster's
 * round-robin primary hands each accepted connection to a worker with an IPC message and
 * keeps it until that worker answers; a worker that exits with such a message unread leaves
 * the connection open and unanswered in the primary forever (seen as requests hanging right
 * after a reload). Our server's close went to the primary before `leaving` on the same
 * ordered channel, so every hand-off made before the primary saw the close arrives here
 * before its `leave` answer, and node:cluster refuses each one (the primary then gives it to
 * another worker). Exiting only after those refusals are written closes the gap.
 */
function leaveCluster(timeoutMs = 2_000): Promise<void> {
  if (!process.send || !process.connected) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(finish, timeoutMs); // a primary that never answers must not keep us
    onLeave = finish;
    send({ type: "leaving" });
    function finish(): void {
      clearTimeout(timer);
      onLeave = null;
      if (!process.connected) return resolve();
      // The send callback runs once this message is written, so the refusals before it are too.
      process.send!({ type: "left" } satisfies WorkerMessage, undefined, undefined, () => resolve());
    }
  });
}

// Dev: stack traces and load errors name .ts lines. Production: opt in with TINA4_SOURCE_MAPS=1.
if (dev || setting("TINA4_SOURCE_MAPS") === "1") process.setSourceMapsEnabled(true);
// No top-level await: production loads this bundle as a script (worker-loader.ts).
if (config.standby) {
  if (dev) void Promise.all([import("../dev/live-reload.js"), import("../dev/worker-hooks.js")]).then(() => send({ type: "standby" }));
  else send({ type: "standby" });
} else {
  void boot();
}
