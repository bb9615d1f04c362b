/**
 * `createCache()` builds a namespaced cache on one of the seven backends. Settings not given
 * come from the environment (config.ts). An unknown backend name rejects with
 * T4_ERR_CACHE_UNKNOWN_BACKEND; a missing driver or an unreachable server logs ONE warning
 * (per backend and URL, per process) and returns a `file` cache instead. Network and file
 * stores are wrapped in ResilientStore so later failures degrade to misses.
 */
import { setting } from "../config/settings.js";
import { onShutdown } from "../lifecycle.js";
import { warnOnce } from "../log.js";
import { NAMESPACES, StoreBackend, validateNamespace, validateTtl, type BackendName, type CacheBackend, type CacheStore } from "./backend.js";
import { FileStore } from "./backends/file.js";
import { MemoryStore } from "./backends/memory.js";
import { defaultUrl, parseBackendName, readCacheSettings } from "./config.js";
import { CacheError, CacheErrorCode } from "./errors.js";
import { ResilientStore } from "./resilient.js";
import { openNetworkStore } from "./network-store.js";
import { consumerName, watchCacheServer } from "./readiness.js";
import { redactUrl } from "./shared.js";

export interface CreateCacheOptions {
  /** Default: TINA4_CACHE_BACKEND (memory). */
  backend?: BackendName | (string & {});
  /** Default: TINA4_CACHE_URL when `backend` is the configured one, else the backend's default URL. */
  url?: string;
  /** Default "kv". Use "response" for responseCache and "dbcache" for the DB query cache. */
  namespace?: string;
  /** Default TTL in seconds for `set` without one (default TINA4_CACHE_TTL, 60). */
  ttl?: number;
  /** memory: LRU bound (TINA4_CACHE_MAX_ENTRIES, 1000). */
  maxEntries?: number;
  /** file (and the fallback): root folder (TINA4_CACHE_DIR, data/cache). */
  dir?: string;
  /** Bound on each network call in ms (TINA4_CACHE_TIMEOUT_MS, 250). */
  timeoutMs?: number;
  /** Bound on the first connection in ms (TINA4_CACHE_CONNECT_TIMEOUT_MS, 1000). */
  connectTimeoutMs?: number;
  /** redis/valkey/memcached key prefix shared by the namespaces (default "tina4"). */
  prefix?: string;
  /**
   * Reuse decoded values for unchanged entries (up to this many keys) instead of parsing JSON
   * on every hit. Callers then share one object per entry and must not change what it holds
   * (the DB query cache; responseCache on memory, which only adds the bytes it sends). The memo
   * keeps each entry's text beside its value: on a store outside the process that is a second
   * copy (responseCache keeps its own, by version, there). Default 0 (every `get` returns a
   * fresh copy).
   */
  sharedDecoded?: number;
  /**
   * Errors reach the caller instead of degrading: a server failing mid-run rejects calls with
   * CacheError(T4_ERR_CACHE_UNAVAILABLE), and a server unreachable at start rejects
   * `createCache` (UNREACHABLE / DRIVER_MISSING) instead of falling back to `file`, whose
   * entries other instances could not see. Sessions use it. Default false.
   */
  strict?: boolean;
}

const openCaches = new Set<CacheBackend>();
/** Graceful shutdown closes every cache (registered while any is open). */
let unregisterShutdown: (() => void) | undefined;

/**
 * The backend and server URL createCache uses for these options (throws on an unknown backend
 * name): consumers that open their cache lazily declare it to `/__ready` with this up front.
 */
export function cacheTarget(options: Pick<CreateCacheOptions, "backend" | "url"> = {}): { backend: BackendName; url: string | undefined } {
  const configured = setting("TINA4_CACHE_BACKEND");
  const backend = parseBackendName(options.backend ?? configured, options.backend === undefined ? "TINA4_CACHE_BACKEND" : "cache backend");
  const sameAsConfigured = options.backend === undefined || configured.trim().toLowerCase() === backend;
  return { backend, url: options.url ?? (sameAsConfigured ? readCacheSettings().url : undefined) ?? defaultUrl(backend) };
}

export async function createCache(options: CreateCacheOptions = {}): Promise<CacheBackend> {
  const settings = readCacheSettings();
  const { backend, url } = cacheTarget(options);
  const namespace = validateNamespace(options.namespace ?? NAMESPACES.kv);
  const ttl = validateTtl(options.ttl ?? settings.ttl, "cache TTL");
  const dir = options.dir ?? settings.dir;
  const timeoutMs = options.timeoutMs ?? settings.timeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? settings.connectTimeoutMs;
  const maxEntries = options.maxEntries ?? settings.maxEntries;
  const strict = options.strict === true;
  // its server is part of /__ready while the cache is open, reachable or not (then it runs degraded)
  const unwatch = watchCacheServer(consumerName(namespace), backend, url);

  let store: CacheStore;
  if (backend === "memory") {
    store = new MemoryStore({ namespace, maxEntries });
  } else if (backend === "file") {
    store = fileStore(namespace, dir, timeoutMs, strict);
  } else {
    try {
      const network = await openNetworkStore(backend, { namespace, url: url ?? "", connectTimeoutMs, prefix: options.prefix });
      store = new ResilientStore(network, {
        timeoutMs,
        strict,
        label: redactUrl(url ?? ""),
        ...(network.isOutage ? { isOutage: (error: unknown) => network.isOutage!(error) } : {}),
      });
    } catch (error) {
      if (strict || !(error instanceof CacheError) || (error.code !== CacheErrorCode.DRIVER_MISSING && error.code !== CacheErrorCode.UNREACHABLE)) {
        unwatch();
        throw error;
      }
      warnOnce(`cache-fallback:${backend}:${redactUrl(url ?? "")}`,
        `cache backend ${backend} unavailable at start (${error.message}); falling back to the file cache in ${dir}`);
      store = fileStore(namespace, dir, timeoutMs);
    }
  }
  const cache: CacheBackend = new StoreBackend(store, ttl, () => {
    openCaches.delete(cache);
    unwatch();
  }, options.sharedDecoded ?? 0);
  openCaches.add(cache);
  unregisterShutdown ??= onShutdown(() => {
    unregisterShutdown = undefined;
    return closeAllCaches();
  });
  return cache;
}

function fileStore(namespace: string, dir: string, timeoutMs: number, strict = false): CacheStore {
  return new ResilientStore(new FileStore({ namespace, dir }), { timeoutMs: Math.max(timeoutMs, 5000), label: dir, breakerMs: 0, strict });
}

/** Closes every cache created by createCache (graceful shutdown). */
export async function closeAllCaches(): Promise<void> {
  unregisterShutdown?.();
  unregisterShutdown = undefined;
  const caches = [...openCaches];
  openCaches.clear();
  await Promise.all(caches.map((cache) => cache.close()));
}
