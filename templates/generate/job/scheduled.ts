import type { Job } from "tina4";

/** Runs once per tick across all workers and instances (5 cron fields, or 6 with seconds first). */
export const schedule = "{{schedule}}";

/**
 * Processes one "{{name}}" run (`tina4 worker` runs the schedule; so does the dev server).
 * `job.scheduledFor` is the tick this run belongs to. Throw to fail the attempt: it is retried.
 */
export default async function process{{Type}}(job: Job) {
  await job.log(`run for ${job.scheduledFor?.toISOString() ?? "a manual add"}`);
  return { ranFor: job.scheduledFor?.toISOString() ?? null };
}
