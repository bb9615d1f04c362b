import type { Command } from "commander";
import { createServer } from "node:net";
import { join } from "node:path";
import { setting } from "../../runtime/config/settings.js";
import { checkStartupSettings } from "../validate-settings.js";
import { generateSecret, secretProblem } from "../../runtime/auth/secret.js";
import { openProject, type Project } from "../project.js";
import { CliError, CliErrorCode } from "../errors.js";
import { ui } from "../ui.js";

interface ServeOptions {
  port?: string;
  host?: string;
  production?: boolean;
  workers?: string;
  quiet?: boolean;
  withWorker?: boolean;
}

export function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`Invalid port "${text}" (expected 0-65535)`, CliErrorCode.PORT);
  return port;
}

/**
 * `tina4 serve`: this process becomes the node:cluster primary and owns the port; workers
 * run the app. Dev watches and reloads with no gap; production runs the `tina4 build`
 * bundle on N workers (see docs/serve.md).
 */
/**
 * Port 0 becomes a concrete free port up front, so a worker forked later (respawn, reload)
 * joins the same port even when no other worker is listening at that moment.
 */
async function concretePort(port: number, host: string): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, host, () => resolve());
  });
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

/**
 * TINA4_SECRET signs session cookies and tokens. Production refuses to start without a usable
 * one; dev warns and gives this serve run one random secret, shared by its workers (so a dev
 * reload keeps sessions), gone when it stops. The secret itself is never printed.
 */
function checkSecret(dev: boolean): void {
  const problem = secretProblem();
  if (problem === null) return;
  if (!dev) throw new CliError(`${problem.message}. Production refuses to start without it.`, problem.code);
  ui.warn(`${problem.message}. Dev uses a random secret until this server stops.`);
  process.env.TINA4_SECRET = generateSecret();
}

/** Dev: warns when migrations/ holds files the database has not applied (runs alongside the start). */
async function warnPendingMigrations(project: Project): Promise<void> {
  try {
    const { pendingMigrations } = await import("../pending-migrations.js");
    const pending = await pendingMigrations(project);
    if (!pending) return;
    const shown = pending.length > 3 ? `${pending.slice(0, 3).join(", ")}, …` : pending.join(", ");
    ui.warn(`${pending.length} migration${pending.length === 1 ? " is" : "s are"} not applied yet (${shown}): run ${ui.cyan("tina4 migrate")}`);
  } catch (error) {
    ui.warn(`could not check for pending migrations: ${(error as Error).message}`);
  }
}

/** Warns once per configured database or cache server that does not answer; serving goes on (runs alongside the start). */
async function warnUnreachable(project: Project): Promise<void> {
  try {
    const { missingDrivers, unreachableServices } = await import("../reachability.js");
    for (const line of missingDrivers(project)) ui.warn(line);
    for (const line of await unreachableServices(project)) ui.warn(line);
  } catch (error) {
    ui.warn(`could not check the database and cache servers: ${(error as Error).message}`);
  }
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the app (dev mode: watch, reload, live reload; --production: cluster of workers)")
    .option("-p, --port <port>", "port to listen on (TINA4_PORT, 7148)")
    .option("-H, --host <host>", "interface to bind (TINA4_HOST; 127.0.0.1 in dev, 0.0.0.0 in production)")
    .option("--production", "production mode: run the dist/ bundle on a cluster of workers")
    .option("-w, --workers <count>", "production workers (TINA4_WORKERS, one per core)")
    .option("--with-worker", "production: also run the job processors of src/jobs/ in each worker (dev runs them unless TINA4_QUEUE_INLINE=false)")
    .option("-q, --quiet", "dev: do not log one line per request")
    .action(async (options: ServeOptions) => {
      const started = performance.now();
      const before = new Set(Object.keys(process.env));
      const project = openProject();
      const envFromFiles = Object.keys(process.env).filter((name) => !before.has(name));
      checkStartupSettings();
      void warnUnreachable(project);
      const dev = !options.production;
      if (!dev) process.env.NODE_ENV ??= "production";
      checkSecret(dev);
      if (dev) void warnPendingMigrations(project);
      const host = options.host ?? setting("TINA4_HOST", { production: !dev });
      const port = await concretePort(options.port !== undefined ? parsePort(options.port, 7148) : setting("TINA4_PORT"), host);
      if (dev && options.workers !== undefined) ui.warn("--workers applies to --production only; dev runs one worker");
      if (dev && options.withWorker) ui.warn("--with-worker applies to --production only; dev runs job processors in-process unless TINA4_QUEUE_INLINE=false");
      if (!dev && options.quiet) ui.warn("--quiet applies to dev mode only");
      const code = dev ? await serveDev(project, port, host, started, envFromFiles, options.quiet === true) : await serveProduction(options, project, port, host, started);
      process.exit(code);
    });
}

async function serveDev(project: Project, port: number, host: string, started: number, envFromFiles: string[], quiet: boolean): Promise<number> {
  const { DevServer } = await import("../dev/supervisor.js");
  const server = new DevServer({ project, port, host, started, envFromFiles, quiet });
  await server.start();
  return server.done;
}

async function serveProduction(options: ServeOptions, project: Project, port: number, host: string, started: number): Promise<number> {
  const { runProduction, workerCount } = await import("../cluster/production.js");
  const { BUNDLE_FILE, staleReason } = await import("../bundle/freshness.js");
  let workers: number;
  try {
    workers = workerCount(options.workers);
  } catch (error) {
    throw new CliError((error as Error).message, CliErrorCode.WORKERS);
  }
  const refresh = async (): Promise<boolean> => {
    if (!staleReason(project.root)) return true;
    const { withBuildLock } = await import("../bundle/build-lock.js");
    try {
      // Another instance starting in this folder may be building it: wait for that build, then look again.
      return await withBuildLock(project.root, (holder) => ui.step(`waiting for another build of dist/ (${holder})`), async () => {
        const reason = staleReason(project.root);
        if (!reason) {
          ui.info("dist/ was built meanwhile by another process: using it");
          return true;
        }
        ui.step(`building dist/ (${reason})`);
        const { buildApp, printBuilt } = await import("../bundle/build.js");
        printBuilt(await buildApp(project), project.root);
        return true;
      });
    } catch (error) {
      ui.error((error as Error).message);
      return false;
    }
  };
  // runProduction calls refresh() right after forking the workers: they start meanwhile.
  return runProduction({ root: project.root, port, host, workers, bundle: join(project.root, "dist", BUNDLE_FILE), started, refresh, withWorker: options.withWorker === true });
}
