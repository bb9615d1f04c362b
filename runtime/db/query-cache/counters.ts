/**
 * Hits and misses of one query cache: `db.cacheStats()` reads them, and while metrics are on
 * each one is also reported to /__metrics (runtime/instruments.ts) by engine.
 */
import { metrics, metricsOn } from "../../instruments.js";

export class Counters {
  hits = 0;
  misses = 0;

  constructor(private readonly engine: string) {}

  /** A read answered by the cache (request scope or persistent layer). */
  hit(): void {
    this.hits++;
    if (metricsOn) metrics().queryCacheLookup(this.engine, true);
  }

  /** A read the database answered. */
  miss(): void {
    this.misses++;
    if (metricsOn) metrics().queryCacheLookup(this.engine, false);
  }
}
