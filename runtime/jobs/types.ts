/** Shared types of the queue: what `add` takes, what a processor sees, what status reports. */

/** Options of one job. Times are milliseconds, as in BullMQ. */
export interface JobOptions {
  /** Wait this long before the job may run (ms, default 0). */
  delay?: number;
  /** Runs in all, the first included (default 3). */
  attempts?: number;
  /** Base of the exponential backoff between attempts: base × 2^(n-1) ms (default 1000). */
  backoff?: number;
  /** 1 is the highest; jobs without a priority run before prioritised ones (BullMQ's rule). */
  priority?: number;
  /** Deduplication key: adding a job whose id is already in the queue returns that id and stores nothing. */
  jobId?: string;
}

/** One entry of `addBulk`. */
export interface BulkJob<T = unknown> {
  data: T;
  opts?: JobOptions;
}

/** What a processor (`src/jobs/<name>.ts` default export) receives. */
export interface Job<T = unknown> {
  readonly id: string;
  /** The queue (job file) name. */
  readonly queue: string;
  readonly data: T;
  /** Attempts that already failed before this one (0 on the first run). */
  readonly attemptsMade: number;
  /** For a scheduled run: the tick it belongs to; otherwise null. */
  readonly scheduledFor: Date | null;
  /** Aborted when the job passes its `timeout` or the worker must stop without waiting for it. */
  readonly signal: AbortSignal;
  /**
   * Appends a line to the job's log, kept with the job and visible (`getJob()`) while it runs:
   * BullMQ writes it at once, the database backend within 250 ms (batched; this resolves at once).
   */
  log(message: string): Promise<void>;
  /** Reports progress (0–100 by convention). */
  progress(value: number): Promise<void>;
}

export type Processor<T = unknown, R = unknown> = (job: Job<T>) => Promise<R> | R;

export type JobState = "waiting" | "delayed" | "active" | "completed" | "failed";

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/** A stored job, as status and retry commands see it. */
export interface JobInfo {
  id: string;
  queue: string;
  state: JobState;
  data: unknown;
  /** Attempts started so far. */
  attemptsMade: number;
  attempts: number;
  priority: number;
  /** The last reported progress; null while the processor never reported any (every backend). */
  progress: number | null;
  result: unknown;
  /** The last failure's message, when there was one. */
  error: string | null;
  /** `<ISO time> <message>` lines, oldest first, the latest MAX_LOG_LINES (1000) (every backend). */
  logs: string[];
  createdAt: Date;
  finishedAt: Date | null;
}
