/**
 * Where sessions live: a strict cache (runtime/cache, namespace "session") on
 * TINA4_SESSION_BACKEND — by default the cache backend — so every worker and instance sharing
 * Redis/Valkey/memcached/database sees one session. Strict means a server that cannot answer
 * is an error (→ 503), never a miss: a miss would log the user out, and a fallback to a local
 * file would split sessions between instances.
 */
import cluster from "node:cluster";
import { createCache } from "../cache/factory.js";
import { CacheError, CacheErrorCode } from "../cache/errors.js";
import type { BackendName, CacheBackend } from "../cache/backend.js";
import { HttpError } from "../http/errors.js";
import { AuthErrorCode } from "../auth/errors.js";
import { setting } from "../config/settings.js";
import { warnOnce } from "../log.js";

export interface StoreSettings {
  backend: BackendName;
  url: string | undefined;
  ttl: number;
}

/** Backends every instance can share (the others live on one machine). */
const SHARED: ReadonlySet<string> = new Set<BackendName>(["redis", "valkey", "memcached", "mongodb", "database"]);

/** After a failed connect, requests get 503 at once for this long instead of each waiting for a connect timeout. */
const RETRY_MS = 1000;

interface Slot {
  cache: Promise<CacheBackend> | null;
  failedAt: number;
  error: unknown;
}
const slots = new Map<string, Slot>();

function open(settings: StoreSettings): Promise<CacheBackend> {
  const id = `${settings.backend}|${settings.url ?? ""}`;
  let slot = slots.get(id);
  if (slot?.cache) return slot.cache;
  if (slot && Date.now() - slot.failedAt < RETRY_MS) return Promise.reject(slot.error);
  // `tina4 serve --production` judged the stores at start, on its primary (cli/cluster/session-sharing.ts);
  // this one-time log line is for hosts that start the app some other way
  const cacheBackend = setting("TINA4_CACHE_BACKEND");
  if (!cluster.isWorker && (settings.backend === "file" || settings.backend === "memory") && SHARED.has(cacheBackend) && process.env.NODE_ENV === "production") {
    // init's .env keeps dev sessions on files; moving only the cache to a shared server leaves them behind
    warnOnce("session-local", `sessions are on the ${settings.backend} backend (TINA4_SESSION_BACKEND=${settings.backend}) while the cache is on ${cacheBackend}: ` +
      `other instances never see them, so a visitor sent to another machine is logged out. Remove TINA4_SESSION_BACKEND (e.g. from .env) so sessions follow TINA4_CACHE_BACKEND, or set it to ${cacheBackend}`);
  }
  slot ??= { cache: null, failedAt: 0, error: null };
  slots.set(id, slot);
  const current = slot;
  const cache = createCache({
    backend: settings.backend,
    url: settings.url,
    namespace: "session",
    ttl: settings.ttl,
    strict: true,
    maxEntries: setting("TINA4_SESSION_MAX_ENTRIES"),
  });
  current.cache = cache;
  cache.catch((error: unknown) => {
    current.cache = null;
    current.failedAt = Date.now();
    current.error = error;
  });
  return cache;
}

/** Closes the session stores (graceful shutdown, tests). */
export async function closeSessionStores(): Promise<void> {
  const all = [...slots.values()].map((slot) => slot.cache).filter((cache): cache is Promise<CacheBackend> => cache !== null);
  slots.clear();
  await Promise.all(all.map(async (cache) => (await cache.catch(() => undefined))?.close()));
}

/** Store trouble as the HTTP answer it deserves; anything else (a bug) passes through. */
function unavailable(error: unknown): unknown {
  if (error instanceof CacheError && (error.code === CacheErrorCode.UNAVAILABLE || error.code === CacheErrorCode.UNREACHABLE || error.code === CacheErrorCode.DRIVER_MISSING)) {
    return new HttpError(503, "Session store unavailable", { code: AuthErrorCode.SESSION_UNAVAILABLE, expose: true, cause: error });
  }
  return error;
}

/** Runs `work` on the session cache; store trouble rejects with HttpError 503. */
export async function withStore<T>(settings: StoreSettings, work: (cache: CacheBackend) => Promise<T>): Promise<T> {
  try {
    return await work(await open(settings));
  } catch (error) {
    throw unavailable(error);
  }
}
