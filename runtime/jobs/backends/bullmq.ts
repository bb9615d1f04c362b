/**
 * The distributed queue: BullMQ on Redis or Valkey (TINA4_QUEUE_BACKEND=redis|valkey). Its
 * queues, workers, retries with exponential backoff, delays, priorities, stalled-job recovery
 * and job schedulers do the work; this file only maps tina4's API onto them. BullMQ talks to
 * the server through node-redis (the `redis` package tina4 already uses), so no ioredis.
 *
 * Outages: the producer's client has no offline queue, so `add` fails at once (as
 * T4_ERR_QUEUE_UNAVAILABLE) instead of buffering jobs that a crash would lose; every client
 * reconnects forever with capped backoff, so workers resume when the server returns.
 */
import { loadDriver } from "../../drivers.js";
import { log, warnEvery } from "../../log.js";
import { jobLogLine, MAX_LOG_LINES, MIN_TICK_KEEP_MS, tickJobId, tickOf, type ActiveJob, type JobHandler, type NewJob, type QueueBackend, type QueueWorker, type WorkOptions } from "../backend.js";
import type { QueueConfig } from "../config.js";
import { LazyAbort } from "../abort.js";
import { failureMessage, logFailedAttempt } from "../job.js";
import { QueueError, QueueErrorCode } from "../errors.js";
import { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, type ResolvedJobOptions } from "../options.js";
import type { JobCounts, JobInfo, JobState } from "../types.js";
import { withTimeout } from "../../async/timeout.js";
import { closeRedis, openRedis, type RedisDriver } from "../../redis/connect.js";

// ── the parts of node-redis and BullMQ used here, kept structural so both stay optional ──

interface RedisClient {
  connect(): Promise<unknown>;
  duplicate(): RedisClient;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  hDel(key: string, field: string): Promise<number>;
  hGet(key: string, field: string): Promise<string | null>;
  readonly isReady: boolean;
  readonly isOpen: boolean;
}

interface BullJob {
  id?: string;
  data: unknown;
  attemptsMade: number;
  attemptsStarted?: number;
  /** Times BullMQ found the job stalled (its worker stopped renewing the lock) and moved it back to waiting. */
  stalledCounter?: number;
  opts: { attempts?: number; priority?: number };
  progress: unknown;
  returnvalue: unknown;
  failedReason?: string;
  timestamp: number;
  finishedOn?: number;
  getState(): Promise<string>;
  log(row: string): Promise<number>;
  updateProgress(value: number): Promise<void>;
  moveToWait(token?: string): Promise<number>;
  retry(state?: "failed" | "completed", opts?: { resetAttemptsMade?: boolean; resetAttemptsStarted?: boolean }): Promise<void>;
}
interface BullJobsOptions {
  delay?: number;
  attempts?: number;
  backoff?: { type: "exponential"; delay: number };
  priority?: number;
  jobId?: string;
  removeOnComplete?: boolean | { age: number };
  removeOnFail?: boolean | { age: number };
  keepLogs?: number;
}
interface BullQueue {
  on(event: "error", listener: (error: Error) => void): unknown;
  add(name: string, data: unknown, opts?: BullJobsOptions): Promise<BullJob>;
  addBulk(jobs: Array<{ name: string; data: unknown; opts?: BullJobsOptions }>): Promise<BullJob[]>;
  getJob(id: string): Promise<BullJob | undefined>;
  getJobs(types: string[], start?: number, end?: number, asc?: boolean): Promise<BullJob[]>;
  getJobLogs(id: string): Promise<{ logs: string[]; count: number }>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  /** The Redis key of a job's hash (`<prefix>:<queue>:<id>`). */
  toKey(type: string): string;
  clean(grace: number, limit: number, type: string): Promise<string[]>;
  close(): Promise<void>;
}
interface BullWorker {
  on(event: "failed", listener: (job: BullJob | undefined, error: Error) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  pause(doNotWaitActive?: boolean): Promise<void>;
  close(force?: boolean): Promise<void>;
}
type BullProcessor = (job: BullJob, token?: string) => Promise<unknown>;
interface BullModule {
  Job: { fromId(queue: BullQueue, id: string): Promise<BullJob | undefined> };
  Queue: new (name: string, options: { connection: RedisClient; prefix: string }) => BullQueue;
  Worker: new (
    name: string,
    processor: BullProcessor,
    options: { connection: RedisClient; prefix: string; concurrency: number; lockDuration: number; stalledInterval: number; maxStalledCount: number },
  ) => BullWorker;
}

const ADD_TIMEOUT_MS = 5000;
/** Failed jobs retried per round trip by a whole-queue retry. */
const RETRY_PAGE = 500;
/** BullMQ keeps a job's counts across a retry unless told: a retried job starts over, as on the database backend. */
const FRESH_ATTEMPTS = { resetAttemptsMade: true, resetAttemptsStarted: true } as const;
const CONNECT_TIMEOUT_MS = 3000;

function redactUrl(url: string): string {
  return url.replace(/(:\/\/[^:/@]*:)[^@]*@/, "$1***@");
}

/** redis:// rediss:// valkey:// valkeys:// (the last two rewritten for node-redis). */
function redisUrl(url: string): string {
  const normalized = url.replace(/^valkey(s?):\/\//i, "redis$1://");
  if (!/^rediss?:\/\//i.test(normalized)) {
    throw new QueueError(QueueErrorCode.BACKEND, `TINA4_QUEUE_URL for the redis/valkey queue must start with redis://, rediss://, valkey:// or valkeys://, got ${redactUrl(url)}`);
  }
  return normalized;
}

const noAnswer = (what: string, ms: number) => () => new Error(`${what}: no answer within ${ms} ms`);

/**
 * Bounds calls without a timer each (adds are the hot path): one shared sweep, armed only
 * while calls are pending, rejects those older than their limit.
 */
class Deadlines {
  private readonly pending = new Set<{ until: number; ms: number; what: string; reject: (error: Error) => void }>();
  private timer: NodeJS.Timeout | null = null;

  bound<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = { until: Date.now() + ms, ms, what, reject };
      this.pending.add(entry);
      this.timer ??= this.arm();
      promise.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  private arm(): NodeJS.Timeout {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const entry of this.pending) {
        if (entry.until > now) continue;
        this.pending.delete(entry);
        entry.reject(new Error(`${entry.what}: no answer within ${entry.ms} ms`));
      }
      if (this.pending.size === 0) {
        clearInterval(timer);
        this.timer = null;
      }
    }, 250);
    timer.unref();
    return timer;
  }
}

export class BullmqQueueBackend implements QueueBackend {
  readonly location: string;
  private readonly opened = new Map<string, BullQueue>();
  private readonly workers = new Set<BullmqWorker>();
  private readonly deadlines = new Deadlines();
  private closed = false;

  private constructor(
    readonly name: "redis" | "valkey",
    private readonly bull: BullModule,
    private readonly client: RedisClient,
    readonly config: QueueConfig,
  ) {
    this.location = `${redactUrl(config.url)} (BullMQ prefix ${config.prefix})`;
  }

  static async open(config: QueueConfig): Promise<BullmqQueueBackend> {
    const url = redisUrl(config.url);
    const [bull, redis] = await Promise.all([loadDriver<BullModule>("bullmq"), loadDriver<RedisDriver<RedisClient>>("redis")]);
    // both at once: naming one, then the other after the first install, costs the user a round trip
    const missing = [bull ? null : "bullmq", redis ? null : "redis"].filter((name): name is string => name !== null);
    if (!bull || !redis) {
      throw new QueueError(QueueErrorCode.DRIVER_MISSING, `the ${config.backend} queue runs on BullMQ, which talks to the server through node-redis: run \`npm install ${missing.join(" ")}\` in your project`);
    }
    const client = await connectClient(redis, url, true);
    return new BullmqQueueBackend(config.backend === "valkey" ? "valkey" : "redis", bull, client, config);
  }

  private queue(name: string): BullQueue {
    let queue = this.opened.get(name);
    if (!queue) {
      queue = new this.bull.Queue(name, { connection: this.client, prefix: this.config.prefix });
      // connection trouble is reported by the client's own handler (once per 10 s), not thrown
      queue.on("error", (error) => warnEvery(`queue-producer:${name}`, `queue "${name}": ${error.message}`, 10_000));
      this.opened.set(name, queue);
    }
    return queue;
  }

  private jobOptions(o: ResolvedJobOptions): BullJobsOptions {
    const keep = this.config.keepCompletedMs;
    const keepFailed = this.config.keepFailedMs;
    return {
      ...(o.delay > 0 ? { delay: o.delay } : {}),
      attempts: o.attempts,
      ...(o.backoff > 0 ? { backoff: { type: "exponential", delay: o.backoff } } : {}),
      ...(o.priority > 0 ? { priority: o.priority } : {}),
      ...(o.jobId !== undefined ? { jobId: o.jobId } : {}),
      removeOnComplete: keep > 0 ? { age: Math.ceil(keep / 1000) } : true,
      removeOnFail: keepFailed > 0 ? { age: Math.ceil(keepFailed / 1000) } : false,
      keepLogs: MAX_LOG_LINES,
    };
  }

  private unavailable(error: unknown, what: string): QueueError {
    return new QueueError(QueueErrorCode.UNAVAILABLE, `${what}: the queue server ${this.location} is unavailable (${(error as Error)?.message ?? String(error)})`, { cause: error });
  }

  async add(queue: string, jobs: readonly NewJob[]): Promise<string[]> {
    const q = this.queue(queue);
    try {
      if (jobs.length === 1) {
        const job = await this.deadlines.bound(q.add(queue, JSON.parse(jobs[0]!.data), this.jobOptions(jobs[0]!.options)), ADD_TIMEOUT_MS, "add");
        return [String(job.id)];
      }
      const added = await this.deadlines.bound(
        q.addBulk(jobs.map((job) => ({ name: queue, data: JSON.parse(job.data) as unknown, opts: this.jobOptions(job.options) }))),
        ADD_TIMEOUT_MS * Math.max(1, Math.ceil(jobs.length / 1000)),
        "addBulk",
      );
      return added.map((job) => String(job.id));
    } catch (error) {
      throw this.unavailable(error, `queue "${queue}": the job was not stored`);
    }
  }

  async work(queue: string, handler: JobHandler, options: WorkOptions): Promise<QueueWorker> {
    const redis = await loadDriver<RedisDriver<RedisClient>>("redis");
    // A worker blocks its connection while waiting for jobs: it gets its own, which queues
    // commands while reconnecting (BullMQ retries them) so the worker resumes after an outage.
    const connection = await connectClient(redis!, redisUrl(this.config.url), false);
    const giveBack = async (id: string, token: string | undefined) => {
      const job = await this.bull.Job.fromId(this.queue(queue), id);
      if (job) await job.moveToWait(token);
    };
    const worker = new BullmqWorker(this.bull, connection, queue, handler, options.concurrency, this.config, giveBack);
    this.workers.add(worker);
    worker.onStopped(() => this.workers.delete(worker));
    return worker;
  }

  /**
   * One job per tick, its id naming the tick: BullMQ stores a job id once, so every worker of
   * every instance can add every tick and each runs once. (BullMQ's own job schedulers create
   * the next run from the worker that starts the current one and skip to the next future tick,
   * so a worker killed at that moment, or one too busy to start a run in time, loses ticks.)
   */
  async addTick(queue: string, tick: Date): Promise<void> {
    const options = this.jobOptions({ delay: 0, attempts: DEFAULT_ATTEMPTS, backoff: DEFAULT_BACKOFF_MS, priority: 0, jobId: tickJobId(queue, tick) });
    options.removeOnComplete = { age: Math.ceil(Math.max(this.config.keepCompletedMs, MIN_TICK_KEEP_MS) / 1000) };
    try {
      await this.deadlines.bound(this.queue(queue).add(queue, {}, options), ADD_TIMEOUT_MS, "add");
    } catch (error) {
      throw this.unavailable(error, `queue "${queue}": the scheduled run was not stored`);
    }
  }

  async counts(queue: string): Promise<JobCounts> {
    const c = await this.call(() => this.queue(queue).getJobCounts("waiting", "prioritized", "paused", "active", "delayed", "completed", "failed"), "count jobs");
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async getJob(queue: string, id: string): Promise<JobInfo | null> {
    const q = this.queue(queue);
    const job = await this.call(() => q.getJob(id), "read a job");
    return job ? this.info(queue, job, await this.call(() => job.getState(), "read a job")) : null;
  }

  async list(queue: string, state: JobState, limit: number): Promise<JobInfo[]> {
    const q = this.queue(queue);
    const types = state === "waiting" ? ["waiting", "prioritized", "paused"] : [state];
    const jobs = await this.call(() => q.getJobs(types, 0, Math.max(1, limit) - 1, false), "list jobs");
    return Promise.all(jobs.map((job) => this.info(queue, job, state)));
  }

  private async info(queue: string, job: BullJob, state: string): Promise<JobInfo> {
    const q = this.queue(queue);
    // BullMQ reads a progress never reported as 0; its job hash has no progress field until
    // one is, so the field tells null (as on the database backend) from a reported 0.
    const [logs, reported] = job.id
      ? await Promise.all([q.getJobLogs(job.id).then((r) => r.logs), this.client.hGet(q.toKey(job.id), "progress")])
      : [[], null];
    const mapped: JobState = state === "prioritized" || state === "paused" || state === "wait" || state === "waiting" ? "waiting" : (state as JobState);
    return {
      id: String(job.id), queue, state: mapped, data: job.data, attemptsMade: job.attemptsStarted ?? job.attemptsMade,
      attempts: job.opts.attempts ?? 1, priority: job.opts.priority ?? 0, progress: reported !== null && typeof job.progress === "number" ? job.progress : null,
      result: job.returnvalue ?? null, error: job.failedReason ?? null, logs, createdAt: new Date(job.timestamp),
      finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
    };
  }

  /**
   * Back to waiting with its full attempts, like the database backend (and Laravel's
   * `queue:retry`, Sidekiq's retry): BullMQ's attempt counters are reset by its retry options,
   * its stall counter (`stc`, which processors see in job.attemptsMade) here. A whole-queue
   * retry goes job by job (bullmq's retryJobs resets nothing and ignores priorities), over at
   * most the jobs failed when it began, so jobs failing again meanwhile are not retried twice.
   */
  async retry(queue: string, id: string | null): Promise<number> {
    const q = this.queue(queue);
    if (id !== null) {
      const job = await this.call(() => q.getJob(id), "read a job");
      if (!job || (await this.call(() => job.getState(), "read a job")) !== "failed") return 0;
      return (await this.retryFailed(q, job)) ? 1 : 0;
    }
    const total = (await this.counts(queue)).failed;
    let retried = 0;
    for (let seen = 0; seen < total; ) {
      const page = await this.call(() => q.getJobs(["failed"], 0, Math.min(RETRY_PAGE, total - seen) - 1, true), "list jobs");
      if (page.length === 0) break;
      seen += page.length;
      retried += (await Promise.all(page.map((job) => this.retryFailed(q, job)))).filter(Boolean).length;
    }
    return retried;
  }

  /** False when the job left the failed list meanwhile (another retry, or removed). */
  private async retryFailed(q: BullQueue, job: BullJob): Promise<boolean> {
    // Cleared while the job is still failed, so no worker can take it with its old stall count.
    // Not atomic with BullMQ's move (a Lua script): the only job that could gain a stall in
    // between is one another retry already moved, and that retry clears the count too.
    await this.call(() => this.client.hDel(q.toKey(String(job.id)), "stc"), "retry a job");
    try {
      await this.deadlines.bound(job.retry("failed", FRESH_ATTEMPTS), ADD_TIMEOUT_MS, "retry a job");
      return true;
    } catch (error) {
      const state = await this.call(() => job.getState(), "read a job").catch(() => "failed");
      if (state !== "failed") return false;
      throw this.unavailable(error, "cannot retry a job");
    }
  }

  async clear(queue: string, states: readonly Exclude<JobState, "active">[]): Promise<number> {
    const q = this.queue(queue);
    const types = new Set<string>();
    for (const state of states) {
      if (state === "waiting") ["wait", "prioritized", "paused"].forEach((t) => types.add(t));
      else types.add(state);
    }
    let removed = 0;
    for (const type of types) removed += (await this.call(() => q.clean(0, 0, type), "clear jobs")).length;
    return removed;
  }

  async queues(): Promise<string[]> {
    const prefix = `${this.config.prefix}:`;
    const names = new Set<string>();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*:meta`;
    await this.call(async () => {
      for await (const keys of this.client.scanIterator({ MATCH: pattern, COUNT: 500 })) {
        for (const key of keys) names.add(key.slice(prefix.length, -":meta".length));
      }
    }, "list queues");
    return [...names].sort();
  }

  private async call<T>(fn: () => Promise<T>, what: string): Promise<T> {
    try {
      return await this.deadlines.bound(fn(), ADD_TIMEOUT_MS, what);
    } catch (error) {
      throw this.unavailable(error, `cannot ${what}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.stop(0)));
    await Promise.all([...this.opened.values()].map((q) => q.close().catch(() => undefined)));
    this.opened.clear();
    await closeRedis(this.client);
  }
}

function connectClient(redis: RedisDriver<RedisClient>, url: string, producer: boolean): Promise<RedisClient> {
  return openRedis(redis, {
    url,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    waitMs: CONNECT_TIMEOUT_MS + 500,
    disableOfflineQueue: producer,
    maxBackoffMs: 2000,
    onError: (error) => warnEvery(`queue-redis:${url}`, `queue server ${redactUrl(url)}: ${error.message}`, 10_000),
    unreachable: (cause) => new QueueError(QueueErrorCode.UNAVAILABLE, `the queue server ${redactUrl(url)} is unreachable: ${cause.message}`, { cause }),
  }).then(([client]) => client!);
}

interface Running {
  job: BullJob;
  token: string | undefined;
  controller: LazyAbort;
  done: Promise<unknown>;
}

/**
 * The error BullMQ records for a failed attempt: its message (failedReason) is the one the
 * database backend records — `TypeError: …` for an error that is not a plain Error — and its
 * stack (BullMQ's stacktrace) the processor's own.
 */
function named(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const message = failureMessage(error);
  if (message === error.message) return error;
  const recorded = new Error(message, { cause: error });
  if (typeof error.stack === "string") recorded.stack = error.stack;
  return recorded;
}

class BullmqWorker implements QueueWorker {
  private readonly worker: BullWorker;
  private readonly running = new Set<Running>();
  private readonly stoppedListeners: Array<() => void> = [];
  private stopping: Promise<void> | null = null;

  constructor(
    bull: BullModule,
    private readonly connection: RedisClient,
    readonly queue: string,
    handler: JobHandler,
    concurrency: number,
    config: QueueConfig,
    /** Moves a job this worker holds back to waiting, through the producer's connection. */
    private readonly giveBack: (id: string, token: string | undefined) => Promise<void>,
  ) {
    const processor: BullProcessor = (job, token) => {
      const controller = new LazyAbort();
      const active: ActiveJob = {
        id: String(job.id),
        queue,
        data: job.data,
        // BullMQ counts only failed attempts in attemptsMade; a run whose worker died (stalled)
        // is a failed attempt too, as the database backend records it: count both.
        attemptsMade: job.attemptsMade + (job.stalledCounter ?? 0),
        scheduledFor: tickOf(String(job.id)),
        get signal() {
          return controller.signal;
        },
        log: async (message) => void (await job.log(jobLogLine(message))),
        progress: (value) => {
          if (typeof value !== "number" || !Number.isFinite(value)) {
            return Promise.reject(new QueueError(QueueErrorCode.ARGUMENT, `job.progress() takes a finite number, got ${String(value)}`));
          }
          return job.updateProgress(value);
        },
      };
      const entry: Running = { job, token, controller, done: Promise.resolve() };
      const done = handler(active).catch((error: unknown) => Promise.reject(named(error))).finally(() => this.running.delete(entry));
      entry.done = done.catch(() => undefined);
      this.running.add(entry);
      return done;
    };
    this.worker = new bull.Worker(queue, processor, {
      connection,
      prefix: config.prefix,
      concurrency,
      // a job whose worker stops renewing its lock for this long is stalled and runs again
      lockDuration: config.visibilityTimeoutMs,
      stalledInterval: config.visibilityTimeoutMs,
      maxStalledCount: 2,
    });
    this.worker.on("failed", (job, error) => {
      if (!job) return;
      logFailedAttempt(queue, String(job.id), job.attemptsMade, job.opts.attempts ?? 1, error);
    });
    this.worker.on("error", (error) => warnEvery(`queue-worker:${queue}`, `queue "${queue}": ${error.message}`, 10_000));
  }

  onStopped(listener: () => void): void {
    this.stoppedListeners.push(listener);
  }

  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  private async shutdown(graceMs: number): Promise<void> {
    await this.worker.pause(true).catch(() => undefined);
    const pending = [...this.running].map((r) => r.done);
    if (pending.length > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    const left = [...this.running];
    // Close first (force: without waiting for the unfinished jobs), so no fetch already in
    // flight can take a job back as soon as it is returned.
    await this.worker.close(left.length > 0).catch(() => undefined);
    for (const entry of left) {
      entry.controller.abort(new QueueError(QueueErrorCode.TIMEOUT, "the worker is stopping: this job goes back to the queue"));
      await this.giveBack(String(entry.job.id), entry.token).catch((error: unknown) =>
        log.warn(`queue "${this.queue}": could not return job ${String(entry.job.id)}: ${(error as Error).message} (it runs again once BullMQ sees it stalled)`),
      );
    }
    if (left.length > 0) log.warn(`queue "${this.queue}": ${left.length} unfinished job(s) returned to the queue at shutdown`);
    await closeRedis(this.connection);
    for (const listener of this.stoppedListeners.splice(0)) listener();
  }
}
