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
import { envInt, envString } from "../config/env.js";
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

function positive(name: string, fallback: number, min: number): number {
  const value = envInt(name, fallback);
  if (value < min) throw new QueueError(QueueErrorCode.ARGUMENT, `${name} must be at least ${min}, got ${value}`);
  return value;
}

export function readQueueConfig(overrides: Partial<QueueConfig> = {}): QueueConfig {
  const backend = overrides.backend ?? parseQueueBackend(envString("TINA4_QUEUE_BACKEND", "database"));
  const fallbackUrl = backend === "database" ? envString("TINA4_DATABASE_URL", "sqlite:data/app.db") : "redis://127.0.0.1:6379";
  return {
    backend,
    url: overrides.url ?? envString("TINA4_QUEUE_URL", fallbackUrl),
    prefix: overrides.prefix ?? envString("TINA4_QUEUE_PREFIX", "tina4"),
    table: overrides.table ?? envString("TINA4_QUEUE_TABLE", "tina4_job"),
    visibilityTimeoutMs: overrides.visibilityTimeoutMs ?? positive("TINA4_QUEUE_VISIBILITY_TIMEOUT", 30, 1) * 1000,
    pollIntervalMs: overrides.pollIntervalMs ?? positive("TINA4_QUEUE_POLL_INTERVAL", 500, 10),
    timeoutMs: overrides.timeoutMs ?? positive("TINA4_QUEUE_TIMEOUT", 0, 0) * 1000,
    keepCompletedMs: overrides.keepCompletedMs ?? positive("TINA4_QUEUE_KEEP_COMPLETED", 86_400, 0) * 1000,
    keepFailedMs: overrides.keepFailedMs ?? positive("TINA4_QUEUE_KEEP_FAILED", 0, 0) * 1000,
  };
}
