/**
 * Job processors inside a `tina4 serve` worker: in dev unless TINA4_QUEUE_INLINE=false, in
 * production only with `--with-worker`. The processors come from the app bundle (its `jobs`
 * table, built from src/jobs/), so a dev reload — a new worker on the new bundle — picks up
 * an edited job file; the retiring worker's graceful shutdown lets its active jobs finish.
 */
import { setting } from "../../runtime/config/settings.js";
import { log } from "../../runtime/log.js";
import { queueBackend, readQueueConfig } from "../../runtime/jobs/index.js";
import { processorFrom } from "../../runtime/jobs/processors.js";
import { JobRunner } from "../../runtime/jobs/runner.js";
import type { WorkerConfig } from "./protocol.js";

/** A job file inside the app bundle: `load()` evaluates that module. */
export interface BundledJobFile {
  name: string;
  source: string;
  load: () => Promise<unknown>;
}

export function wantsJobs(config: WorkerConfig): boolean {
  return config.mode === "dev" ? setting("TINA4_QUEUE_INLINE") : config.withWorker === true;
}

/** Loads the bundle's processors and runs them on the app's queue backend; a failure is logged, never fatal to serving. */
export async function startBundledJobs(jobs: readonly BundledJobFile[]): Promise<JobRunner | null> {
  if (jobs.length === 0) return null;
  try {
    const processors = [];
    for (const job of jobs) processors.push(processorFrom(job.name, job.source, ((await job.load()) ?? {}) as Record<string, unknown>));
    const runner = await JobRunner.start(await queueBackend(), processors, { defaultTimeoutMs: readQueueConfig().timeoutMs });
    const names = runner.running.map((q) => `${q.name}${q.concurrency > 1 ? ` ×${q.concurrency}` : ""}${q.schedule ? ` (${q.schedule})` : ""}`);
    log.info(`worker ${process.pid}: running jobs ${names.join(", ")} on ${runner.backend.location}`);
    return runner;
  } catch (error) {
    log.error(`worker ${process.pid}: job processors not started: ${(error as Error)?.message ?? String(error)}`);
    return null;
  }
}
