/**
 * Queue settings from the environment, read when a backend opens (not at import), so `.env`
 * files and tests that set variables are honoured.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | TINA4_QUEUE_BACKEND | database | `database` (the app's database), `redis` or `valkey` (BullMQ) |
 * | TINA4_QUEUE_URL | TINA4_DATABASE_URL / redis://127.0.0.1:6379 | where the jobs live |
 * | TINA4_QUEUE_PREFIX | tina4 | BullMQ key prefix (redis/valkey) |
 * | TINA4_QUEUE_TABLE | tina4_job | the jobs table (database) |
 * | TINA4_QUEUE_VISIBILITY_TIMEOUT | 30 | seconds before a job held by a silent worker is retried |
 * | TINA4_QUEUE_POLL_INTERVAL | 500 | ms an idle database worker waits before looking again |
 * | TINA4_QUEUE_TIMEOUT | 0 | default processor timeout in seconds (0 = none; a job file's `timeout` wins) |
 * | TINA4_QUEUE_KEEP_COMPLETED | 86400 | seconds completed jobs are kept (0 = remove at once) |
 * | TINA4_QUEUE_KEEP_FAILED | 0 | seconds failed jobs are kept (0 = until retried or cleared) |
 */
import { setting } from "../config/settings.js";
import { QueueError, QueueErrorCode } from "./errors.js";

export const QUEUE_BACKENDS = ["database", "redis", "valkey"] as const;
export type QueueBackendName = (typeof QUEUE_BACKENDS)[number];

export interface QueueConfig {
  backend: QueueBackendName;
  url: string;
  prefix: string;
  table: string;
  visibilityTimeoutMs: number;
  pollIntervalMs: number;
  /** Default processor timeout, ms (0 = none). */
  timeoutMs: number;
  keepCompletedMs: number;
  keepFailedMs: number;
}

export function parseQueueBackend(name: string): QueueBackendName {
  const normalized = name.trim().toLowerCase();
  if ((QUEUE_BACKENDS as readonly string[]).includes(normalized)) return normalized as QueueBackendName;
  throw new QueueError(QueueErrorCode.BACKEND, `unknown TINA4_QUEUE_BACKEND "${name}": valid backends are ${QUEUE_BACKENDS.join(", ")}`);
}

function positive(name: "TINA4_QUEUE_VISIBILITY_TIMEOUT" | "TINA4_QUEUE_POLL_INTERVAL" | "TINA4_QUEUE_TIMEOUT" | "TINA4_QUEUE_KEEP_COMPLETED" | "TINA4_QUEUE_KEEP_FAILED", min: number): number {
  let value: number;
  try {
    value = setting(name);
  } catch (error) {
    // out of its declared range (runtime/config/settings.ts): the queue's own error code
    throw new QueueError(QueueErrorCode.ARGUMENT, (error as Error).message, { cause: error });
  }
  if (value < min) throw new QueueError(QueueErrorCode.ARGUMENT, `${name} must be at least ${min}, got ${value}`);
  return value;
}

/** Where the jobs live: the backend and URL `overrides` (configureQueue) and the environment select. */
export function queueTarget(overrides: Partial<QueueConfig> = {}): Pick<QueueConfig, "backend" | "url"> {
  const backend = overrides.backend ?? parseQueueBackend(setting("TINA4_QUEUE_BACKEND"));
  const fallbackUrl = backend === "database" ? setting("TINA4_DATABASE_URL") : "redis://127.0.0.1:6379";
  return { backend, url: overrides.url ?? (setting("TINA4_QUEUE_URL") ?? fallbackUrl) };
}

export function readQueueConfig(overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    ...queueTarget(overrides),
    prefix: overrides.prefix ?? setting("TINA4_QUEUE_PREFIX"),
    table: overrides.table ?? setting("TINA4_QUEUE_TABLE"),
    visibilityTimeoutMs: overrides.visibilityTimeoutMs ?? positive("TINA4_QUEUE_VISIBILITY_TIMEOUT", 1) * 1000,
    pollIntervalMs: overrides.pollIntervalMs ?? positive("TINA4_QUEUE_POLL_INTERVAL", 10),
    timeoutMs: overrides.timeoutMs ?? positive("TINA4_QUEUE_TIMEOUT", 0) * 1000,
    keepCompletedMs: overrides.keepCompletedMs ?? positive("TINA4_QUEUE_KEEP_COMPLETED", 0) * 1000,
    keepFailedMs: overrides.keepFailedMs ?? positive("TINA4_QUEUE_KEEP_FAILED", 0) * 1000,
  };
}
