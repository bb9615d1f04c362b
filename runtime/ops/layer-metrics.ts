/**
 * The database, cache, queue and real-time figures of /__metrics (docs/operations.md lists each
 * with its labels and how a cluster sums it). Counters and the query histogram are fed by the
 * layers through runtime/instruments.ts as events happen, into plain numbers that become samples
 * when scraped (scraped-metric.ts); gauges read the layers' samplers when scraped, so a level
 * costs nothing between scrapes.
 *
 * Across cluster workers prom-client's AggregatorRegistry adds every metric up (the `sum`
 * aggregator) except the queue depth: every worker counts the same shared backend, so the
 * primary keeps the largest figure (`max`) instead of multiplying it by the worker count.
 */
import type { Gauge, Registry } from "prom-client";
import { warnEvery } from "../log.js";
import { withTimeout } from "../async/timeout.js";
import {
  connectionLevels, observeMetrics, poolLevels, queueLevels,
  type MetricsObserver, type PoolLevels,
} from "../instruments.js";
import { StatementMetrics } from "./statement-metrics.js";
import { EventCounter } from "./scraped-metric.js";

type Prom = typeof import("prom-client");

/** A scrape waits this long for the queue counts (the cluster primary waits 1 s per worker). */
const QUEUE_COUNT_TIMEOUT_MS = 500;

/** Registers the layer metrics in `registry` and starts receiving the layers' events. */
export function installLayerMetrics(prom: Prom, registry: Registry): void {
  // events, turned into samples when scraped
  const statements = new StatementMetrics(registry);
  const cacheHits = new EventCounter(registry, "cache_hits_total", "Cache lookups that found an entry", ["namespace", "backend"]);
  const cacheMisses = new EventCounter(registry, "cache_misses_total", "Cache lookups that found none", ["namespace", "backend"]);
  const queryCacheHits = new EventCounter(registry, "db_query_cache_hits_total", "Reads the DB query cache answered", ["engine"]);
  const queryCacheMisses = new EventCounter(registry, "db_query_cache_misses_total", "Cacheable reads the database answered", ["engine"]);
  // levels, sampled when scraped
  registerPoolGauges(prom, registry);
  registerQueueGauge(prom, registry);
  registerConnectionGauge(prom, registry);

  const observer: MetricsObserver = {
    query(engine, operation, seconds, failed) {
      statements.record(engine, operation, seconds, failed);
    },
    cacheLookup(namespace, backend, hit) {
      (hit ? cacheHits : cacheMisses).inc(namespace, backend);
    },
    queryCacheLookup(engine, hit) {
      (hit ? queryCacheHits : queryCacheMisses).inc(engine);
    },
  };
  observeMetrics(observer);
}

/** In use, open, max and waiting per engine and database (pools with the same labels add up). */
function registerPoolGauges(prom: Prom, registry: Registry): void {
  const poolGauge = (name: string, help: string, pick: (p: PoolLevels) => number): Gauge<"engine" | "database"> =>
    new prom.Gauge({
      name,
      help,
      labelNames: ["engine", "database"],
      registers: [registry],
      collect() {
        this.reset();
        const sums = new Map<string, { engine: string; database: string; value: number }>();
        for (const pool of poolLevels()) {
          const key = `${pool.engine}\u0000${pool.database}`;
          const sum = sums.get(key) ?? { engine: pool.engine, database: pool.database, value: 0 };
          sum.value += pick(pool);
          sums.set(key, sum);
        }
        for (const { engine, database, value } of sums.values()) this.set({ engine, database }, value);
      },
    });
  poolGauge("db_pool_connections_in_use", "Pooled connections held by a caller or running a statement", (p) => p.inUse);
  poolGauge("db_pool_connections_open", "Pooled connections open (idle or in use)", (p) => p.open);
  poolGauge("db_pool_connections_max", "The most connections the pools may open (TINA4_DB_POOL)", (p) => p.max);
  poolGauge("db_pool_waiting", "Callers waiting for a free pooled connection", (p) => p.waiting);
}

/** Jobs per queue and state: a shared backend's figure, so the cluster keeps the largest (max). */
function registerQueueGauge(prom: Prom, registry: Registry): void {
  new prom.Gauge({
    name: "queue_jobs",
    help: "Jobs in a queue by state, as its backend counts them",
    labelNames: ["queue", "state"],
    aggregator: "max",
    registers: [registry],
    async collect() {
      this.reset();
      let levels;
      try {
        levels = await withTimeout(queueLevels(), QUEUE_COUNT_TIMEOUT_MS, () => new Error(`no answer within ${QUEUE_COUNT_TIMEOUT_MS} ms`));
      } catch (error) {
        warnEvery("metrics:queue", `/__metrics: queue depth left out of this scrape: ${(error as Error).message}`);
        return;
      }
      for (const { queue, counts } of levels) {
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      }
    },
  });
}

/** Open WebSockets and SSE streams of this process. */
function registerConnectionGauge(prom: Prom, registry: Registry): void {
  new prom.Gauge({
    name: "realtime_connections",
    help: "Open WebSocket connections and SSE streams",
    labelNames: ["transport"],
    registers: [registry],
    collect() {
      this.reset();
      const levels = connectionLevels();
      if (levels === null) return; // the real-time layer is not loaded in this process
      this.set({ transport: "websocket" }, levels.websocket);
      this.set({ transport: "sse" }, levels.sse);
    },
  });
}
