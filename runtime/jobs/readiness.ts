/**
 * `/__ready` checks the queue's Redis/Valkey as `queue` while the process's queue is BullMQ's:
 * while that server is down `queue(name).add()` fails and workers stall. It follows the queue
 * the app configured (runtime/jobs/factory.ts): TINA4_QUEUE_BACKEND/TINA4_QUEUE_URL, or a
 * `configureQueue()` call, which wins (its server is probed at once, not after the old one's
 * cached result). A database queue (the default) has no `queue` check: the database checks
 * cover it; nor has a queue on the configured cache's server: the `cache` check covers that.
 * The same probe as the cache's (one per server, at most once a second).
 */
import { addReadinessTarget } from "../ready.js";
import { cacheServerProbe, coveredByCacheCheck } from "../cache/readiness.js";
import { configuredQueue } from "./factory.js";

/** The BullMQ server's URL, or null (a database queue, or a bad backend name: `tina4 worker` reports that). */
function queueServer(): string | null {
  try {
    const { backend, url } = configuredQueue();
    return backend === "database" ? null : url;
  } catch {
    return null;
  }
}

addReadinessTarget("queue", () => {
  const url = queueServer();
  return url === null || coveredByCacheCheck("redis", url) ? null : cacheServerProbe("redis", url);
});
