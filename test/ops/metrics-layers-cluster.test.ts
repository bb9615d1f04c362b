/**
 * /__metrics under `serve --production --workers 2`: the database statements made through both
 * workers add up to exactly the number made, the pools' sizes add up over the workers, and the
 * depth of a queue both workers use is the queue's own (the largest worker figure, not the sum).
 * Under dev `serve`: statements the app runs while it loads are counted, and a scrape does not
 * wait for the standby worker (which has not booted, so it never answers).
 */
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue } from "../../runtime/jobs/index.js";
import { get, makeApp, serve, type Served } from "../dev/support.js";
import { serviceUrl } from "../support/services.js";
import { countOf, sampleOf } from "./metrics-text.js";

const PG = serviceUrl("POSTGRES");
const REDIS = serviceUrl("REDIS");
const QUEUE = "metrics-cluster";
const prefix = `t4mc${process.pid}`;

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
  if (REDIS) {
    await configureQueue({ backend: "redis", url: REDIS, prefix });
    await queue(QUEUE).clear();
    await closeQueues();
  }
});

const files = {
  "src/db.ts": [
    'import { Database } from "tina4";',
    "let opened: Promise<Database> | undefined;",
    "export const database = () => (opened ??= Database.connect());",
    "",
  ].join("\n"),
  "src/routes/items/[id]/get.ts": [
    'import { database } from "../../../db";',
    "export default async (req: { params: { id: string } }) => {",
    "  const db = await database();",
    '  const row = await db.fetchOne("SELECT CAST(? AS int) AS id", [Number(req.params.id)]);',
    "  return { pid: process.pid, id: row?.id };",
    "};",
    "",
  ].join("\n"),
  "src/routes/enqueue/get.ts": [
    'import { queue } from "tina4";',
    `export default async () => ({ pid: process.pid, id: await queue("${QUEUE}").add({ at: Date.now() }) });`,
    "",
  ].join("\n"),
};

// Needs PostgreSQL and Redis: a local skip only (serviceUrl() throws under TINA4_TEST_SERVICES=required).
describe.skipIf(!PG || !REDIS)("serve --production --workers 2 with TINA4_METRICS=true: database and queue figures", () => {
  it("sums the statements over both workers exactly, adds the pools up and keeps the shared queue's depth", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"], {
      TINA4_METRICS: "true",
      TINA4_DRAIN_DELAY: "0",
      TINA4_DATABASE_URL: PG!,
      TINA4_DB_POOL: "3",
      TINA4_QUEUE_BACKEND: "redis",
      TINA4_QUEUE_URL: REDIS!,
      TINA4_QUEUE_PREFIX: prefix,
    });
    const N = 13;
    const K = 5;
    const itemPids = new Set<number>();
    for (let i = 0; i < N; i++) {
      const reply = await get(`${served.url}/items/${i}`, { headers: { connection: "close" } });
      expect(reply.status, reply.body).toBe(200);
      const body = JSON.parse(reply.body) as { pid: number; id: number };
      expect(body.id).toBe(i);
      itemPids.add(body.pid);
    }
    const queuePids = new Set<number>();
    for (let i = 0; i < K; i++) {
      const reply = await get(`${served.url}/enqueue`, { headers: { connection: "close" } });
      expect(reply.status, reply.body).toBe(200);
      queuePids.add((JSON.parse(reply.body) as { pid: number }).pid);
    }
    expect(itemPids.size).toBe(2);
    expect(queuePids.size).toBe(2);
    for (let scrape = 0; scrape < 2; scrape++) {
      const reply = await get(`${served.url}/__metrics`, { headers: { connection: "close" } });
      expect(reply.status).toBe(200);
      const text = reply.body;
      const select = { engine: "postgres", operation: "select" };
      expect(countOf(text, "db_queries_total", select)).toBe(N);
      expect(countOf(text, "db_query_duration_seconds_count", select)).toBe(N);
      expect(countOf(text, "db_query_errors_total", select)).toBe(0);
      const pool = { engine: "postgres", database: new URL(PG!).pathname.slice(1) };
      expect(sampleOf(text, "db_pool_connections_max", pool)).toBe(2 * 3);
      expect(sampleOf(text, "db_pool_connections_in_use", pool)).toBe(0);
      expect(sampleOf(text, "queue_jobs", { queue: QUEUE, state: "waiting" })).toBe(K);
      expect(countOf(text, "http_requests_total", { method: "GET", route: "/items/{id}", status: "200" })).toBe(N);
    }
  });
});

describe("dev serve with TINA4_METRICS=true", () => {
  it("counts the statements the app runs while loading, and answers without waiting for the standby worker", async () => {
    const dir = makeApp({
      "src/routes/products/[id]/get.ts": [
        'import { Database } from "tina4";',
        "const db = await Database.connect();",
        'await db.execute("CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name TEXT)");',
        "await db.execute(\"INSERT OR IGNORE INTO products (id, name) VALUES (1, 'Pen')\");",
        "export default (req: { params: { id: string } }) => db.fetchOne(\"SELECT * FROM products WHERE id = ?\", [Number(req.params.id)]);",
        "",
      ].join("\n"),
    });
    served = await serve(dir, [], { TINA4_METRICS: "true" });
    for (let i = 0; i < 3; i++) expect(JSON.parse((await get(`${served.url}/products/1`)).body)).toEqual({ id: 1, name: "Pen" });
    const timings: number[] = [];
    let text = "";
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const reply = await get(`${served.url}/__metrics`, { headers: { connection: "close" } });
      timings.push(performance.now() - started);
      expect(reply.status).toBe(200);
      text = reply.body;
    }
    expect(countOf(text, "db_queries_total", { engine: "sqlite", operation: "other" })).toBe(1);
    expect(countOf(text, "db_queries_total", { engine: "sqlite", operation: "insert" })).toBe(1);
    expect(countOf(text, "db_queries_total", { engine: "sqlite", operation: "select" })).toBe(3);
    // the primary gives a silent worker 1000 ms: a scrape that waited for the standby takes at least that
    expect(Math.min(...timings), `scrape times ${timings.map((t) => t.toFixed(0)).join(", ")} ms`).toBeLessThan(900);
  });
});
