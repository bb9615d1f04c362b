/**
 * `tina4 serve --production` forks its first worker before the CLI has even loaded
 * commander: a worker's own Node start (≈ 70 ms) then overlaps the primary's start, option
 * parsing and dist/ staleness check instead of following them. The worker waits in standby
 * and gets its real config (port, host, bundle) with the `boot` message, so nothing parsed
 * later can be wrong in it; a spare nobody adopts dies with the primary. Only the worker
 * count is read here already, from the raw command line (worker-count.ts): it decides how
 * connections reach the workers, fixed at this first fork (worker-handle.ts).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadEnvFiles } from "../../runtime/config/env.js";
import { setupPrimary, WorkerHandle } from "./worker-handle.js";
import { workerCount, workersFlag } from "./worker-count.js";

let spare: WorkerHandle | null = null;

/** Whether argv is a production serve worth a speculative fork (a wrong guess only costs a fork). */
export function wantsPrefork(argv: string[]): boolean {
  const command = argv.find((arg) => !arg.startsWith("-"));
  return command === "serve" && argv.includes("--production") && !argv.includes("--help") && !argv.includes("-h");
}

/**
 * How many workers `serve` will run, from the command line and the environment exactly as
 * serve.ts will count them; undefined when the count is bad (serve then stops with the error).
 */
function plannedWorkers(argv: readonly string[]): number | undefined {
  try {
    return workerCount(workersFlag(argv));
  } catch {
    return undefined;
  }
}

/** Forks the standby worker for the app in the working directory (no app: nothing to do). */
export function prefork(argv: readonly string[] = process.argv.slice(2)): void {
  const root = resolve(process.cwd());
  if (spare || !existsSync(join(root, "src", "routes"))) return;
  // A worker inherits the environment as it is at fork time: set it up exactly as `serve`
  // would (openProject loads .env files, then NODE_ENV defaults to production). Loading the
  // files again later is a no-op, since variables already set are never overridden.
  loadEnvFiles(root);
  process.env.NODE_ENV ??= "production";
  // The first fork fixes how connections reach the workers, and that depends on their count
  // (TINA4_WORKERS may come from the .env files just loaded).
  const workers = plannedWorkers(argv);
  if (workers === undefined) return;
  setupPrimary("production", workers);
  spare = new WorkerHandle({ mode: "production", root, port: 0, host: "", bundle: "", standby: true });
  process.once("exit", () => spare?.kill());
}

/** The preforked standby worker for `root`, once; null when there is none. */
export function takePreforked(root: string): WorkerHandle | null {
  const worker = spare;
  spare = null;
  if (worker && worker.config.root !== root) {
    worker.kill();
    return null;
  }
  return worker;
}
