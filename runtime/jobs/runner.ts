/**
 * Runs an app's processors on a backend: one consumer per queue with its concurrency, plus
 * the queue's schedule when its job file exports one. Used by `tina4 worker`, by dev `serve`
 * (in-process) and by `serve --production --with-worker`.
 */
import type { QueueBackend, QueueWorker } from "./backend.js";
import { QueueError, QueueErrorCode } from "./errors.js";
import { trackRunner } from "./factory.js";
import { noteQueue } from "./depth.js";
import { handlerFor } from "./job.js";
import type { ProcessorSpec } from "./processors.js";
import { TickScheduler } from "./scheduler.js";

export interface RunnerOptions {
  /** Only these queues (default: every job file). An unknown name is T4_ERR_QUEUE_UNKNOWN. */
  queues?: readonly string[] | undefined;
  /** Jobs at once per queue, overriding each file's `concurrency`. */
  concurrency?: number | undefined;
  /** Processor timeout (ms) for files that export none (default TINA4_QUEUE_TIMEOUT; 0 = none). */
  defaultTimeoutMs?: number | undefined;
}

export interface RunningQueue {
  name: string;
  file: string;
  concurrency: number;
  schedule: string | undefined;
  timezone: string | undefined;
}

/** The processors `--queues` selects, in file order; names without a job file are an error. */
export function selectProcessors(all: readonly ProcessorSpec[], queues: readonly string[] | undefined): ProcessorSpec[] {
  if (queues === undefined) return [...all];
  const known = new Map(all.map((p) => [p.name, p]));
  const unknown = queues.filter((q) => !known.has(q));
  if (unknown.length > 0) {
    const list = all.length > 0 ? all.map((p) => p.name).join(", ") : "none (create one with `tina4 generate job <name>`)";
    throw new QueueError(QueueErrorCode.UNKNOWN_QUEUE, `no job file for queue${unknown.length > 1 ? "s" : ""} ${unknown.map((q) => `"${q}"`).join(", ")} in src/jobs/ (queues: ${list})`);
  }
  return all.filter((p) => queues.includes(p.name));
}

export class JobRunner {
  private readonly workers: QueueWorker[] = [];
  private readonly schedules: TickScheduler[] = [];
  readonly running: RunningQueue[] = [];
  private stopping: Promise<void> | null = null;
  private readonly untrack: () => void;

  private constructor(readonly backend: QueueBackend) {
    this.untrack = trackRunner(this);
  }

  static async start(backend: QueueBackend, processors: readonly ProcessorSpec[], options: RunnerOptions = {}): Promise<JobRunner> {
    const selected = selectProcessors(processors, options.queues);
    const runner = new JobRunner(backend);
    try {
      for (const spec of selected) {
        const concurrency = options.concurrency ?? spec.concurrency ?? 1;
        const handler = handlerFor(spec.run, spec.timeoutMs ?? options.defaultTimeoutMs ?? 0);
        runner.workers.push(await backend.work(spec.name, handler, { concurrency }));
        noteQueue(spec.name);
        if (spec.schedule !== undefined) {
          // every process adds every tick; the backend keeps one run per tick
          runner.schedules.push(new TickScheduler({ cron: spec.schedule, timezone: spec.timezone }, spec.name, (tick) => backend.addTick(spec.name, tick)));
        }
        runner.running.push({ name: spec.name, file: spec.file, concurrency, schedule: spec.schedule, timezone: spec.timezone });
      }
    } catch (error) {
      await runner.stop(0);
      throw error;
    }
    return runner;
  }

  /** Stops schedules and consumers: active jobs get `graceMs` to finish, the rest go back to the queue. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      for (const schedule of this.schedules) schedule.stop();
      await Promise.all(this.workers.map((w) => w.stop(graceMs)));
      this.untrack();
    })();
    return this.stopping;
  }
}
