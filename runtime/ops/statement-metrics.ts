/**
 * `db_queries_total`, `db_query_errors_total` and `db_query_duration_seconds` without a
 * prom-client call per statement (scraped-metric.ts): a statement adds to one record per engine
 * and operation, its bucket found by a short scan; samples are made when scraped.
 */
import type { Registry } from "prom-client";
import type { QueryOperation } from "../instruments.js";
import { registerScraped, type Sample } from "./scraped-metric.js";

/** Upper bounds in seconds: 0.5 ms … 5 s. */
export const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

interface StatementRecord {
  labels: { engine: string; operation: QueryOperation };
  count: number;
  errors: number;
  sum: number;
  /** Statements per bucket (not cumulative); the last slot is above the largest bound. */
  perBucket: number[];
}

export class StatementMetrics {
  private readonly records = new Map<string, StatementRecord>();

  /** Adds one statement. */
  record(engine: string, operation: QueryOperation, seconds: number, failed: boolean): void {
    const key = `${engine}\u0000${operation}`;
    let r = this.records.get(key);
    if (r === undefined) {
      r = { labels: { engine, operation }, count: 0, errors: 0, sum: 0, perBucket: new Array<number>(QUERY_BUCKETS.length + 1).fill(0) };
      this.records.set(key, r);
    }
    r.count++;
    if (failed) r.errors++;
    r.sum += seconds;
    let i = 0;
    while (i < QUERY_BUCKETS.length && seconds > QUERY_BUCKETS[i]!) i++;
    r.perBucket[i]!++;
  }

  /** Registers the three metrics in `registry` (reading this object's records when scraped). */
  register(registry: Registry): void {
    const records = () => [...this.records.values()];
    const reset = () => this.records.clear();
    registerScraped(registry, "db_queries_total", "Statements the database drivers ran", "counter", () => records().map((r) => ({ value: r.count, labels: { ...r.labels } })), reset);
    registerScraped(registry, "db_query_errors_total", "Statements that failed", "counter", () =>
      records().filter((r) => r.errors > 0).map((r) => ({ value: r.errors, labels: { ...r.labels } })), reset);
    registerScraped(registry, "db_query_duration_seconds", "Time from sending a statement to its answer (pool waits excluded)", "histogram", () => records().flatMap(histogramSamples), reset);
  }
}

/** The samples prom-client writes for one histogram series: cumulative buckets, +Inf, sum, count. */
function histogramSamples(r: StatementRecord): Sample[] {
  const name = "db_query_duration_seconds";
  const out: Sample[] = [];
  let cumulative = 0;
  QUERY_BUCKETS.forEach((le, i) => {
    cumulative += r.perBucket[i]!;
    out.push({ value: cumulative, labels: { le, ...r.labels }, metricName: `${name}_bucket` });
  });
  out.push({ value: r.count, labels: { le: "+Inf", ...r.labels }, metricName: `${name}_bucket` });
  out.push({ value: r.sum, labels: { ...r.labels }, metricName: `${name}_sum` });
  out.push({ value: r.count, labels: { ...r.labels }, metricName: `${name}_count` });
  return out;
}
