/**
 * Public API of the tina4 queue (SPEC §13). Kept light (no cron parser, no backend code):
 * every app imports it. Workers load processors.ts and runner.ts directly.
 */
import "./readiness.js"; // registers the "queue" check of GET /__ready (BullMQ on Redis/Valkey)
export { Queue, queue, CLEARABLE_STATES, type ClearableState } from "./queue.js";
export { QueueError, QueueErrorCode, type QueueErrorCodeValue } from "./errors.js";
export { configureQueue, closeQueues, queueBackend } from "./factory.js";
export { readQueueConfig, QUEUE_BACKENDS, type QueueBackendName, type QueueConfig } from "./config.js";
export { testJob, type TestJob, type TestJobOptions } from "./job.js";
export type { QueueBackend } from "./backend.js";
export type { BulkJob, Job, JobCounts, JobInfo, JobOptions, JobState, Processor } from "./types.js";
