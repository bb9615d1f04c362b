/**
 * The request context (runtime/context.ts): App enters one per request only after a layer
 * asked for them, each request gets its own, and the DB query cache keeps its request scope
 * there (two identical reads in one request run once; the next request starts empty).
 */
import { afterAll, describe, expect, it } from "vitest";
import { contextSlot, currentRequestContext, requestContextsWanted } from "../../runtime/context.js";
import { Database } from "../../runtime/db/index.js";
import { startApp } from "../support/http.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let made = 0;
const COUNTER = contextSlot("test counter", () => ({ id: ++made, hits: 0 }));

describe("request context", () => {
  const servers: Array<{ close(): Promise<unknown> }> = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it("costs nothing until a layer wants contexts, then every request gets its own", async () => {
    const server = await startApp((app) => {
      app.get("/ctx", async () => {
        const context = currentRequestContext();
        if (context === undefined) return { context: false };
        const first = context.get(COUNTER);
        first.hits++;
        await sleep(20); // concurrent requests overlap here
        const again = currentRequestContext()!.get(COUNTER);
        again.hits++;
        return { context: true, id: again.id, hits: again.hits, same: first === again };
      });
    });
    servers.push(server);
    expect(requestContextsWanted).toBe(false);
    expect(await (await fetch(`${server.url}/ctx`)).json()).toEqual({ context: false });

    // a Database with the request-scoped query cache (TINA4_AUTO_CACHING, opt-in) asks for contexts
    const db = await Database.connect("sqlite::memory:", { queryCache: { request: true } });
    try {
      expect(requestContextsWanted).toBe(true);
      const replies = await Promise.all([1, 2, 3].map(async () => (await fetch(`${server.url}/ctx`)).json() as Promise<{ id: number; hits: number; same: boolean }>));
      expect(replies.map((r) => r.hits)).toEqual([2, 2, 2]);
      expect(replies.every((r) => r.same)).toBe(true);
      expect(new Set(replies.map((r) => r.id)).size).toBe(3);
    } finally {
      await db.close();
    }
  });

  it("holds the DB query cache's request scope: identical reads in one request run once", async () => {
    const db = await Database.connect("sqlite::memory:", { queryCache: { request: true, persistent: false } });
    try {
      await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
      await db.insert("items", { id: 1, name: "one" });
      const server = await startApp((app) => {
        app.get("/twice", async () => {
          const a = await db.fetchOne("SELECT name FROM items WHERE id = ?", [1]);
          const b = await db.fetchOne("SELECT name FROM items WHERE id = ?", [1]);
          const { hits, misses } = await db.cacheStats();
          return { a, b, hits, misses };
        });
      });
      servers.push(server);
      const first = (await (await fetch(`${server.url}/twice`)).json()) as { hits: number; misses: number };
      expect(first).toMatchObject({ a: { name: "one" }, b: { name: "one" }, hits: 1, misses: 1 });
      // a new request has a new scope: its first read misses again
      const second = (await (await fetch(`${server.url}/twice`)).json()) as { hits: number; misses: number };
      expect(second).toMatchObject({ hits: 2, misses: 2 });
    } finally {
      await db.close();
    }
  });
});
