/**
 * Cache settings from the environment. Read at call time (not import time) so `.env` files
 * loaded at startup and tests that set variables are honoured.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | TINA4_CACHE_BACKEND | memory | memory, file, redis, valkey, memcached, mongodb, database |
 * | TINA4_CACHE_URL | per backend | server URL, credentials included |
 * | TINA4_CACHE_TTL | 60 | default TTL in seconds (0 = no expiry) |
 * | TINA4_CACHE_MAX_ENTRIES | 1000 | memory LRU bound per namespace |
 * | TINA4_CACHE_DIR | data/cache | file backend root (also the fallback's) |
 * | TINA4_CACHE_TIMEOUT_MS | 250 | bound on each network cache call |
 * | TINA4_CACHE_CONNECT_TIMEOUT_MS | 1000 | bound on the first connection at start |
 */
import { setting } from "../config/settings.js";
import { BACKEND_NAMES, type BackendName } from "./backend.js";
import { CacheError, CacheErrorCode } from "./errors.js";

export interface CacheConfig {
  backend: BackendName;
  /** undefined → the backend's default (see defaultUrl). */
  url: string | undefined;
  ttl: number;
  maxEntries: number;
  dir: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

/** Validates a backend name; the error lists the valid ones. */
export function parseBackendName(name: string, source = "cache backend"): BackendName {
  const normalized = name.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(normalized)) return normalized as BackendName;
  throw new CacheError(CacheErrorCode.UNKNOWN_BACKEND,
    `unknown ${source} "${name}": valid backends are ${BACKEND_NAMES.join(", ")}`);
}

/** Throws CacheError(T4_ERR_CACHE_UNKNOWN_BACKEND) for a bad TINA4_CACHE_BACKEND: call it at startup. */
export function readCacheConfig(): CacheConfig {
  return {
    backend: parseBackendName(setting("TINA4_CACHE_BACKEND"), "TINA4_CACHE_BACKEND"),
    ...readCacheSettings(),
  };
}

/** Everything but the backend name (so an explicit `backend` option never trips over a bad env value). */
export function readCacheSettings(): Omit<CacheConfig, "backend"> {
  const url = setting("TINA4_CACHE_URL") ?? "";
  return {
    url: url === "" ? undefined : url,
    ttl: setting("TINA4_CACHE_TTL"),
    maxEntries: setting("TINA4_CACHE_MAX_ENTRIES"),
    dir: setting("TINA4_CACHE_DIR"),
    timeoutMs: setting("TINA4_CACHE_TIMEOUT_MS"),
    connectTimeoutMs: setting("TINA4_CACHE_CONNECT_TIMEOUT_MS"),
  };
}

/** Where a backend looks when no URL is configured. */
export function defaultUrl(backend: BackendName): string | undefined {
  switch (backend) {
    case "redis":
    case "valkey":
      return "redis://127.0.0.1:6379";
    case "memcached":
      return "memcached://127.0.0.1:11211";
    case "mongodb":
      return "mongodb://127.0.0.1:27017/tina4";
    case "database":
      return setting("TINA4_DATABASE_URL");
    default:
      return undefined;
  }
}
