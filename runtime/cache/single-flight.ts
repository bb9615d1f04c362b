/**
 * Get-or-compute with single-flight: while one caller computes a missing key, every other
 * caller for that key in this process waits for the same promise, so the factory runs once
 * (no stampede). A factory error reaches every waiter and nothing is cached. `undefined`
 * (which JSON cannot hold) is returned but not cached.
 */
import { validateTtl, type CacheBackend } from "./backend.js";
import { SingleFlight } from "../async/single-flight.js";

const flights = new WeakMap<CacheBackend, SingleFlight<string, unknown>>();

export async function rememberIn<T>(cache: CacheBackend, key: string, ttlSeconds: number | undefined, factory: () => T | Promise<T>): Promise<T> {
  if (ttlSeconds !== undefined) validateTtl(ttlSeconds);
  let flight = flights.get(cache);
  if (!flight) {
    flight = new SingleFlight();
    flights.set(cache, flight);
  }
  const joined = flight.joinable(key);
  if (joined) return joined as Promise<T>;
  const landedBefore = flight.landed;
  const found = await cache.get<T>(key);
  if (found.hit) return found.value;
  // A flight that landed while we looked may have stored the value: only then look again, so
  // one remember() miss is one lookup miss in the cache's stats and metrics, not two.
  const recheck = flight.landed !== landedBefore;
  return flight.run(key, () => compute(cache, key, ttlSeconds, factory, recheck)) as Promise<T>;
}

async function compute<T>(cache: CacheBackend, key: string, ttlSeconds: number | undefined, factory: () => T | Promise<T>, recheck: boolean): Promise<T> {
  if (recheck) {
    const again = await cache.get<T>(key);
    if (again.hit) return again.value;
  }
  const value = await factory();
  if (value !== undefined) await cache.set(key, value, ttlSeconds);
  return value;
}
