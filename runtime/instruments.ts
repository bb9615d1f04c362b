/**
 * The seam between the layers that do the work (database, caches, job queues, real-time) and
 * the metrics that count it (runtime/ops/metrics.ts, loaded only with TINA4_METRICS=true).
 * Nothing here imports prom-client or runtime/ops, so those layers stay free of both.
 *
 * Events (a statement ran, a cache lookup hit) are reported only while `metricsOn` is true:
 * the one boolean check a layer pays per event when metrics are off. Levels (pool connections
 * in use, queue depth, open sockets) are never pushed: a layer registers a sampler and the
 * metrics module reads it when scraped, so a level costs work per scrape, not per event.
 */

/** What a statement does, from its first keyword: the only part of the SQL a metric carries. */
export type QueryOperation = "select" | "insert" | "update" | "delete" | "other";

/** Where the layers report events; ops/metrics.ts fills it in. */
export interface MetricsObserver {
  /** A statement the database driver ran (or failed): duration from send to answer. */
  query(engine: string, operation: QueryOperation, seconds: number, failed: boolean): void;
  /** One lookup in a cache namespace (KV, response cache, sessions, rate limits, dbcache...). */
  cacheLookup(namespace: string, backend: string, hit: boolean): void;
  /** One read through the DB query cache: answered by it (hit) or by the database (miss). */
  queryCacheLookup(engine: string, hit: boolean): void;
}

/** True once metrics are installed: layers check it before building anything to report. */
export let metricsOn = false;
let observer: MetricsObserver | null = null;

/** Turns event reporting on (called once by the metrics module). */
export function observeMetrics(next: MetricsObserver): void {
  observer = next;
  metricsOn = true;
}

/** The observer; call only after checking `metricsOn`. */
export function metrics(): MetricsObserver {
  return observer!;
}

// ---- levels, sampled at scrape time ------------------------------------------------------------

/** One connection pool's state right now. */
export interface PoolLevels {
  engine: string;
  /** Database name (network engines) or file name (SQLite). */
  database: string;
  /** Connections held by a caller or running a pipelined statement. */
  inUse: number;
  /** Callers waiting for a free connection. */
  waiting: number;
  /** Connections open (idle or in use). */
  open: number;
  /** The most the pool opens (TINA4_DB_POOL). */
  max: number;
}

/** Jobs of one queue per state, as the queue backend counts them (shared by every process). */
export interface QueueLevels {
  queue: string;
  counts: { waiting: number; active: number; delayed: number; completed: number; failed: number };
}

/** Real-time clients this process holds. */
export interface ConnectionLevels {
  websocket: number;
  sse: number;
}

const pools = new Set<() => PoolLevels>();
let queues: (() => Promise<QueueLevels[]>) | null = null;
let connections: (() => ConnectionLevels) | null = null;

/** Registers a pool's sampler; returns the function that removes it (call on close). */
export function samplePool(sample: () => PoolLevels): () => void {
  pools.add(sample);
  return () => pools.delete(sample);
}

/** The queue backend's sampler (null when the process closes its backend). */
export function sampleQueues(sample: (() => Promise<QueueLevels[]>) | null): void {
  queues = sample;
}

/** The real-time hub's sampler. */
export function sampleConnections(sample: () => ConnectionLevels): void {
  connections = sample;
}

export function poolLevels(): PoolLevels[] {
  return [...pools].map((sample) => sample());
}

/** Empty when this process has no queue backend open (it has not used a queue). */
export function queueLevels(): Promise<QueueLevels[]> {
  return queues === null ? Promise.resolve([]) : queues();
}

/** Null when the real-time layer is not loaded in this process. */
export function connectionLevels(): ConnectionLevels | null {
  return connections === null ? null : connections();
}
