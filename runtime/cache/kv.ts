/**
 * The KV API (SPEC §6): one process-wide cache in the "kv" namespace, created lazily from
 * the environment on first use. `cacheGet` returns `undefined` on a miss; since JSON cannot
 * store `undefined`, a stored `null`/`0`/`""`/`false` always reads back as itself.
 */
import type { CacheBackend, CacheStats } from "./backend.js";
import { createCache, type CreateCacheOptions } from "./factory.js";
import { rememberIn } from "./single-flight.js";

let current: Promise<CacheBackend> | undefined;

/** The KV cache, created from TINA4_CACHE_* on first call (rejects on an unknown backend name). */
export function kvCache(): Promise<CacheBackend> {
  if (!current) {
    const creating = createCache({ namespace: "kv" });
    current = creating;
    creating.catch(() => {
      if (current === creating) current = undefined;
    });
  }
  return current;
}

/** Replaces the KV cache with one built from `options` (namespace forced to "kv"); closes the old one. */
export async function configureCache(options: CreateCacheOptions = {}): Promise<CacheBackend> {
  await closeCache();
  const creating = createCache({ ...options, namespace: "kv" });
  current = creating;
  try {
    return await creating;
  } catch (error) {
    if (current === creating) current = undefined;
    throw error;
  }
}

/** Closes the KV cache and forgets it; the next call creates a new one from the environment. */
export async function closeCache(): Promise<void> {
  const closing = current;
  current = undefined;
  if (!closing) return;
  const cache = await closing.catch(() => undefined);
  await cache?.close();
}

/** The stored value, or `undefined` on a miss (and when the server is unreachable). */
export async function cacheGet<T = unknown>(key: string): Promise<T | undefined> {
  const found = await (await kvCache()).get<T>(key);
  return found.hit ? found.value : undefined;
}

/**
 * `cacheGet` for many keys in one call: the values in the order of `keys`, `undefined` for
 * each miss. One round trip on redis/valkey (MGET), one promise for all keys on every backend.
 */
export async function cacheGetMany<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]> {
  const found = await (await kvCache()).getMany<T>(keys);
  return found.map((f) => (f.hit ? f.value : undefined));
}

/** Stores a JSON value; `ttlSeconds` defaults to TINA4_CACHE_TTL (60), 0 = no expiry. */
export async function cacheSet(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
  await (await kvCache()).set(key, value, ttlSeconds);
}

export async function cacheDelete(key: string): Promise<boolean> {
  return (await kvCache()).delete(key);
}

/** Clears the KV namespace only (response and DB query caches are untouched). */
export async function cacheClear(): Promise<void> {
  await (await kvCache()).clear();
}

export async function cacheStats(): Promise<CacheStats> {
  return (await kvCache()).stats();
}

/**
 * Returns the cached value for `key`, or runs `factory`, caches its result for
 * `ttlSeconds` (undefined → default TTL) and returns it. Concurrent misses in this process
 * run the factory once; its errors propagate and are not cached.
 */
export async function remember<T>(key: string, ttlSeconds: number | undefined, factory: () => T | Promise<T>): Promise<T> {
  return rememberIn(await kvCache(), key, ttlSeconds, factory);
}
