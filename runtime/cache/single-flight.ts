/**
 * Get-or-compute with single-flight: while one caller computes a missing key, every other
 * caller for that key in this process waits for the same promise, so the factory runs once
 * (no stampede). A factory error reaches every waiter and nothing is cached. `undefined`
 * (which JSON cannot hold) is returned but not cached.
 */
import { validateTtl, type CacheBackend } from "./backend.js";

const flights = new WeakMap<CacheBackend, Map<string, Promise<unknown>>>();

export async function rememberIn<T>(cache: CacheBackend, key: string, ttlSeconds: number | undefined, factory: () => T | Promise<T>): Promise<T> {
  if (ttlSeconds !== undefined) validateTtl(ttlSeconds);
  let pending = flights.get(cache);
  if (!pending) {
    pending = new Map();
    flights.set(cache, pending);
  }
  const joined = pending.get(key);
  if (joined) return joined as Promise<T>;
  const found = await cache.get<T>(key);
  if (found.hit) return found.value;
  const racing = pending.get(key);
  if (racing) return racing as Promise<T>;
  const flight = compute(cache, pending, key, ttlSeconds, factory);
  pending.set(key, flight);
  return flight;
}

async function compute<T>(cache: CacheBackend, pending: Map<string, Promise<unknown>>, key: string, ttlSeconds: number | undefined, factory: () => T | Promise<T>): Promise<T> {
  try {
    // a flight that finished between our miss and now has stored the value: re-check once
    const again = await cache.get<T>(key);
    if (again.hit) return again.value;
    const value = await factory();
    if (value !== undefined) await cache.set(key, value, ttlSeconds);
    return value;
  } finally {
    pending.delete(key);
  }
}
