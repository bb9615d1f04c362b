/**
 * PostgreSQL pipelining: autocommit statements from concurrent callers share pooled
 * connections (pg pipeline mode, one Sync per statement) instead of each waiting for a free
 * connection; transactions still hold their connection alone.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database, DatabaseError } from "../../runtime/db/index.js";
import { serviceUrl } from "../support/services.js";
import { uniqueName } from "./helpers.js";

const url = serviceUrl("POSTGRES");

/** A TCP relay to PostgreSQL that counts the chunks clients send (one chunk ≈ one write). */
function countingRelay(target: URL): { server: Server; chunks: () => number; reset(): void; url(): string } {
  let chunks = 0;
  const server = createServer((client: Socket) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    client.on("data", (data) => {
      chunks++;
      upstream.write(data);
    });
    upstream.on("data", (data) => client.write(data));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return {
    server,
    chunks: () => chunks,
    reset: () => (chunks = 0),
    url: () => {
      const u = new URL(target.toString());
      u.port = String((server.address() as AddressInfo).port);
      return u.toString();
    },
  };
}

describe.skipIf(url === undefined)("postgres: pipelined autocommit statements", () => {
  let db: Database;
  const table = uniqueName("pipe");

  beforeAll(async () => {
    db = await Database.connect(url!, { pool: 1, queryCache: { request: false } });
    await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, note VARCHAR(50))`);
  });

  afterAll(async () => {
    await db?.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db?.close();
  });

  it("many concurrent statements on one pooled connection all get their own answer", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => i);
    const rows = await Promise.all(ids.map((i) => db.fetchOne<{ n: number }>("SELECT ?::int * 2 AS n", [i])));
    expect(rows.map((r) => r?.n)).toEqual(ids.map((i) => i * 2));
  });

  it("a failing statement in the pipeline fails alone (each statement is its own transaction)", async () => {
    await db.insert(table, { id: 1, note: "first" });
    const results = await Promise.allSettled([
      db.fetchOne("SELECT 1 AS ok"),
      db.insert(table, { id: 1, note: "duplicate" }), // unique violation
      db.fetchOne("SELECT no_such_column FROM " + table),
      db.insert(table, { id: 2, note: "second" }),
      db.fetchOne("SELECT 2 AS ok"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseError);
    expect(((results[1] as PromiseRejectedResult).reason as DatabaseError).code).toBe("T4_ERR_DB_CONSTRAINT");
    expect(((results[2] as PromiseRejectedResult).reason as DatabaseError).code).toBe("T4_ERR_DB_QUERY");
    const notes = await db.fetch(`SELECT note FROM ${table} ORDER BY id`);
    expect(notes.records.map((r) => r.note)).toEqual(["first", "second"]);
  });

  it("a transaction holds its connection alone: outside statements never join it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const ready = new Promise<void>((resolve) => (inserted = resolve));
    const tx = db.transaction(async () => {
      await db.insert(table, { id: 10, note: "uncommitted" });
      inserted();
      await gate;
    });
    await ready;
    // pool of one: the outside read must wait for the connection, not run inside the transaction
    let outside: number | null = null;
    const read = db.fetchOne<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table} WHERE id = 10`).then((r) => (outside = r!.n));
    await new Promise((r) => setTimeout(r, 200));
    expect(outside).toBeNull();
    release();
    await tx;
    await read;
    expect(outside).toBe(1); // ran after the commit, on its own
  });

  it("statements issued together are sent together, not each after the previous answer", async () => {
    const relay = countingRelay(new URL(url!));
    await new Promise<void>((resolve) => relay.server.listen(0, "127.0.0.1", resolve));
    const viaRelay = await Database.connect(relay.url(), { pool: 1, queryCache: { request: false } });
    try {
      await viaRelay.fetchOne("SELECT ?::int AS n", [0]); // the statement is prepared once per connection
      relay.reset();
      const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => viaRelay.fetchOne<{ n: number }>("SELECT ?::int AS n", [i])));
      expect(rows.map((r) => r?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      // without pipelining: 20 round trips, so 20 separate chunks; pipelined: they arrive together
      expect(relay.chunks()).toBeLessThanOrEqual(2);
    } finally {
      await viaRelay.close();
      await new Promise<void>((resolve) => relay.server.close(() => resolve()));
    }
  });

  it("a dropped shared connection is replaced: the next statements succeed", async () => {
    const own = await Database.connect(url!, { pool: 2, queryCache: { request: false } });
    try {
      const pids = await Promise.all(Array.from({ length: 10 }, () => own.fetchOne<{ pid: number }>("SELECT pg_backend_pid() AS pid")));
      const admin = await Database.connect(url!, { pool: 1, queryCache: { request: false } });
      try {
        for (const pid of new Set(pids.map((p) => p!.pid))) await admin.fetchOne("SELECT pg_terminate_backend(?) AS ok", [pid]);
      } finally {
        await admin.close();
      }
      await new Promise((r) => setTimeout(r, 100));
      // statements already on a terminated connection may fail; later ones must not
      await Promise.allSettled(Array.from({ length: 5 }, () => own.fetchOne("SELECT 1 AS ok")));
      const after = await Promise.all(Array.from({ length: 10 }, () => own.fetchOne<{ ok: number }>("SELECT 1 AS ok")));
      expect(after.every((r) => r?.ok === 1)).toBe(true);
    } finally {
      await own.close();
    }
  });
});
