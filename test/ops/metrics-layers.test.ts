/**
 * /__metrics beyond HTTP: after a known number of operations against real servers (PostgreSQL,
 * Redis for the cache and the BullMQ queue, real WebSocket and SSE clients) the scraped text
 * reports exactly those numbers. Counters are compared as differences, since every test of this
 * file shares the process's registry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/database.js";
import { runInRequestScope } from "../../runtime/db/query-cache/index.js";
import { createCache } from "../../runtime/cache/factory.js";
import { responseCache } from "../../runtime/middleware/response-cache.js";
import { closeQueues, configureQueue, queue } from "../../runtime/jobs/index.js";
import { httpMetrics, installMetrics } from "../../runtime/ops/metrics.js";
import { statementKind } from "../../runtime/db/query-metrics.js";
import { QUERY_BUCKETS, StatementMetrics } from "../../runtime/ops/statement-metrics.js";
import { EventCounter, EventHistogram } from "../../runtime/ops/scraped-metric.js";
import { serviceUrl } from "../support/services.js";
import { startApp } from "../support/http.js";
import { connect } from "../realtime/support.js";
import { countOf, sampleOf } from "./metrics-text.js";

const PG = serviceUrl("POSTGRES");
const REDIS = serviceUrl("REDIS");

let server: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  server = await startApp((app) => {
    installMetrics(app, { token: "" });
    app.websocket("/live", { message: () => undefined });
    app.get("/events", (_req, res) => {
      res.sse();
    });
  });
});
afterAll(() => server?.close());

async function scrape(): Promise<string> {
  const reply = await fetch(`http://127.0.0.1:${server.port}/__metrics`);
  expect(reply.status).toBe(200);
  return reply.text();
}

describe("statement kinds (the only part of the SQL a metric carries)", () => {
  it("reads the first keyword; everything else is other", () => {
    expect(statementKind("SELECT 1")).toBe("select");
    expect(statementKind("  (select a from t) union (select b from u)")).toBe("select");
    expect(statementKind("insert INTO t VALUES ($1)")).toBe("insert");
    expect(statementKind("\n\tUPDATE t SET a = 1")).toBe("update");
    expect(statementKind("DELETE FROM t WHERE id = ?")).toBe("delete");
    expect(statementKind("WITH x AS (SELECT 1) SELECT * FROM x")).toBe("other");
    expect(statementKind("CREATE TABLE selected (id int)")).toBe("other");
    expect(statementKind("selection")).toBe("other");
  });
});

describe("statement records (plain numbers turned into samples at scrape time)", () => {
  it("write exactly what a prom-client counter and histogram with the same observations write", async () => {
    const prom = await import("prom-client");
    const observations: Array<[string, "select" | "insert", number, boolean]> = [
      ["postgres", "select", 0.0001, false], ["postgres", "select", 0.0005, false], ["postgres", "select", 0.003, true],
      ["postgres", "insert", 7, false], ["sqlite", "select", 0.25, false], ["postgres", "select", 0.0025, false],
    ];
    const ours = new prom.Registry();
    const stats = new StatementMetrics(ours);
    const theirs = new prom.Registry();
    const labelNames = ["engine", "operation"] as const;
    const count = new prom.Counter({ name: "db_queries_total", help: "Statements the database drivers ran", labelNames, registers: [theirs] });
    const errors = new prom.Counter({ name: "db_query_errors_total", help: "Statements that failed", labelNames, registers: [theirs] });
    const duration = new prom.Histogram({ name: "db_query_duration_seconds", help: "Time from sending a statement to its answer (pool waits excluded)", labelNames, buckets: [...QUERY_BUCKETS], registers: [theirs] });
    for (const [engine, operation, seconds, failed] of observations) {
      stats.record(engine, operation, seconds, failed);
      count.inc({ engine, operation });
      if (failed) errors.inc({ engine, operation });
      duration.observe({ engine, operation }, seconds);
    }
    const sorted = (text: string) => text.split("\n").filter(Boolean).sort();
    expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
    const summed = async (registry: typeof ours) =>
      sorted(await prom.AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), await registry.getMetricsAsJSON()] as Parameters<typeof prom.AggregatorRegistry.aggregate>[0]).metrics());
    expect(await summed(ours)).toEqual(await summed(theirs));
    ours.resetMetrics();
    expect(sampleOf(await ours.metrics(), "db_queries_total", { engine: "postgres", operation: "select" })).toBeUndefined();
  });
});

describe("HTTP figures in plain numbers", () => {
  it("write what prom-client's Counter and Histogram write for the same requests", async () => {
    const prom = await import("prom-client");
    const ours = new prom.Registry();
    const theirs = new prom.Registry();
    const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    const requests = new EventCounter(ours, "http_requests_total", "h", ["method", "route", "status"]);
    const duration = new EventHistogram(ours, "http_request_duration_seconds", "h", ["method", "route"], buckets);
    const promRequests = new prom.Counter({ name: "http_requests_total", help: "h", labelNames: ["method", "route", "status"], registers: [theirs] });
    const promDuration = new prom.Histogram({ name: "http_request_duration_seconds", help: "h", labelNames: ["method", "route"], buckets, registers: [theirs] });
    const seen: Array<[string, string, string, number]> = [["GET", "/items/{id}", "200", 0.0004], ["GET", "/items/{id}", "404", 0.001], ["POST", "unmatched", "404", 12], ["GET", "/items/{id}", "200", 0.3]];
    for (const [method, route, status, seconds] of seen) {
      requests.inc(method, route, status);
      duration.observe(seconds, method, route);
      promRequests.inc({ method, route, status });
      promDuration.observe({ method, route }, seconds);
    }
    const sorted = (text: string) => text.split("\n").filter(Boolean).sort();
    expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
  });
});

describe.skipIf(!PG)("database figures (PostgreSQL)", () => {
  const table = `t4_metrics_${process.pid}`;

  it("counts statements by engine and operation, with their durations and failures; never the SQL text", async () => {
    const db = await Database.connect(PG!, { pool: 2, queryCache: { request: false, persistent: false } });
    try {
      await db.execute(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, name text)`);
      const before = await scrape();
      const count = (text: string, operation: string) => countOf(text, "db_queries_total", { engine: "postgres", operation });
      for (let i = 1; i <= 3; i++) await db.execute(`INSERT INTO ${table} (id, name) VALUES (?, ?)`, [i, `secret-value-${i}`]);
      await db.execute(`UPDATE ${table} SET name = ? WHERE id = ?`, ["x", 1]);
      await db.execute(`UPDATE ${table} SET name = ? WHERE id = ?`, ["y", 2]);
      await db.execute(`DELETE FROM ${table} WHERE id = ?`, [3]);
      for (let i = 0; i < 4; i++) await db.fetch(`SELECT * FROM ${table} WHERE id = ?`, [1]);
      await db.fetchOne(`SELECT name FROM ${table} WHERE id = ?`, [2]);
      await expect(db.fetch("SELECT * FROM t4_no_such_table_for_metrics")).rejects.toThrow();
      const after = await scrape();
      expect(count(after, "insert") - count(before, "insert")).toBe(3);
      expect(count(after, "update") - count(before, "update")).toBe(2);
      expect(count(after, "delete") - count(before, "delete")).toBe(1);
      expect(count(after, "select") - count(before, "select")).toBe(6);
      expect(count(after, "other") - count(before, "other")).toBe(0);
      const errors = (text: string) => countOf(text, "db_query_errors_total", { engine: "postgres", operation: "select" });
      expect(errors(after) - errors(before)).toBe(1);
      const observed = (text: string) => countOf(text, "db_query_duration_seconds_count", { engine: "postgres", operation: "select" });
      expect(observed(after) - observed(before)).toBe(6);
      expect(sampleOf(after, "db_query_duration_seconds_bucket", { engine: "postgres", operation: "select", le: "+Inf" })).toBe(observed(after));
      expect(after).not.toContain(table);
      expect(after).not.toContain("secret-value");
    } finally {
      await db.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await db.close();
    }
  });

  it("reports the pool's connections in use, waiting callers, open and max at scrape time; a closed pool disappears", async () => {
    const db = await Database.connect(PG!, { pool: 2, acquireTimeoutMs: 10_000, queryCache: { request: false, persistent: false } });
    const labels = { engine: "postgres", database: new URL(PG!).pathname.slice(1) };
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    try {
      const idle = await scrape();
      expect(sampleOf(idle, "db_pool_connections_in_use", labels)).toBe(0);
      expect(sampleOf(idle, "db_pool_connections_max", labels)).toBe(2);
      expect(sampleOf(idle, "db_pool_waiting", labels)).toBe(0);
      // three transactions on a pool of two: two hold a connection, the third waits for one
      const held = [0, 1, 2].map(() => db.transaction(() => gate));
      await waitFor(async () => sampleOf(await scrape(), "db_pool_waiting", labels) === 1);
      const busy = await scrape();
      expect(sampleOf(busy, "db_pool_connections_in_use", labels)).toBe(2);
      expect(sampleOf(busy, "db_pool_connections_open", labels)).toBe(2);
      open();
      await Promise.all(held);
      const done = await scrape();
      expect(sampleOf(done, "db_pool_connections_in_use", labels)).toBe(0);
      expect(sampleOf(done, "db_pool_waiting", labels)).toBe(0);
    } finally {
      open();
      await db.close();
    }
    expect(sampleOf(await scrape(), "db_pool_connections_max", labels)).toBeUndefined();
  });

  it("reports a database-backed queue's depth, counted by its table at scrape time", async () => {
    const table = `t4_metrics_jobs_${process.pid}`;
    await configureQueue({ backend: "database", url: PG!, table });
    const name = "metrics-db-depth";
    try {
      const q = queue(name);
      await q.add({ n: 1 });
      await q.add({ n: 2 });
      await q.add({ n: 3 }, { delay: 60_000 });
      const text = await scrape();
      expect(sampleOf(text, "queue_jobs", { queue: name, state: "waiting" })).toBe(2);
      expect(sampleOf(text, "queue_jobs", { queue: name, state: "delayed" })).toBe(1);
    } finally {
      const db = await Database.connect(PG!);
      await db.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await db.close();
      await closeQueues();
    }
  });

  it("counts the query cache's hits and misses (the database sees only the misses)", async () => {
    const db = await Database.connect(PG!, { queryCache: { request: true, persistent: false } });
    try {
      const before = await scrape();
      await runInRequestScope(async () => {
        for (let i = 0; i < 3; i++) await db.fetch("SELECT 41 + 1 AS answer");
        await db.fetch("SELECT 41 + 2 AS answer");
      });
      const after = await scrape();
      const diff = (name: string) => countOf(after, name, { engine: "postgres" }) - countOf(before, name, { engine: "postgres" });
      expect(diff("db_query_cache_hits_total")).toBe(2);
      expect(diff("db_query_cache_misses_total")).toBe(2);
      const selects = (text: string) => countOf(text, "db_queries_total", { engine: "postgres", operation: "select" });
      expect(selects(after) - selects(before)).toBe(2);
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!REDIS)("cache and queue figures (Redis)", () => {
  it("counts hits and misses by namespace and backend", async () => {
    const cache = await createCache({ backend: "redis", url: REDIS!, namespace: "metricstest", prefix: `t4m${process.pid}` });
    try {
      await cache.clear();
      const before = await scrape();
      await cache.set("present", { n: 1 });
      for (let i = 0; i < 3; i++) expect((await cache.get("present")).hit).toBe(true);
      for (let i = 0; i < 2; i++) expect((await cache.get(`absent-${i}`)).hit).toBe(false);
      const after = await scrape();
      const labels = { namespace: "metricstest", backend: "redis" };
      expect(countOf(after, "cache_hits_total", labels) - countOf(before, "cache_hits_total", labels)).toBe(3);
      expect(countOf(after, "cache_misses_total", labels) - countOf(before, "cache_misses_total", labels)).toBe(2);
    } finally {
      await cache.clear();
      await cache.close();
    }
  });

  it("counts one response-cache lookup per request (the path's generation key is bookkeeping, not a lookup)", async () => {
    const cached = await startApp((app) => {
      app.get("/priced/{id}", (req) => ({ id: req.params.id }), [responseCache({ backend: "redis", cacheUrl: REDIS!, ttl: 30 })]);
    });
    try {
      const path = `/priced/${process.pid}-${Date.now()}`;
      const before = await scrape();
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) seen.push((await fetch(`http://127.0.0.1:${cached.port}${path}`)).headers.get("x-cache") ?? "");
      expect(seen).toEqual(["MISS", "HIT", "HIT"]);
      const after = await scrape();
      const labels = { namespace: "response", backend: "redis" };
      expect(countOf(after, "cache_hits_total", labels) - countOf(before, "cache_hits_total", labels)).toBe(2);
      expect(countOf(after, "cache_misses_total", labels) - countOf(before, "cache_misses_total", labels)).toBe(1);
    } finally {
      await cached.close();
    }
  });

  it("reports each used queue's depth by state from the backend (BullMQ)", async () => {
    await configureQueue({ backend: "redis", url: REDIS!, prefix: `t4m${process.pid}` });
    const name = "metrics-depth";
    try {
      const q = queue(name);
      await q.clear();
      for (let i = 0; i < 3; i++) await q.add({ i });
      await q.add({ later: true }, { delay: 60_000 });
      const text = await scrape();
      expect(sampleOf(text, "queue_jobs", { queue: name, state: "waiting" })).toBe(3);
      expect(sampleOf(text, "queue_jobs", { queue: name, state: "delayed" })).toBe(1);
      expect(sampleOf(text, "queue_jobs", { queue: name, state: "active" })).toBe(0);
      await q.clear();
      expect(sampleOf(await scrape(), "queue_jobs", { queue: name, state: "waiting" })).toBe(0);
    } finally {
      await closeQueues();
    }
    // the backend is closed: nothing is counted (a scrape never opens a connection)
    expect(sampleOf(await scrape(), "queue_jobs", { queue: name, state: "waiting" })).toBeUndefined();
  });
});

describe("real-time connections", () => {
  it("reports open WebSockets and SSE streams, and drops them as they close", async () => {
    const ws = (text: string) => sampleOf(text, "realtime_connections", { transport: "websocket" });
    const sse = (text: string) => sampleOf(text, "realtime_connections", { transport: "sse" });
    const base = `ws://127.0.0.1:${server.port}/live`;
    const sockets = [await connect(base), await connect(base)];
    const abort = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${server.port}/events`, { signal: abort.signal });
    expect(stream.status).toBe(200);
    try {
      const text = await scrape();
      expect(ws(text)).toBe(2);
      expect(sse(text)).toBe(1);
      sockets[0]!.ws.close();
      await sockets[0]!.closed;
      abort.abort();
      await waitFor(async () => ws(await scrape()) === 1 && sse(await scrape()) === 0);
    } finally {
      abort.abort();
      for (const socket of sockets) socket.ws.close();
    }
  });
});

describe("aggregation across workers (what the cluster primary does with each worker's figures)", () => {
  it("adds levels and counters up, but keeps the largest queue depth instead of multiplying it", async () => {
    const prom = await import("prom-client");
    const { registry } = httpMetrics();
    // two workers that see the same thing: a socket each, and the same shared queue
    const socket = await connect(`ws://127.0.0.1:${server.port}/live`);
    try {
      const worker = await registry.getMetricsAsJSON();
      const one = await registry.metrics();
      const summed = await prom.AggregatorRegistry.aggregate([worker, worker] as Parameters<typeof prom.AggregatorRegistry.aggregate>[0]).metrics();
      expect(sampleOf(summed, "realtime_connections", { transport: "websocket" })).toBe(2 * sampleOf(one, "realtime_connections", { transport: "websocket" })!);
      const kinds = (worker as Array<{ name: string; aggregator: string }>).map((m) => [m.name, m.aggregator]);
      expect(Object.fromEntries(kinds)).toMatchObject({
        queue_jobs: "max",
        realtime_connections: "sum",
        db_pool_connections_in_use: "sum",
        db_pool_waiting: "sum",
        db_queries_total: "sum",
        db_query_duration_seconds: "sum",
        cache_hits_total: "sum",
      });
    } finally {
      socket.ws.close();
    }
  });
});

async function waitFor(ok: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
