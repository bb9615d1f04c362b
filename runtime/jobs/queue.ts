import { queueBackend } from "./factory.js";
import { noteQueue } from "./depth.js";
import { checkQueueName, resolveOptions, serialiseData } from "./options.js";
import type { NewJob } from "./backend.js";
import type { BulkJob, JobCounts, JobInfo, JobOptions, JobState } from "./types.js";

/** Every state but `active` (running jobs are never removed from under their worker). */
export const CLEARABLE_STATES = ["waiting", "delayed", "completed", "failed"] as const;
export type ClearableState = (typeof CLEARABLE_STATES)[number];

/**
 * A named queue on the process's backend (TINA4_QUEUE_BACKEND). The processor for queue
 * `name` is the default export of `src/jobs/<name>.ts`, run by `tina4 worker`.
 */
export class Queue<T = unknown> {
  readonly name: string;

  constructor(name: string) {
    this.name = checkQueueName(name);
    noteQueue(this.name);
  }

  /**
   * Stores one job and resolves with its id once it is durable. Data that does not survive
   * JSON is refused here (T4_ERR_QUEUE_DATA); an unreachable backend rejects with
   * T4_ERR_QUEUE_UNAVAILABLE — a job is never silently dropped.
   */
  async add(data: T, opts?: JobOptions): Promise<string> {
    const job: NewJob = { data: serialiseData(data), options: resolveOptions(opts) };
    const [id] = await (await queueBackend()).add(this.name, [job]);
    return id!;
  }

  /** Stores several jobs (one round trip per batch); resolves with their ids in order. */
  async addBulk(jobs: ReadonlyArray<BulkJob<T>>): Promise<string[]> {
    if (!Array.isArray(jobs)) throw new TypeError("addBulk takes an array of { data, opts? }");
    const prepared = jobs.map((job, i): NewJob => {
      if (job === null || typeof job !== "object" || !("data" in job)) throw new TypeError(`addBulk item ${i} must be { data, opts? }`);
      return { data: serialiseData(job.data), options: resolveOptions(job.opts) };
    });
    if (prepared.length === 0) return [];
    return (await queueBackend()).add(this.name, prepared);
  }

  async counts(): Promise<JobCounts> {
    return (await queueBackend()).counts(this.name);
  }

  async getJob(id: string): Promise<JobInfo | null> {
    return (await queueBackend()).getJob(this.name, id);
  }

  /** Jobs in one state, newest first. */
  async list(state: JobState, limit = 50): Promise<JobInfo[]> {
    return (await queueBackend()).list(this.name, state, limit);
  }

  /** Failed jobs (attempts exhausted), newest first. */
  failed(limit = 50): Promise<JobInfo[]> {
    return this.list("failed", limit);
  }

  /** Puts failed jobs back with fresh attempts: one by id, or all. Resolves with how many. */
  async retry(id?: string): Promise<number> {
    return (await queueBackend()).retry(this.name, id ?? null);
  }

  /** Removes jobs in the given states (default: all but active). Resolves with how many. */
  async clear(states: readonly ClearableState[] = CLEARABLE_STATES): Promise<number> {
    return (await queueBackend()).clear(this.name, states);
  }
}

const cache = new Map<string, Queue<unknown>>();

/** `queue("emails").add({ to })`: the queue processed by `src/jobs/emails.ts`. */
export function queue<T = unknown>(name: string): Queue<T> {
  let q = cache.get(name);
  if (!q) {
    q = new Queue<unknown>(name);
    cache.set(name, q);
  }
  return q as Queue<T>;
}
