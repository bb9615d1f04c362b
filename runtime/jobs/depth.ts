/**
 * Queue depth for /__metrics (runtime/instruments.ts): while this process has its queue
 * backend open, a scrape counts the jobs of each queue this process has used (added to or
 * worked) — one count per queue per scrape, nothing per job.
 */
import { sampleQueues, type QueueLevels } from "../instruments.js";
import type { QueueBackend } from "./backend.js";

const used = new Set<string>();

/** Marks `name` as used by this process: scrapes report its depth from now on. */
export function noteQueue(name: string): void {
  used.add(name);
}

/** Points the sampler at the backend this process opened (null once it is closed). */
export function sampleDepth(backend: QueueBackend | null): void {
  sampleQueues(backend === null ? null : () => depths(backend));
}

function depths(backend: QueueBackend): Promise<QueueLevels[]> {
  return Promise.all([...used].map(async (queue) => ({ queue, counts: await backend.counts(queue) })));
}
