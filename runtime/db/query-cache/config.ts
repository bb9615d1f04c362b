/**
 * Query-cache settings. Read when a Database connects (not at import), so `.env` files and
 * tests that set variables are honoured. `Database.connect(url, { queryCache })` overrides.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | TINA4_AUTO_CACHING | false | request-scoped cache (identical reads in one HTTP request run once) |
 * | TINA4_AUTO_CACHING_TTL | 5 | seconds a request-scoped entry lives |
 * | TINA4_DB_CACHE | false | persistent cache through a cache backend |
 * | TINA4_DB_CACHE_TTL | 30 | seconds a persistent entry lives |
 * | TINA4_DB_CACHE_BACKEND | TINA4_CACHE_BACKEND | memory, file, redis, valkey, memcached, mongodb, database |
 * | TINA4_DB_CACHE_URL | TINA4_CACHE_URL when the backend is the cache's | the backend's server URL |
 */
import { setting } from "../../config/settings.js";

export interface QueryCacheOptions {
  /** Request-scoped cache (TINA4_AUTO_CACHING, false). */
  request?: boolean;
  /** Seconds (TINA4_AUTO_CACHING_TTL, 5). */
  requestTtl?: number;
  /** Persistent cache (TINA4_DB_CACHE, false). */
  persistent?: boolean;
  /** Seconds (TINA4_DB_CACHE_TTL, 30). */
  ttl?: number;
  /** Cache backend (TINA4_DB_CACHE_BACKEND, default TINA4_CACHE_BACKEND). */
  backend?: string;
  /** Backend URL (TINA4_DB_CACHE_URL; default: the backend's default URL). */
  url?: string;
}

export type QueryCacheConfig = Required<Omit<QueryCacheOptions, "url">> & { url: string | undefined };

export function readQueryCacheConfig(options: QueryCacheOptions = {}): QueryCacheConfig {
  // like sessions: the cache's backend and server unless set, so an app whose cache is on Redis
  // shares (and invalidates) cached queries across instances instead of holding them per process
  const cacheBackend = setting("TINA4_CACHE_BACKEND");
  const backend = options.backend ?? setting("TINA4_DB_CACHE_BACKEND") ?? cacheBackend;
  const sameAsCache = backend.trim().toLowerCase() === cacheBackend.trim().toLowerCase();
  const url = options.url ?? (setting("TINA4_DB_CACHE_URL") ?? (sameAsCache ? setting("TINA4_CACHE_URL") : undefined) ?? "");
  return {
    request: options.request ?? setting("TINA4_AUTO_CACHING"),
    requestTtl: options.requestTtl ?? setting("TINA4_AUTO_CACHING_TTL"),
    persistent: options.persistent ?? setting("TINA4_DB_CACHE"),
    ttl: options.ttl ?? setting("TINA4_DB_CACHE_TTL"),
    backend,
    url: url === "" ? undefined : url,
  };
}
