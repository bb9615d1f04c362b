/**
 * A running job's log on the database backend. `job.log()` resolves at once (a processor may
 * log in a tight loop); the lines are written to the job's row while it runs, batched, each
 * about LOG_FLUSH_MS after it is logged at most, and no write sooner than LOG_FLUSH_MS after the run began
 * or after the previous one, so `getJob()` shows them as they come and a worker killed mid-job
 * leaves every line written up to its last write. What is left is written with the outcome
 * (`finish`) or when a stopping worker gives the job back: a run shorter than LOG_FLUSH_MS
 * writes its lines once, with its outcome, as before (no extra statement per short job).
 */
import { jobLogLine, MAX_LOG_LINES } from "../backend.js";

/** Longest a logged line waits before it is written to the job's row. */
export const LOG_FLUSH_MS = 250;

export class RunningJobLog {
  /** Every line the row should hold: earlier attempts' lines, then this run's (trimmed to MAX_LOG_LINES when written). */
  private lines: string[];
  /** Lines logged since the last write began. */
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** When the last write began (the run's start before the first): the next waits LOG_FLUSH_MS after it. */
  private lastWrite = Date.now();
  private closed = false;

  constructor(
    earlier: readonly string[],
    /** Writes the whole log to the job's row while this worker holds it. */
    private readonly write: (lines: readonly string[]) => Promise<void>,
    /** A write that failed: reported; the lines stay and go with the next write. */
    private readonly failed: (error: unknown) => void,
  ) {
    this.lines = earlier.slice(-MAX_LOG_LINES);
  }

  add(message: unknown): void {
    if (this.closed) return; // the run's outcome (or its return to the queue) is already recorded
    this.lines.push(jobLogLine(message));
    // trimmed in batches, not per line: a processor logging 100,000 lines copies no more than it must
    if (this.lines.length >= 2 * MAX_LOG_LINES) this.lines = this.lines.slice(-MAX_LOG_LINES);
    this.dirty = true;
    this.schedule();
  }

  /** Every line the job's row should hold, oldest first (the writer keeps the latest MAX_LOG_LINES). */
  all(): readonly string[] {
    return this.lines;
  }

  /**
   * No more periodic writes: waits for one in flight (so it cannot land after the caller's own
   * write of `all()`), then returns. `writeLeft`: writes what is not written yet first (a job
   * given back, whose row keeps its log without an outcome).
   */
  async close(writeLeft = false): Promise<void> {
    this.cancelTimer();
    if (writeLeft) await this.flush();
    this.closed = true;
    this.cancelTimer(); // a failed last write schedules a retry
    while (this.writing) await this.writing;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.writing || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, Math.max(0, this.lastWrite + LOG_FLUSH_MS - Date.now()));
    this.timer.unref?.();
  }

  private async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    this.lastWrite = Date.now();
    this.writing = this.write(this.lines).then(
      () => undefined,
      (error: unknown) => {
        this.dirty = true; // written with the next flush, or with the outcome
        this.failed(error);
      },
    );
    await this.writing;
    this.writing = null;
    if (this.dirty) this.schedule();
  }
}
