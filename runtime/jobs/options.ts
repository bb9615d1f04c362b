/**
 * Checks made at `add`, before anything reaches a backend: the queue name, the options, and
 * that the data survives JSON unchanged — a job that could never be processed is refused
 * when it is created, not discovered by a worker later.
 */
import { QueueError, QueueErrorCode } from "./errors.js";
import type { JobOptions } from "./types.js";
import { backoff } from "../async/backoff.js";

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
/** BullMQ's highest priority number. */
export const MAX_PRIORITY = 2_097_152;

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export function checkQueueName(name: string): string {
  if (typeof name !== "string" || !QUEUE_NAME.test(name)) {
    throw new QueueError(QueueErrorCode.ARGUMENT, `invalid queue name ${JSON.stringify(name)}: use letters, digits, "-" or "_" (at most 100, starting with a letter or digit)`);
  }
  return name;
}

/** Options with every default filled in. */
export interface ResolvedJobOptions {
  delay: number;
  attempts: number;
  backoff: number;
  priority: number;
  jobId: string | undefined;
}

function wholeNumber(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new QueueError(QueueErrorCode.ARGUMENT, `job option ${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

export function resolveOptions(opts: JobOptions | undefined): ResolvedJobOptions {
  const o = opts ?? {};
  if (typeof o !== "object" || o === null) throw new QueueError(QueueErrorCode.ARGUMENT, "job options must be an object");
  const known = new Set(["delay", "attempts", "backoff", "priority", "jobId"]);
  for (const key of Object.keys(o)) {
    if (!known.has(key)) throw new QueueError(QueueErrorCode.ARGUMENT, `unknown job option "${key}" (known: ${[...known].join(", ")})`);
  }
  let jobId: string | undefined;
  if (o.jobId !== undefined) {
    if (typeof o.jobId !== "string" || o.jobId === "" || o.jobId.length > 120 || /^\d+$/.test(o.jobId) || o.jobId.includes(":")) {
      throw new QueueError(QueueErrorCode.ARGUMENT, `jobId must be a non-empty string of at most 120 characters, not all digits and without ":" (BullMQ reserves those), got ${JSON.stringify(o.jobId)}`);
    }
    jobId = o.jobId;
  }
  return {
    delay: o.delay === undefined ? 0 : wholeNumber("delay", o.delay, 0),
    attempts: o.attempts === undefined ? DEFAULT_ATTEMPTS : wholeNumber("attempts", o.attempts, 1, 1000),
    backoff: o.backoff === undefined ? DEFAULT_BACKOFF_MS : wholeNumber("backoff", o.backoff, 0),
    priority: o.priority === undefined ? 0 : wholeNumber("priority", o.priority, 0, MAX_PRIORITY),
    jobId,
  };
}

/** Delay before attempt `failed + 1` after `failed` failures: base × 2^(failed-1), as BullMQ's exponential backoff. */
export function backoffDelay(base: number, failed: number): number {
  if (base <= 0 || failed < 1) return 0;
  return Math.round(backoff(failed - 1, base, base * 2 ** 30));
}

/**
 * JSON text of `data`, or a QueueError naming the first value JSON would drop or change:
 * functions, symbols, bigints, undefined, non-finite numbers, cycles, Maps/Sets and other
 * class instances (Dates are allowed: they arrive as ISO strings, as JSON always does).
 */
export function serialiseData(data: unknown): string {
  check(data, "data", new Set());
  return JSON.stringify(data);
}

function refuse(path: string, what: string): never {
  throw new QueueError(QueueErrorCode.DATA, `job ${path} is ${what}, which does not survive JSON: pass plain objects, arrays, strings, finite numbers, booleans, null (or ISO date strings)`);
}

function check(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) refuse(path, String(value));
      return;
    case "undefined":
      refuse(path, "undefined");
    // falls through (refuse never returns)
    case "function":
      refuse(path, "a function");
    // falls through
    case "symbol":
      refuse(path, "a symbol");
    // falls through
    case "bigint":
      refuse(path, "a bigint (send it as a string)");
  }
  if (value === null) return;
  const object = value as object;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) refuse(path, "an invalid Date");
    return;
  }
  if (seen.has(object)) refuse(path, "a circular reference");
  seen.add(object);
  if (Array.isArray(object)) {
    object.forEach((item, i) => check(item, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(object) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? "object";
      refuse(path, `a ${name} instance`);
    }
    for (const [key, item] of Object.entries(object)) {
      // JSON drops undefined properties silently: allowed, like JSON.stringify
      if (item === undefined) continue;
      check(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
    }
    if (Object.getOwnPropertySymbols(object).length > 0) refuse(path, "an object with symbol keys");
  }
  seen.delete(object);
}
