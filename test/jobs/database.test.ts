/**
 * Database-backend guards that process tests cannot aim at precisely: a worker whose job was
 * released by the stalled-job sweep cannot record an outcome over the new holder's run, and
 * engines without SKIP LOCKED are refused with a clear message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseQueueBackend } from "../../runtime/jobs/backends/database.js";
import { readQueueConfig } from "../../runtime/jobs/config.js";
import { resolveOptions } from "../../runtime/jobs/options.js";
import { jobsSql } from "../../runtime/jobs/sql.js";
import { freshStore, storeAvailable, type TestStore } from "./support.js";

describe.each(["sqlite", "postgres", "mysql"] as const)("database queue on %s", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!storeAvailable(kind))("", () => {
    let store: TestStore;
    let a: DatabaseQueueBackend;
    let b: DatabaseQueueBackend;

    beforeAll(async () => {
      store = await freshStore(kind, "dbq");
      // two "processes": two backends with their own worker ids
      a = await DatabaseQueueBackend.open(readQueueConfig({ ...store.config, visibilityTimeoutMs: 1000 }));
      b = await DatabaseQueueBackend.open(readQueueConfig(store.config));
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      await store.cleanup();
    });

    it("a worker that lost its job to the stalled sweep cannot record its outcome over the new run", async () => {
      const [id] = await a.add("lost", [{ data: '{"n":1}', options: resolveOptions({ attempts: 3 }) }]);
      const [first] = await a.claim("lost", 1);
      expect(first?.id).toBe(id);
      // a's lock runs out (a froze: no heartbeat); the sweep gives the job back and b takes it
      expect(await b.sweepStalled("lost")).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await b.sweepStalled("lost")).toBe(1);
      const [second] = await b.claim("lost", 1);
      expect(second?.attemptsStarted).toBe(2);
      expect(await a.finish(first!, { ok: true, result: "stale" }, [])).toBe(false);
      expect((await b.getJob("lost", id!))?.state).toBe("active");
      expect(await b.finish(second!, { ok: true, result: "fresh" }, [])).toBe(true);
      expect(await b.getJob("lost", id!)).toMatchObject({ state: "completed", result: "fresh", attemptsMade: 2 });
      expect((await b.getJob("lost", id!))?.error).toMatch(/T4_ERR_QUEUE_STALLED: the worker running this job stopped responding/);
    });

    it("two claims at once never take the same job", async () => {
      await a.add("race", Array.from({ length: 200 }, (_, n) => ({ data: JSON.stringify({ n }), options: resolveOptions({}) })));
      const claimed: string[] = [];
      const grab = async (backend: DatabaseQueueBackend) => {
        for (;;) {
          const rows = await backend.claim("race", 7);
          if (rows.length === 0) return;
          claimed.push(...rows.map((r) => r.id));
        }
      };
      await Promise.all([grab(a), grab(b), grab(a), grab(b)]);
      expect(claimed).toHaveLength(200);
      expect(new Set(claimed).size).toBe(200);
    });
  });
});

describe("engines without SKIP LOCKED", () => {
  it("are refused with what to use instead", () => {
    expect(() => jobsSql("firebird")).toThrow(/runs on PostgreSQL, MySQL 8 \/ MariaDB 10.6\+ and SQLite, not firebird .*TINA4_QUEUE_BACKEND=redis/);
    expect(() => jobsSql("mssql")).toThrow(/not mssql/);
  });
});
