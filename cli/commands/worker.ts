import type { Command } from "commander";
import { setting } from "../../runtime/config/settings.js";
import { closeQueues, queueBackend, readQueueConfig, QueueErrorCode } from "../../runtime/jobs/index.js";
import { loadProcessors } from "../../runtime/jobs/processors.js";
import { JobRunner, selectProcessors } from "../../runtime/jobs/runner.js";
import { runShutdownHooks } from "../../runtime/lifecycle.js";
import { registerLoader } from "../../runtime/loader/register.js";
import { markClientless } from "../../runtime/realtime/bus/bus.js";
import { openProject } from "../project.js";
import { validateEnvironment } from "../validate-settings.js";
import { CliError, CliErrorCode } from "../errors.js";
import { table, ui } from "../ui.js";

interface WorkerOptions {
  queues?: string;
  concurrency?: string;
}

/** A runtime error (QueueError, DatabaseError, ...) as a one-line CLI failure with its code. */
export function cliErrorOf(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const code = (error as { code?: unknown })?.code;
  return new CliError((error as Error)?.message ?? String(error), typeof code === "string" && code.startsWith("T4_ERR") ? code : CliErrorCode.GENERAL);
}

export function parseQueueList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = [...new Set(text.split(",").map((q) => q.trim()).filter(Boolean))];
  if (names.length === 0) throw new CliError("--queues must name at least one queue (comma-separated)", CliErrorCode.BAD_OPTION);
  return names;
}

export function parseConcurrency(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > 1000) {
    throw new CliError(`--concurrency must be a whole number from 1 to 1000, got "${text}"`, CliErrorCode.BAD_OPTION);
  }
  return n;
}

/**
 * `tina4 worker`: runs the processors of src/jobs/ until SIGTERM/SIGINT. Then it stops taking
 * jobs, lets active ones finish within TINA4_SHUTDOWN_TIMEOUT and returns the rest to the
 * queue. A second Ctrl-C exits at once (held jobs run again after the visibility timeout).
 */
async function runWorker(options: WorkerOptions): Promise<void> {
  const project = openProject();
  validateEnvironment();
  const queues = parseQueueList(options.queues);
  const concurrency = parseConcurrency(options.concurrency);
  registerLoader();
  // no WebSocket or SSE client lives here: a broadcast needs the servers' bus (TINA4_PUBSUB_URL)
  markClientless();
  let runner: JobRunner;
  let location: string;
  try {
    const config = readQueueConfig();
    const processors = await loadProcessors(project.root);
    if (processors.length === 0) {
      throw new CliError("No job files in src/jobs/: create one with `tina4 generate job <name>`", QueueErrorCode.UNKNOWN_QUEUE);
    }
    const selected = selectProcessors(processors, queues);
    const backend = await queueBackend();
    location = backend.location;
    runner = await JobRunner.start(backend, selected, { concurrency, defaultTimeoutMs: config.timeoutMs });
  } catch (error) {
    await closeQueues().catch(() => undefined);
    throw cliErrorOf(error);
  }

  ui.success(`tina4 worker ${process.pid} on ${ui.cyan(location)}`);
  const rows = runner.running.map((q) => [q.name, String(q.concurrency), q.schedule ? `${q.schedule}${q.timezone ? ` (${q.timezone})` : ""}` : "–", q.file]);
  ui.info(table(["QUEUE", "CONCURRENCY", "SCHEDULE", "FILE"], rows).replace(/^/gm, "  "));
  const graceSeconds = setting("TINA4_SHUTDOWN_TIMEOUT");
  ui.info(ui.dim(`  Ctrl-C or SIGTERM: active jobs get ${graceSeconds} s to finish (TINA4_SHUTDOWN_TIMEOUT), unfinished ones go back to the queue`));

  const signal = await new Promise<string>((resolve) => {
    for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(name, () => resolve(name));
  });
  for (const name of ["SIGTERM", "SIGINT"] as const) {
    process.once(name, () => {
      ui.warn(`${name} again: exiting now; jobs still running run again after the visibility timeout`);
      process.exit(130);
    });
  }
  ui.step(`${signal}: finishing active jobs (up to ${graceSeconds} s)`);
  await runner.stop(graceSeconds * 1000);
  await closeQueues();
  await runShutdownHooks();
  ui.success("worker stopped");
  process.exit(0);
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run the job processors in src/jobs/ (and their schedules) until stopped")
    .option("-q, --queues <list>", "only these queues, comma-separated (default: every job file)")
    .option("-c, --concurrency <n>", "jobs at once per queue, overriding each file's `concurrency`")
    .action(runWorker);
}
