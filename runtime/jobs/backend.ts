/**
 * The contract every queue backend fulfils (backends/database.ts, backends/bullmq.ts). The
 * public API (queue.ts) and the processor runner (runner.ts) only talk to this interface.
 */
import type { QueueBackendName } from "./config.js";
import type { ResolvedJobOptions } from "./options.js";
import type { JobCounts, JobInfo, JobState } from "./types.js";

/** A job ready to store: its data already checked and serialised. */
export interface NewJob {
  /** JSON text. */
  data: string;
  options: ResolvedJobOptions;
}

/** A job a worker holds: the backend-side half of the `Job` a processor sees. */
export interface ActiveJob {
  readonly id: string;
  readonly queue: string;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly scheduledFor: Date | null;
  /** Aborted when the worker gives the job back unfinished (shutdown past its grace time). */
  readonly signal: AbortSignal;
  log(message: string): Promise<void>;
  progress(value: number): Promise<void>;
}

/**
 * Runs one job. Resolves with a JSON-safe result; rejects with an Error whose message is
 * recorded as the failed attempt (the runner normalises whatever the processor threw).
 */
export type JobHandler = (job: ActiveJob) => Promise<unknown>;

export interface WorkOptions {
  concurrency: number;
}

/** A running consumer of one queue. */
export interface QueueWorker {
  readonly queue: string;
  /**
   * Stops taking jobs, waits up to `graceMs` for the active ones, then gives the unfinished
   * ones back to the queue (they run again, and the attempt is not counted).
   */
  stop(graceMs: number): Promise<void>;
}

export interface ScheduleSpec {
  /** 5-field cron, or 6 with seconds first. */
  cron: string;
  timezone: string | undefined;
}

/** Log lines kept per job, the latest ones, on every backend. */
export const MAX_LOG_LINES = 1000;

/**
 * A job's log line as every backend stores it: `<ISO time> <message>`, stamped when the
 * processor logged it (when a line was written is what one reads a job's log for).
 */
export function jobLogLine(message: unknown): string {
  return `${new Date().toISOString()} ${String(message)}`;
}

/** Scheduled runs are kept at least this long after finishing, so a late instance cannot add the same tick again. */
export const MIN_TICK_KEEP_MS = 3_600_000;

export interface QueueBackend {
  readonly name: QueueBackendName;
  /** Where the jobs live, password masked (for logs and CLI output). */
  readonly location: string;
  /** Stores jobs; returns their ids in order (an existing id for a duplicate jobId). Rejects with T4_ERR_QUEUE_UNAVAILABLE when nothing was stored. */
  add(queue: string, jobs: readonly NewJob[]): Promise<string[]>;
  counts(queue: string): Promise<JobCounts>;
  getJob(queue: string, id: string): Promise<JobInfo | null>;
  /** Jobs in one state, newest first. */
  list(queue: string, state: JobState, limit: number): Promise<JobInfo[]>;
  /** Failed jobs back to waiting with fresh attempts: one (`id`) or all (`null`). Returns how many. */
  retry(queue: string, id: string | null): Promise<number>;
  /** Removes the queue's jobs in these states (never active ones). Returns how many. */
  clear(queue: string, states: readonly Exclude<JobState, "active">[]): Promise<number>;
  /** Queues that have stored jobs. */
  queues(): Promise<string[]>;
  work(queue: string, handler: JobHandler, options: WorkOptions): Promise<QueueWorker>;
  /**
   * Adds the run of one schedule tick. Every process working the queue adds every tick; the
   * job id names the tick (`tickJobId`), so the backend stores it once however many add it.
   */
  addTick(queue: string, tick: Date): Promise<void>;
  close(): Promise<void>;
}

/** The id of a tick's run: `schedule:<queue>:<ms>` (a shape user job ids cannot take). */
export function tickJobId(queue: string, tick: Date): string {
  return `schedule:${queue}:${tick.getTime()}`;
}

/** The tick a scheduled run belongs to, from its id; null for other jobs. */
export function tickOf(id: string): Date | null {
  if (!id.startsWith("schedule:")) return null;
  const match = /^schedule:[^:]+:(\d{10,})$/.exec(id);
  return match ? new Date(Number(match[1])) : null;
}
