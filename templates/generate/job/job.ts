import type { Job } from "tina4";

/** What a "{{name}}" job carries. Add jobs with: await queue<{{Type}}Data>("{{name}}").add({ message: "hi" }) */
export interface {{Type}}Data {
  message: string;
}

/** Jobs run at once by each worker process (`tina4 worker --concurrency N` overrides it). */
export const concurrency = 1;

/**
 * Processes one "{{name}}" job (run by `tina4 worker`, or in-process by the dev server).
 * Throw to fail this attempt: it is retried with exponential backoff, then listed by
 * `tina4 queue:status {{name}}`. The result is stored with the job.
 */
export default async function process{{Type}}(job: Job<{{Type}}Data>) {
  await job.log(`processing ${job.data.message}`);
  return { processed: job.data.message };
}
