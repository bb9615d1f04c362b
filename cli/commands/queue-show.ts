import kleur from "kleur";
import { queueBackend, QueueErrorCode, type JobInfo, type QueueBackend } from "../../runtime/jobs/index.js";
import { CliError } from "../errors.js";
import { ui } from "../ui.js";
import { attemptCount, describeJob, formatLogLine, hasEnded, jobJson, linesAfter, stateText } from "../queue/job-view.js";
import { checkName, knownQueues, withQueue } from "./queue-access.js";

/** How often `--follow` reads the job again. The database backend writes a running job's lines within 250 ms of their logging. */
const FOLLOW_POLL_MS = 500;

export interface ShowOptions {
  json?: boolean;
  follow?: boolean;
}

/**
 * `tina4 queue:show [queue] <id>`: one job with its log. With only an id, every known queue is
 * looked in (BullMQ numbers jobs per queue, so an id can be in several: the queue must then be named).
 */
export async function show(first: string, second: string | undefined, options: ShowOptions): Promise<void> {
  await withQueue(async (root) => {
    const backend = await queueBackend();
    const job = second === undefined ? await findAnywhere(backend, root, first) : await findIn(backend, checkName(first), second);
    if (options.follow) return follow(backend, job, options.json === true);
    if (options.json) return void console.log(JSON.stringify(jobJson(job), null, 2));
    printJob(job);
    if (job.state === "failed") ui.info(kleur.dim(`\n  retry it: tina4 queue:retry ${job.queue} ${job.id}`));
    else if (!hasEnded(job)) ui.info(kleur.dim(`\n  watch it: tina4 queue:show ${job.queue} ${job.id} --follow`));
  });
}

async function findIn(backend: QueueBackend, name: string, id: string): Promise<JobInfo> {
  const job = await backend.getJob(name, id);
  if (!job) throw new CliError(`No job "${id}" in queue "${name}" (see: tina4 queue:status ${name})`, QueueErrorCode.NOT_FOUND);
  return job;
}

async function findAnywhere(backend: QueueBackend, root: string, id: string): Promise<JobInfo> {
  const names = await knownQueues(root);
  const found: JobInfo[] = [];
  for (const name of names) {
    const job = await backend.getJob(name, id);
    if (job) found.push(job);
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    const where = names.length === 0 ? "there are no queues yet" : `looked in: ${names.join(", ")}`;
    throw new CliError(`No job "${id}" in any queue (${where})`, QueueErrorCode.NOT_FOUND);
  }
  const queues = found.map((job) => job.queue);
  throw new CliError(`Job id "${id}" is in ${queues.length} queues (${queues.join(", ")}): name one, e.g. tina4 queue:show ${queues[0]} ${id}`, QueueErrorCode.ARGUMENT);
}

function printJob(job: JobInfo): void {
  ui.info(describeJob(job));
  ui.info(`\n${kleur.bold("Log")} ${kleur.dim(job.logs.length === 0 ? "(no lines yet)" : `(${job.logs.length} line${job.logs.length === 1 ? "" : "s"})`)}`);
  for (const line of job.logs) ui.info(formatLogLine(line, job));
}

/**
 * Prints the job, then its new log lines (and each change of state or attempt) as they reach
 * the backend, until it completes or fails for good; exit code 1 when it failed. With `json`,
 * prints nothing until then, then the final job. Ctrl-C stops following (the job runs on).
 */
async function follow(backend: QueueBackend, job: JobInfo, json: boolean): Promise<void> {
  if (!json) {
    printJob(job);
    if (!hasEnded(job)) ui.info(kleur.dim(`  … following until it ends (Ctrl-C stops following, not the job)`));
  }
  let printed = job.logs.length;
  let last = job.logs.at(-1);
  let phase = `${job.state} ${job.attemptsMade}`;
  let error = job.error;
  while (!hasEnded(job)) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    const now = await backend.getJob(job.queue, job.id);
    if (!now) throw new CliError(`Job "${job.id}" is no longer in queue "${job.queue}" (removed while followed)`, QueueErrorCode.NOT_FOUND);
    job = now;
    if (json) continue;
    for (const line of linesAfter(job.logs, printed, last)) ui.info(formatLogLine(line, job));
    printed = job.logs.length;
    last = job.logs.at(-1);
    if (job.error !== null && job.error !== error && !hasEnded(job)) ui.info(`${kleur.yellow("!")} an attempt failed, it will be retried: ${job.error}`);
    error = job.error;
    if (`${job.state} ${job.attemptsMade}` !== phase && !hasEnded(job)) ui.step(`${stateText(job.state)} ${kleur.dim(`(attempt ${attemptCount(job)})`)}`);
    phase = `${job.state} ${job.attemptsMade}`;
  }
  if (job.state === "failed") process.exitCode = 1;
  if (json) return void console.log(JSON.stringify(jobJson(job), null, 2));
  if (job.state === "completed") ui.success(`Job ${job.id} completed ${kleur.dim(`(attempt ${attemptCount(job)})`)}`);
  else ui.error(`Job ${job.id} failed ${kleur.dim(`(attempt ${attemptCount(job)})`)}: ${job.error ?? "no error recorded"}`);
}
