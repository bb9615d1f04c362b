import { codedError } from "../errors.js";

/**
 * Every queue failure is a QueueError with a stable `code` from this registry; callers and
 * tests branch on `code`, never on the message.
 */
export const QueueErrorCode = {
  /** Job data that does not survive JSON (function, bigint, cycle, class instance, ...): refused at `add`. */
  DATA: "T4_ERR_QUEUE_DATA",
  /** A bad queue name or job option (negative delay, attempts < 1, ...). */
  ARGUMENT: "T4_ERR_QUEUE_ARGUMENT",
  /** TINA4_QUEUE_BACKEND names no known backend, or the database engine cannot host the queue. */
  BACKEND: "T4_ERR_QUEUE_BACKEND",
  /** The backend's npm package (bullmq, redis, a database driver) is not installed. */
  DRIVER_MISSING: "T4_ERR_QUEUE_DRIVER_MISSING",
  /** The backend server is unreachable: the job was NOT stored. */
  UNAVAILABLE: "T4_ERR_QUEUE_UNAVAILABLE",
  /** A queue named on the command line has no processor in src/jobs/. */
  UNKNOWN_QUEUE: "T4_ERR_QUEUE_UNKNOWN",
  /** A job file that cannot be used (no default export function, bad concurrency/schedule/timeout). */
  PROCESSOR: "T4_ERR_QUEUE_PROCESSOR",
  /** A processor ran longer than its `timeout`. */
  TIMEOUT: "T4_ERR_QUEUE_TIMEOUT",
  /** A job the worker was running when it stopped responding (killed, crashed, frozen). */
  STALLED: "T4_ERR_QUEUE_STALLED",
  /** No job with that id. */
  NOT_FOUND: "T4_ERR_QUEUE_NOT_FOUND",
} as const;

export type QueueErrorCodeValue = (typeof QueueErrorCode)[keyof typeof QueueErrorCode];

export class QueueError extends codedError<QueueErrorCodeValue>() {
  /**
   * The HTTP status of a request that fails with it (a route awaiting `queue().add`): 503 while
   * the queue's server or database is unavailable (the job was not stored; a retry in a moment
   * or on another instance may succeed, as for a database that is down), else 500.
   */
  get status(): 500 | 503 {
    return this.code === QueueErrorCode.UNAVAILABLE ? 503 : 500;
  }
}
