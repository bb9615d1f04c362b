/**
 * `/__ready` checks the queue's Redis/Valkey (TINA4_QUEUE_BACKEND=redis|valkey, BullMQ at
 * TINA4_QUEUE_URL) as `queue`: while it is down `queue(name).add()` fails and workers stall.
 * The same probe as the cache's (one per server, at most once a second); a queue on the
 * configured cache's server is left to the `cache` check, a database queue to the database checks.
 */
import { setting } from "../config/settings.js";
import { addReadinessCheck } from "../ready.js";
import { cacheServerProbe, coveredByCacheCheck } from "../cache/readiness.js";

const DEFAULT_URL = "redis://127.0.0.1:6379";

/** The configured BullMQ server's URL, or null (database queue, or a bad name: `tina4 worker` reports that). */
function queueServer(): string | null {
  const backend = setting("TINA4_QUEUE_BACKEND").trim().toLowerCase();
  if (backend !== "redis" && backend !== "valkey") return null;
  return setting("TINA4_QUEUE_URL") ?? DEFAULT_URL;
}

addReadinessCheck("queue", () => cacheServerProbe("redis", queueServer()!)(), {
  enabled: () => {
    const url = queueServer();
    return url !== null && !coveredByCacheCheck("redis", url);
  },
});
