import { codedError } from "../errors.js";

/**
 * Every cache error code. Callers and tests branch on `err.code`, never on the message.
 * Network failures during normal operation are NOT errors: the resilient wrapper turns
 * them into misses (see resilient.ts). These codes cover misuse and startup problems.
 */
export const CacheErrorCode = {
  /** TINA4_CACHE_BACKEND / `backend` option names no known backend. */
  UNKNOWN_BACKEND: "T4_ERR_CACHE_UNKNOWN_BACKEND",
  /** A namespace with characters outside [A-Za-z0-9_.-] or empty. */
  BAD_NAMESPACE: "T4_ERR_CACHE_BAD_NAMESPACE",
  /** An empty or non-string key. */
  BAD_KEY: "T4_ERR_CACHE_BAD_KEY",
  /** A TTL that is negative or not a finite number. */
  BAD_TTL: "T4_ERR_CACHE_BAD_TTL",
  /** A value JSON cannot represent (undefined, a function, a BigInt, a cycle). */
  UNSERIALIZABLE: "T4_ERR_CACHE_UNSERIALIZABLE",
  /** The backend's npm driver is not installed (factory falls back to `file`). */
  DRIVER_MISSING: "T4_ERR_CACHE_DRIVER_MISSING",
  /** The server could not be reached at start (factory falls back to `file`). */
  UNREACHABLE: "T4_ERR_CACHE_UNREACHABLE",
  /** A URL that cannot be parsed for the chosen backend. */
  BAD_URL: "T4_ERR_CACHE_BAD_URL",
  /** A strict cache (CreateCacheOptions.strict) could not reach its server: the caller decides (sessions answer 503). */
  UNAVAILABLE: "T4_ERR_CACHE_UNAVAILABLE",
} as const;
export type CacheErrorCode = (typeof CacheErrorCode)[keyof typeof CacheErrorCode];

export class CacheError extends codedError<CacheErrorCode>() {}
