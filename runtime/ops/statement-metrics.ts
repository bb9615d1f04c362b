/**
 * `db_queries_total`, `db_query_errors_total` and `db_query_duration_seconds`, counted in plain
 * numbers per engine and operation and turned into samples when scraped (scraped-metric.ts).
 */
import type { Registry } from "prom-client";
import type { QueryOperation } from "../instruments.js";
import { EventCounter, EventHistogram } from "./scraped-metric.js";

/** Upper bounds in seconds: 0.5 ms … 5 s. */
export const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

export class StatementMetrics {
  private readonly count: EventCounter;
  private readonly errors: EventCounter;
  private readonly duration: EventHistogram;

  constructor(registry: Registry) {
    const labels = ["engine", "operation"] as const;
    this.count = new EventCounter(registry, "db_queries_total", "Statements the database drivers ran", labels);
    this.errors = new EventCounter(registry, "db_query_errors_total", "Statements that failed", labels);
    this.duration = new EventHistogram(registry, "db_query_duration_seconds", "Time from sending a statement to its answer (pool waits excluded)", labels, QUERY_BUCKETS);
  }

  /** Adds one statement. */
  record(engine: string, operation: QueryOperation, seconds: number, failed: boolean): void {
    this.count.inc(engine, operation);
    if (failed) this.errors.inc(engine, operation);
    this.duration.observe(seconds, engine, operation);
  }
}
