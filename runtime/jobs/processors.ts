/**
 * Job files: `src/jobs/<name>.ts` is the processor of queue `<name>`. Its default export runs
 * each job; optional exports tune it:
 *   export const concurrency = 4;            // jobs at once per worker process (default 1)
 *   export const timeout = 30_000;           // ms before an attempt counts as failed (default TINA4_QUEUE_TIMEOUT)
 *   export const schedule = "*\/5 * * * *";   // cron: one run per tick across all instances
 *   export const timezone = "Europe/London"; // the schedule's timezone (default: the process's)
 */
import { pathToFileURL } from "node:url";
import { appFilesIn, type AppFile } from "../loader/app-files.js";
import { QueueError, QueueErrorCode } from "./errors.js";
import { parseSchedule } from "./scheduler.js";
import type { Processor } from "./types.js";

export interface ProcessorSpec {
  /** The queue name (the file's base name). */
  name: string;
  /** Relative to the app root, for messages. */
  file: string;
  run: Processor;
  concurrency: number | undefined;
  timeoutMs: number | undefined;
  schedule: string | undefined;
  timezone: string | undefined;
}

/** Job files under `<root>/src/jobs` (top level; tests and declaration files skipped), sorted by name. */
export function discoverJobFiles(root: string): AppFile[] {
  return appFilesIn(root, "src/jobs");
}

function bad(file: string, message: string): QueueError {
  return new QueueError(QueueErrorCode.PROCESSOR, `${file}: ${message}`);
}

/** Checks a job module's exports. */
export function processorFrom(name: string, file: string, mod: Record<string, unknown>): ProcessorSpec {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(name)) throw bad(file, 'the file name is the queue name: use letters, digits, "-" or "_"');
  const run = mod.default;
  if (typeof run !== "function") throw bad(file, "has no default export function: write `export default async (job) => { … }`");
  const int = (key: string, min: number, max: number): number | undefined => {
    const v = mod[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw bad(file, `export const ${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const str = (key: string): string | undefined => {
    const v = mod[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.trim() === "") throw bad(file, `export const ${key} must be a non-empty string`);
    return v.trim();
  };
  const spec: ProcessorSpec = {
    name,
    file,
    run: run as Processor,
    concurrency: int("concurrency", 1, 1000),
    timeoutMs: int("timeout", 0, 2 ** 31 - 1),
    schedule: str("schedule"),
    timezone: str("timezone"),
  };
  if (spec.timezone !== undefined && spec.schedule === undefined) throw bad(file, "exports a timezone but no schedule");
  if (spec.schedule !== undefined) parseSchedule({ cron: spec.schedule, timezone: spec.timezone }, file);
  return spec;
}

/**
 * Imports every job file of the app (TypeScript needs the tina4 loader registered first, as
 * `tina4 worker` and `serve` do). A file that fails to load or export a processor throws.
 */
export async function loadProcessors(root: string, load: (absolute: string) => Promise<unknown> = (p) => import(pathToFileURL(p).href)): Promise<ProcessorSpec[]> {
  const specs: ProcessorSpec[] = [];
  const seen = new Map<string, string>();
  for (const entry of discoverJobFiles(root)) {
    const other = seen.get(entry.name);
    if (other) throw bad(entry.file, `queue "${entry.name}" is already defined by ${other}`);
    seen.set(entry.name, entry.file);
    let mod: unknown;
    try {
      mod = await load(entry.absolute);
    } catch (error) {
      throw new QueueError(QueueErrorCode.PROCESSOR, `${entry.file} failed to load: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    specs.push(processorFrom(entry.name, entry.file, (mod ?? {}) as Record<string, unknown>));
  }
  return specs;
}
