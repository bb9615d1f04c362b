/**
 * `/__ready` checks the pub/sub server of TINA4_PUBSUB_URL as `pubsub`: while it cannot be
 * reached every WebSocket upgrade is refused (503) and broadcasts fail, so the instance is not
 * ready. A bus on the queue's or cache's server (no TINA4_PUBSUB_URL) is covered by their
 * checks, and so is an explicit URL naming the configured cache's server; the in-process and
 * cluster-relay buses need no server. The same probe as the cache's (one per server, at most
 * once a second).
 */
import { setting } from "../../config/settings.js";
import { addReadinessTarget, type ReadinessCheck } from "../../ready.js";
import { cacheServerProbe, coveredByCacheCheck } from "../../cache/readiness.js";
import { normalizePubSubUrl } from "./redis.js";

/** A bad URL is not ready either: every upgrade fails with T4_ERR_WS_BUS_URL. */
function refuse(error: unknown): ReadinessCheck {
  return () => {
    throw error;
  };
}

addReadinessTarget("pubsub", () => {
  const explicit = (setting("TINA4_PUBSUB_URL") ?? "").trim();
  if (!explicit) return null;
  let url: string;
  try {
    url = normalizePubSubUrl(explicit);
  } catch (error) {
    return refuse(error);
  }
  return coveredByCacheCheck("redis", url) ? null : cacheServerProbe("redis", url);
});
