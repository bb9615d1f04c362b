/**
 * The `Job` a processor receives, built over the backend's ActiveJob with the runner's
 * timeout; and `testJob()`, an in-memory job for an app's unit tests of its processors.
 */
import { inspect } from "node:util";
import { log } from "../log.js";
import { LazyAbort } from "./abort.js";
import type { ActiveJob, JobHandler } from "./backend.js";
import { QueueError, QueueErrorCode } from "./errors.js";
import { serialiseData } from "./options.js";
import type { Job, Processor } from "./types.js";

/** What JSON keeps of a processor's result (a value JSON cannot hold is stored as its text). */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  } catch {
    return inspect(value, { depth: 2, breakLength: Infinity });
  }
}

/** Anything a processor threw, as an Error whose message says what it was. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const shown = typeof thrown === "string" ? JSON.stringify(thrown) : inspect(thrown, { depth: 2, breakLength: Infinity });
  return new Error(`the processor threw a non-Error value: ${shown.length > 500 ? `${shown.slice(0, 500)}…` : shown}`);
}

/** The message recorded for a failed attempt, on every backend: the error's name leads unless it is a plain Error. */
export function failureMessage(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

/**
 * How a failed attempt is logged: its message, then the processor's stack frames (without the
 * stack's own first line, which repeats the message), so the line says where it failed.
 */
export function failureDetail(error: unknown): string {
  const message = failureMessage(error);
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  return frames.length === 0 ? message : `${message}\n${frames.join("\n")}`;
}

/**
 * Logs a failed attempt with where it failed: at warn while attempts are left, at error once
 * the job has failed for good (the one an operator must act on). Same line on every backend.
 */
export function logFailedAttempt(queue: string, id: string, attempt: number, attempts: number, error: unknown): void {
  const retried = attempt < attempts;
  const line = `queue "${queue}": job ${id} attempt ${attempt}/${attempts} failed (${retried ? "will retry" : "no attempts left: failed"}): ${failureDetail(error)}`;
  if (retried) log.warn(line);
  else log.error(line);
}

/**
 * Runs `processor` for one job: sync throws and non-Error values become Errors, and an
 * attempt longer than `timeoutMs` (0 = none) fails with T4_ERR_QUEUE_TIMEOUT and aborts
 * `job.signal` (the function itself cannot be stopped from outside: it should watch the signal).
 */
export function handlerFor(processor: Processor, timeoutMs: number): JobHandler {
  return async (active: ActiveJob) => {
    const timeout = timeoutMs > 0 ? new LazyAbort() : null;
    let combined: AbortSignal | null = null;
    const job: Job = {
      id: active.id,
      queue: active.queue,
      data: active.data,
      attemptsMade: active.attemptsMade,
      scheduledFor: active.scheduledFor,
      get signal() {
        return timeout === null ? active.signal : (combined ??= AbortSignal.any([active.signal, timeout.signal]));
      },
      log: (message) => active.log(message),
      progress: (value) => active.progress(value),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = (async () => processor(job))();
      if (timeoutMs <= 0) return jsonSafe(await run);
      run.catch(() => undefined); // a late failure after the timeout was already reported
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new QueueError(QueueErrorCode.TIMEOUT, `job ${active.id} ran longer than its timeout of ${timeoutMs} ms`);
          timeout!.abort(error);
          reject(error);
        }, timeoutMs);
      });
      return jsonSafe(await Promise.race([run, expired]));
    } catch (error) {
      throw asError(error);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** An in-memory job for unit tests: what the processor logged and reported is on it. */
export interface TestJob<T> extends Job<T> {
  readonly logs: string[];
  readonly progressValues: number[];
}

export interface TestJobOptions {
  id?: string;
  queue?: string;
  attemptsMade?: number;
  scheduledFor?: Date | null;
  signal?: AbortSignal;
}

/**
 * `await processor(testJob({ to: "a@b.c" }))` in an app's tests. The data is checked as
 * `add` would check it, so a test catches data that could never be queued.
 */
export function testJob<T>(data: T, options: TestJobOptions = {}): TestJob<T> {
  serialiseData(data);
  const logs: string[] = [];
  const progressValues: number[] = [];
  return {
    id: options.id ?? "test-job",
    queue: options.queue ?? "test",
    data: JSON.parse(JSON.stringify(data)) as T,
    attemptsMade: options.attemptsMade ?? 0,
    scheduledFor: options.scheduledFor ?? null,
    signal: options.signal ?? new AbortController().signal,
    logs,
    progressValues,
    log: async (message) => void logs.push(String(message)),
    progress: async (value) => void progressValues.push(value),
  };
}
