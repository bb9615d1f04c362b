/** Public cache API: the KV functions, the backend contract and the factory for other consumers. */
import "./readiness.js"; // registers the "cache" check of GET /__ready
export {
  BACKEND_NAMES,
  NAMESPACES,
  type BackendName,
  type CacheBackend,
  type CacheLookup,
  type CacheStats,
  type JsonValue,
} from "./backend.js";
export { CacheError, CacheErrorCode } from "./errors.js";
export { readCacheConfig, type CacheConfig } from "./config.js";
export { createCache, closeAllCaches, type CreateCacheOptions } from "./factory.js";
export { rememberIn } from "./single-flight.js";
export {
  cacheGet,
  cacheGetMany,
  cacheSet,
  cacheDelete,
  cacheClear,
  cacheStats,
  remember,
  kvCache,
  configureCache,
  closeCache,
} from "./kv.js";
