/**
 * The claim loop of one queue on the database backend. It keeps up to `concurrency` jobs
 * running: whenever slots are free it claims that many due jobs in one statement; when none
 * are due it sleeps for the poll interval (an `add` in this process wakes it at once). A
 * database outage is logged and retried with backoff, so the worker resumes by itself.
 */
import { log, warnEvery } from "../../log.js";
import { tickOf, type ActiveJob, type JobHandler, type QueueWorker } from "../backend.js";
import { LazyAbort } from "../abort.js";
import { QueueError, QueueErrorCode } from "../errors.js";
import type { ClaimedRow, DatabaseQueueBackend } from "./database.js";
import { RunningJobLog } from "./database-log.js";
import { backoff } from "../../async/backoff.js";
import { failureMessage, logFailedAttempt } from "../job.js";

interface Running {
  row: ClaimedRow;
  controller: LazyAbort;
  /** Written to the row as the job runs (database-log.ts). */
  logs: RunningJobLog;
  done: Promise<void>;
  /** Set when shutdown gave the job back: its late outcome must not be recorded. */
  givenBack: boolean;
}


export class DatabaseWorker implements QueueWorker {
  private readonly running = new Map<number, Running>();
  private stopping = false;
  private claiming = false;
  /** A wake-up arrived during a claim: claim again right after it. */
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  /** The claim in flight, if any (stop waits for it, so claimed rows are never stranded). */
  private inflight: Promise<void> = Promise.resolve();
  private failures = 0;
  private readonly stoppedListeners: Array<() => void> = [];
  private readonly onWake = () => this.pump();

  constructor(
    private readonly backend: DatabaseQueueBackend,
    readonly queue: string,
    private readonly handler: JobHandler,
    private readonly concurrency: number,
  ) {}

  start(): void {
    this.backend.wake.on(this.queue, this.onWake);
    this.pump();
  }

  onStopped(listener: () => void): void {
    this.stoppedListeners.push(listener);
  }

  /** Jobs this worker holds (the heartbeat renews their locks). */
  heldSeqs(): number[] {
    return [...this.running.keys()];
  }

  private sleep(ms: number): void {
    if (this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, ms);
  }

  private pump(): void {
    if (this.stopping) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.claiming = true;
    this.again = false;
    this.inflight = this.backend.claim(this.queue, free).then(
      async (rows) => {
        this.claiming = false;
        if (this.failures > 0) log.info(`queue "${this.queue}": the queue database answers again; resuming`);
        this.failures = 0;
        if (this.stopping) {
          // claimed while stopping: hand them straight back
          await this.backend.giveBack(rows).catch((error: unknown) => log.warn(`queue "${this.queue}": could not give back ${rows.length} job(s): ${(error as Error).message}`));
          return;
        }
        for (const row of rows) this.run(row);
        if (rows.length === free || this.again) this.pump();
        else this.sleep(this.backend.config.pollIntervalMs);
      },
      (error: unknown) => {
        this.claiming = false;
        this.failures++;
        warnEvery(`queue-claim:${this.queue}`, `queue "${this.queue}": cannot claim jobs (${(error as Error).message}); retrying`, 10_000);
        this.sleep(backoff(Math.min(this.failures, 6), this.backend.config.pollIntervalMs, 5000));
      },
    );
  }

  private run(row: ClaimedRow): void {
    const controller = new LazyAbort();
    const logs = new RunningJobLog(
      row.logs,
      (lines) => this.backend.writeLogs(row, lines),
      (error) => warnEvery(`queue-log:${this.queue}`, `queue "${this.queue}": could not write the log of job ${row.id} yet (${(error as Error).message}); its lines are kept and written later`, 10_000),
    );
    const entry: Running = { row, controller, logs, done: Promise.resolve(), givenBack: false };
    this.running.set(row.seq, entry);
    entry.done = (async () => {
      let outcome: { ok: true; result: unknown } | { ok: false; error: string };
      let thrown: unknown;
      try {
        const job: ActiveJob = {
          id: row.id,
          queue: this.queue,
          data: JSON.parse(row.data) as unknown,
          attemptsMade: row.attemptsStarted - 1,
          scheduledFor: tickOf(row.id),
          get signal() {
            return controller.signal;
          },
          log: async (message: string) => logs.add(message),
          progress: (value: number) => {
            if (typeof value !== "number" || !Number.isFinite(value)) {
              return Promise.reject(new QueueError(QueueErrorCode.ARGUMENT, `job.progress() takes a finite number, got ${String(value)}`));
            }
            return this.backend.setProgress(row, value);
          },
        };
        outcome = { ok: true, result: await this.handler(job) };
      } catch (error) {
        thrown = error;
        outcome = { ok: false, error: failureMessage(error) };
      }
      if (entry.givenBack) return;
      try {
        await logs.close(); // a periodic write in flight lands first, never over the outcome's
        const held = await this.backend.finish(row, outcome, logs.all());
        if (!held) log.warn(`queue "${this.queue}": job ${row.id} finished after its lock had expired (another worker may run it again); raise TINA4_QUEUE_VISIBILITY_TIMEOUT if jobs block the event loop`);
        else if (!outcome.ok) logFailedAttempt(this.queue, row.id, row.attemptsStarted, row.attempts, thrown);
      } catch (error) {
        log.error(`queue "${this.queue}": could not record the outcome of job ${row.id}: ${(error as Error).message} (it will be retried after the visibility timeout)`);
      } finally {
        this.running.delete(row.seq);
        this.pump();
      }
    })();
  }

  private stopped: Promise<void> | null = null;

  stop(graceMs: number): Promise<void> {
    this.stopped ??= this.shutdown(graceMs);
    return this.stopped;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    this.backend.wake.off(this.queue, this.onWake);
    if (this.timer) clearTimeout(this.timer);
    await this.inflight;
    const pending = [...this.running.values()].map((r) => r.done);
    if (pending.length > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    const left = [...this.running.values()];
    for (const entry of left) {
      entry.givenBack = true;
      entry.controller.abort(new QueueError(QueueErrorCode.TIMEOUT, "the worker is stopping: this job goes back to the queue"));
      this.running.delete(entry.row.seq);
    }
    // the lines an interrupted run logged stay with the job (as on BullMQ), written while it is still held
    await Promise.all(left.map((entry) => entry.logs.close(true)));
    if (left.length > 0) {
      try {
        await this.backend.giveBack(left.map((e) => e.row));
        log.warn(`queue "${this.queue}": ${left.length} unfinished job(s) returned to the queue at shutdown`);
      } catch (error) {
        log.error(`queue "${this.queue}": could not return ${left.length} unfinished job(s): ${(error as Error).message} (they run again after the visibility timeout)`);
      }
    }
    for (const listener of this.stoppedListeners.splice(0)) listener();
  }
}
