/**
 * The embedded queue: jobs in a table of the app's database (TINA4_QUEUE_TABLE, tina4_job),
 * created on first use. Claims, heartbeats and the stalled-job sweep are plain SQL (see
 * ../sql.ts); the claim loop of one queue is in database-worker.ts.
 *
 * Lifecycle of a row: `waiting` (with `run_at` in the future: delayed) → `active` (claimed:
 * `locked_by` = this process, `locked_until` = now + visibility timeout, renewed by the
 * heartbeat) → `completed`, back to `waiting` (retry after backoff), or `failed` (attempts
 * exhausted). An `active` row whose lock ran out belongs to a worker that stopped: the sweep
 * records that as a failed attempt and retries it (or fails it when no attempts are left).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { Database, DatabaseError, DbErrorCode, type Row } from "../../db/index.js";
import { log, warnEvery } from "../../log.js";
import { MAX_LOG_LINES, MIN_TICK_KEEP_MS, tickJobId, type JobHandler, type NewJob, type QueueBackend, type QueueWorker, type WorkOptions } from "../backend.js";
import type { QueueConfig } from "../config.js";
import { QueueError, QueueErrorCode } from "../errors.js";
import { backoffDelay, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS } from "../options.js";
import { checkTable, INSERT_COLUMNS, jobsSql, type JobsSql } from "../sql.js";
import type { JobCounts, JobInfo, JobState } from "../types.js";
import { DatabaseWorker } from "./database-worker.js";
import { backoff } from "../../async/backoff.js";

/** A claimed row, as the worker needs it. */
export interface ClaimedRow {
  seq: number;
  id: string;
  data: string;
  priority: number;
  runAt: number;
  attempts: number;
  /** Including this attempt. */
  attemptsStarted: number;
  backoff: number;
  logs: string[];
}

const INSERT_BATCH = 500;
const SWEEP_EVERY_MS = 60_000;

/** A database failure as the queue reports it: an outage is T4_ERR_QUEUE_UNAVAILABLE (nothing was stored). */
export function queueErrorOf(error: unknown, what: string, location: string): unknown {
  if (error instanceof DatabaseError) {
    if (error.unavailable || error.code === DbErrorCode.CLOSED) {
      return new QueueError(QueueErrorCode.UNAVAILABLE, `${what}: the queue database ${location} is unavailable (${error.message})`, { cause: error });
    }
    if (error.code === DbErrorCode.DRIVER_MISSING) return new QueueError(QueueErrorCode.DRIVER_MISSING, error.message, { cause: error });
  }
  return error;
}

/** Failures that succeed when simply tried again: an outage, a deadlock victim, a lock wait that timed out. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof DatabaseError)) return false;
  if (error.unavailable) return true;
  const code = String(error.driverCode ?? "");
  return code === "1213" || code === "1205" || code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT" || code === "40001" || code === "40P01";
}

function parseLogs(text: unknown): string[] {
  if (typeof text !== "string" || text === "") return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

/** A job's log as its row keeps it: the latest MAX_LOG_LINES, oldest first, as JSON. */
function logsText(lines: readonly string[]): string {
  return JSON.stringify(lines.length > MAX_LOG_LINES ? lines.slice(-MAX_LOG_LINES) : lines);
}

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export class DatabaseQueueBackend implements QueueBackend {
  readonly name = "database" as const;
  readonly location: string;
  /** This process, as written in `locked_by`. */
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`.slice(0, 100);
  /** Local adds wake this process's workers at once (other processes poll). */
  readonly wake = new EventEmitter();
  private readonly workers = new Set<DatabaseWorker>();
  private maintenance: NodeJS.Timeout | null = null;
  private lastSweep = 0;
  private closed = false;

  private constructor(readonly db: Database, readonly sql: JobsSql, readonly table: string, readonly config: QueueConfig) {
    this.location = `${db.url} (table ${table})`;
    this.wake.setMaxListeners(0);
  }

  static async open(config: QueueConfig): Promise<DatabaseQueueBackend> {
    const table = checkTable(config.table);
    let db: Database;
    try {
      db = await Database.connect(config.url, { autocommit: true, queryCache: { request: false, persistent: false } });
    } catch (error) {
      throw queueErrorOf(error, "cannot open the queue", config.url.replace(/(:\/\/[^:/@]*:)[^@]*@/, "$1***@"));
    }
    try {
      const sql = jobsSql(db.engine);
      await ensureJobsTable(db, table, sql);
      return new DatabaseQueueBackend(db, sql, table, config);
    } catch (error) {
      await db.close();
      throw queueErrorOf(error, "cannot prepare the queue table", db.url);
    }
  }

  // ─────────────────────────── producing ───────────────────────────

  async add(queue: string, jobs: readonly NewJob[]): Promise<string[]> {
    const now = Date.now();
    const ids = jobs.map((job) => job.options.jobId ?? randomUUID());
    const insert = async () => {
      for (let i = 0; i < jobs.length; i += INSERT_BATCH) {
        const chunk = jobs.slice(i, i + INSERT_BATCH);
        const params: unknown[] = [];
        chunk.forEach((job, k) => {
          const o = job.options;
          const row: Record<(typeof INSERT_COLUMNS)[number], unknown> = {
            id: ids[i + k], queue, state: "waiting", data: job.data, priority: o.priority, run_at: now + o.delay,
            attempts: o.attempts, attempts_started: 0, backoff: o.backoff, created_at: now,
          };
          for (const column of INSERT_COLUMNS) params.push(row[column]);
        });
        await this.db.execute(this.sql.insert(this.table, chunk.length), params as never);
      }
    };
    try {
      await insert().catch(async (error: unknown) => {
        if (!(await this.recreateMissingTable())) throw error;
        await insert();
      });
    } catch (error) {
      throw queueErrorOf(error, `queue "${queue}": the job was not stored`, this.location);
    }
    this.wake.emit(queue);
    return ids;
  }

  /** One job per tick: the unique (queue, id) stores it once however many processes add it. */
  async addTick(queue: string, tick: Date): Promise<void> {
    await this.add(queue, [{ data: "{}", options: { delay: 0, attempts: DEFAULT_ATTEMPTS, backoff: DEFAULT_BACKOFF_MS, priority: 0, jobId: tickJobId(queue, tick) } }]);
  }

  // ─────────────────────────── consuming ───────────────────────────

  async work(queue: string, handler: JobHandler, options: WorkOptions): Promise<QueueWorker> {
    const worker = new DatabaseWorker(this, queue, handler, options.concurrency);
    this.workers.add(worker);
    worker.onStopped(() => this.workers.delete(worker));
    this.startMaintenance();
    worker.start();
    return worker;
  }

  /** Marks up to `limit` due jobs of `queue` as this process's; the rows are in claim order. */
  async claim(queue: string, limit: number): Promise<ClaimedRow[]> {
    const now = Date.now();
    const until = now + this.config.visibilityTimeoutMs;
    let rows: Row[];
    const claim = this.sql.claim;
    if (claim.kind === "update") {
      rows = (await this.db.execute(claim.sql(this.table, limit), [this.workerId, until, queue, now])).records;
    } else {
      rows = await this.db.transaction(async () => {
        const found = (await this.db.fetch(claim.sql(this.table, limit), [queue, now], { cache: false })).records;
        if (found.length === 0) return found;
        const marks = found.map(() => "?").join(", ");
        await this.db.execute(
          `UPDATE ${this.table} SET state = 'active', locked_by = ?, locked_until = ?, attempts_started = attempts_started + 1 WHERE seq IN (${marks})`,
          [this.workerId, until, ...found.map((r) => r.seq as number)],
        );
        for (const r of found) r.attempts_started = num(r.attempts_started) + 1;
        return found;
      });
    }
    return rows
      .map((r): ClaimedRow => ({
        seq: num(r.seq), id: String(r.id), data: String(r.data), priority: num(r.priority), runAt: num(r.run_at),
        attempts: num(r.attempts), attemptsStarted: num(r.attempts_started), backoff: num(r.backoff), logs: parseLogs(r.logs),
      }))
      .sort((a, b) => a.priority - b.priority || a.runAt - b.runAt || a.seq - b.seq);
  }

  /**
   * Records a finished attempt with the job's whole log (`logs`: earlier attempts' lines
   * included, the latest MAX_LOG_LINES kept); false when this process no longer held the job (it was swept).
   */
  async finish(row: ClaimedRow, outcome: { ok: true; result: unknown } | { ok: false; error: string }, lines: readonly string[]): Promise<boolean> {
    const now = Date.now();
    const logs = logsText(lines);
    const owned = "seq = ? AND locked_by = ? AND attempts_started = ? AND state = 'active'";
    const key = [row.seq, this.workerId, row.attemptsStarted];
    let sql: string;
    let params: unknown[];
    if (outcome.ok) {
      sql = `UPDATE ${this.table} SET state = 'completed', result = ?, logs = ?, finished_at = ?, locked_by = NULL, locked_until = NULL WHERE ${owned}`;
      params = [JSON.stringify(outcome.result ?? null), logs, now, ...key];
    } else {
      const retry = row.attemptsStarted < row.attempts;
      sql = `UPDATE ${this.table} SET state = ?, run_at = ?, error = ?, logs = ?, finished_at = ?, locked_by = NULL, locked_until = NULL WHERE ${owned}`;
      params = [retry ? "waiting" : "failed", now + (retry ? backoffDelay(row.backoff, row.attemptsStarted) : 0), outcome.error.slice(0, 4000), logs, retry ? null : now, ...key];
    }
    const r = await this.persist(() => this.db.execute(sql, params as never));
    return r.affected > 0;
  }

  /** The job's whole log while this process runs it: a no-op once it no longer holds that attempt. */
  async writeLogs(row: ClaimedRow, lines: readonly string[]): Promise<void> {
    const logs = logsText(lines);
    await this.db.execute(
      `UPDATE ${this.table} SET logs = ? WHERE seq = ? AND locked_by = ? AND attempts_started = ? AND state = 'active'`,
      [logs, row.seq, this.workerId, row.attemptsStarted],
    );
  }

  async setProgress(row: ClaimedRow, value: number): Promise<void> {
    await this.db.execute(`UPDATE ${this.table} SET progress = ? WHERE seq = ? AND locked_by = ? AND state = 'active'`, [value, row.seq, this.workerId]);
  }

  /** Unfinished jobs back to waiting (shutdown): they run again and the attempt does not count. */
  async giveBack(rows: readonly ClaimedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const marks = rows.map(() => "?").join(", ");
    await this.persist(() =>
      this.db.execute(
        `UPDATE ${this.table} SET state = 'waiting', run_at = ?, attempts_started = attempts_started - 1, locked_by = NULL, locked_until = NULL ` +
          `WHERE state = 'active' AND locked_by = ? AND seq IN (${marks})`,
        [Date.now(), this.workerId, ...rows.map((r) => r.seq)],
      ),
    );
  }

  /**
   * Retries a write whose loss would re-run a finished job: an outage shorter than the
   * visibility timeout, or a deadlock with a concurrent claim, loses nothing. Gives up (and
   * logs) after that.
   */
  private async persist<T>(write: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.config.visibilityTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!isTransient(error) || Date.now() >= deadline || this.closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt, 100, 2000)));
      }
    }
  }

  // ─────────────────────────── maintenance ───────────────────────────

  private startMaintenance(): void {
    if (this.maintenance) return;
    const every = Math.max(200, Math.floor(this.config.visibilityTimeoutMs / 4));
    this.maintenance = setInterval(() => void this.maintain(), every);
    this.maintenance.unref();
  }

  private maintaining = false;

  /** Heartbeat for held jobs, sweep of stalled ones, removal of old finished ones. */
  private async maintain(): Promise<void> {
    if (this.maintaining || this.closed) return;
    this.maintaining = true;
    try {
      const now = Date.now();
      const held = [...this.workers].flatMap((w) => w.heldSeqs());
      if (held.length > 0) {
        // the heartbeat must land: a missed one lets another worker take these jobs
        await this.persist(() =>
          this.db.execute(
            `UPDATE ${this.table} SET locked_until = ? WHERE state = 'active' AND locked_by = ? AND seq IN (${held.map(() => "?").join(", ")})`,
            [Date.now() + this.config.visibilityTimeoutMs, this.workerId, ...held],
          ),
        );
      }
      for (const queue of new Set([...this.workers].map((w) => w.queue))) await this.sweepStalled(queue, now);
      if (now - this.lastSweep >= SWEEP_EVERY_MS) {
        this.lastSweep = now;
        await this.removeOld(now);
      }
    } catch (error) {
      if (await this.recreateMissingTable().catch(() => false)) return;
      warnEvery(`queue-maintain:${this.location}`, `queue maintenance on ${this.location} failed: ${(error as Error).message}`);
    } finally {
      this.maintaining = false;
    }
  }

  /**
   * After a statement failed: when the jobs table is gone — dropped under a running app, as
   * `tina4 migrate:fresh` does — creates it again (true), so adding and claiming work again
   * without a restart. False when the table is there (the failure was something else).
   */
  private async recreateMissingTable(): Promise<boolean> {
    if (await this.db.tableExists(this.table).catch(() => true)) return false;
    await ensureJobsTable(this.db, this.table, this.sql);
    return true;
  }

  /** Jobs whose worker stopped renewing them: a failed attempt, retried while attempts remain. */
  async sweepStalled(queue: string, now = Date.now()): Promise<number> {
    const seconds = Math.round(this.config.visibilityTimeoutMs / 1000);
    const message = `${QueueErrorCode.STALLED}: the worker running this job stopped responding for over ${seconds} s (killed, crashed or frozen)`;
    const stalled = "queue = ? AND state = 'active' AND locked_until < ?";
    const failed = await this.db.execute(
      `UPDATE ${this.table} SET state = 'failed', finished_at = ?, error = ?, locked_by = NULL, locked_until = NULL WHERE ${stalled} AND attempts_started >= attempts`,
      [now, message, queue, now],
    );
    const retried = await this.db.execute(
      `UPDATE ${this.table} SET state = 'waiting', run_at = ?, error = ?, locked_by = NULL, locked_until = NULL WHERE ${stalled}`,
      [now, message, queue, now],
    );
    const r = { affected: failed.affected + retried.affected };
    if (r.affected > 0) {
      log.warn(`queue "${queue}": ${r.affected} job(s) held by a worker that stopped responding were released (retried while attempts remain)`);
      this.wake.emit(queue);
    }
    return r.affected;
  }

  private async removeOld(now: number): Promise<void> {
    const keep = this.config.keepCompletedMs;
    await this.db.execute(
      `DELETE FROM ${this.table} WHERE state = 'completed' AND finished_at < ? AND (id NOT LIKE 'schedule:%' OR finished_at < ?)`,
      [now - keep, now - Math.max(keep, MIN_TICK_KEEP_MS)],
    );
    if (this.config.keepFailedMs > 0) {
      await this.db.execute(`DELETE FROM ${this.table} WHERE state = 'failed' AND finished_at < ?`, [now - this.config.keepFailedMs]);
    }
  }

  // ─────────────────────────── inspecting ───────────────────────────

  async counts(queue: string): Promise<JobCounts> {
    const counts: JobCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    const rows = await this.read(
      `SELECT state, COUNT(*) AS n, SUM(CASE WHEN run_at > ? THEN 1 ELSE 0 END) AS later FROM ${this.table} WHERE queue = ? GROUP BY state`,
      [Date.now(), queue],
    );
    for (const r of rows) {
      const state = String(r.state).trim();
      const n = num(r.n);
      if (state === "waiting") {
        counts.delayed = num(r.later);
        counts.waiting = n - counts.delayed;
      } else if (state === "active" || state === "completed" || state === "failed") counts[state] = n;
    }
    return counts;
  }

  async getJob(queue: string, id: string): Promise<JobInfo | null> {
    const rows = await this.read(`SELECT * FROM ${this.table} WHERE queue = ? AND id = ?`, [queue, id]);
    return rows[0] ? this.info(rows[0]) : null;
  }

  async list(queue: string, state: JobState, limit: number): Promise<JobInfo[]> {
    const now = Date.now();
    const where =
      state === "waiting" ? "state = 'waiting' AND run_at <= ?" : state === "delayed" ? "state = 'waiting' AND run_at > ?" : "state = ?";
    const rows = await this.read(
      `SELECT * FROM ${this.table} WHERE queue = ? AND ${where} ORDER BY seq DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
      [queue, state === "waiting" || state === "delayed" ? now : state],
    );
    return rows.map((r) => this.info(r));
  }

  async retry(queue: string, id: string | null): Promise<number> {
    const r = await this.write(
      `UPDATE ${this.table} SET state = 'waiting', attempts_started = 0, run_at = ?, finished_at = NULL, locked_by = NULL, locked_until = NULL ` +
        `WHERE queue = ? AND state = 'failed'${id === null ? "" : " AND id = ?"}`,
      id === null ? [Date.now(), queue] : [Date.now(), queue, id],
    );
    if (r > 0) this.wake.emit(queue);
    return r;
  }

  async clear(queue: string, states: readonly Exclude<JobState, "active">[]): Promise<number> {
    if (states.length === 0) return 0;
    const parts: string[] = [];
    const params: unknown[] = [queue];
    const now = Date.now();
    for (const state of new Set(states)) {
      if (state === "waiting") {
        parts.push("(state = 'waiting' AND run_at <= ?)");
        params.push(now);
      } else if (state === "delayed") {
        parts.push("(state = 'waiting' AND run_at > ?)");
        params.push(now);
      } else {
        parts.push("state = ?");
        params.push(state);
      }
    }
    return this.write(`DELETE FROM ${this.table} WHERE queue = ? AND (${parts.join(" OR ")})`, params);
  }

  async queues(): Promise<string[]> {
    const rows = await this.read(`SELECT DISTINCT queue FROM ${this.table} ORDER BY queue`, []);
    return rows.map((r) => String(r.queue));
  }

  private async read(sql: string, params: unknown[]): Promise<Row[]> {
    try {
      return (await this.db.fetch(sql, params as never, { cache: false })).records;
    } catch (error) {
      throw queueErrorOf(error, "cannot read the queue", this.location);
    }
  }

  private async write(sql: string, params: unknown[]): Promise<number> {
    try {
      return (await this.db.execute(sql, params as never)).affected;
    } catch (error) {
      throw queueErrorOf(error, "cannot update the queue", this.location);
    }
  }

  private info(r: Row): JobInfo {
    const raw = String(r.state).trim();
    const state: JobState = raw === "waiting" && num(r.run_at) > Date.now() ? "delayed" : (raw as JobState);
    const finished = numOrNull(r.finished_at);
    return {
      id: String(r.id), queue: String(r.queue), state, data: parseJson(r.data), attemptsMade: num(r.attempts_started), attempts: num(r.attempts),
      priority: num(r.priority), progress: numOrNull(r.progress), result: r.result === null || r.result === undefined ? null : parseJson(r.result),
      error: r.error === null || r.error === undefined ? null : String(r.error), logs: parseLogs(r.logs), createdAt: new Date(num(r.created_at)),
      finishedAt: finished === null ? null : new Date(finished),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.workers].map((w) => w.stop(0)));
    this.closed = true;
    if (this.maintenance) clearInterval(this.maintenance);
    await this.db.close();
  }
}

/** Creates the jobs table (unique (queue, id) inline, so deduplication holds from the first insert), then its claim index. */
async function ensureJobsTable(db: Database, table: string, sql: JobsSql): Promise<void> {
  if (await db.tableExists(table)) return;
  try {
    for (const statement of sql.ddl(table)) await db.execute(statement);
  } catch (error) {
    // another process created it first
    if (!(await db.tableExists(table))) throw error;
  }
}
