/**
 * The database queue after its table was dropped under a running app (`tina4 migrate:fresh`
 * while `tina4 serve` or `tina4 worker` runs drops tina4_job): adding a job creates the table
 * again, and a running worker's maintenance does too, so its claims work again — instead of
 * every queue("x").add() answering 500 until a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { DatabaseQueueBackend } from "../../runtime/jobs/backends/database.js";
import { readQueueConfig } from "../../runtime/jobs/config.js";
import { resolveOptions } from "../../runtime/jobs/options.js";
import { freshStore, storeAvailable, waitFor, type TestStore } from "./support.js";

describe.each(["sqlite", "postgres", "mysql"] as const)("database queue on %s, its table dropped while it runs", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!storeAvailable(kind))("", () => {
    let store: TestStore;
    let backend: DatabaseQueueBackend;
    let db: Database;

    beforeAll(async () => {
      store = await freshStore(kind, "qdrop");
      backend = await DatabaseQueueBackend.open(readQueueConfig({ ...store.config, visibilityTimeoutMs: 1000 }));
      db = await Database.connect(store.config.url!);
    });
    afterAll(async () => {
      await backend.close();
      await db.close();
      await store.cleanup();
    });

    it("add() creates the table again and stores the job", async () => {
      await backend.add("mail", [{ data: '{"n":1}', options: resolveOptions({}) }]);
      await db.execute("DROP TABLE tina4_job");
      const [id] = await backend.add("mail", [{ data: '{"n":2}', options: resolveOptions({}) }]);
      expect(await db.tableExists("tina4_job")).toBe(true);
      expect(await backend.getJob("mail", id!)).toMatchObject({ state: "waiting", data: { n: 2 } });
    });

    it("a running worker's maintenance creates it again, and the worker then runs new jobs", async () => {
      const done: unknown[] = [];
      const worker = await backend.work("work", async (job) => void done.push(job.data), { concurrency: 1 });
      try {
        await db.execute("DROP TABLE tina4_job");
        await waitFor("the worker to create tina4_job again", () => db.tableExists("tina4_job"), 10_000);
        // a job another process adds (straight into the table) is run by this worker
        const other = await DatabaseQueueBackend.open(readQueueConfig(store.config));
        try {
          await other.add("work", [{ data: '{"n":3}', options: resolveOptions({}) }]);
        } finally {
          await other.close();
        }
        await waitFor("the job to run", () => done.length === 1, 10_000);
        expect(done).toEqual([{ n: 3 }]);
      } finally {
        await worker.stop(0);
      }
    });
  });
});
