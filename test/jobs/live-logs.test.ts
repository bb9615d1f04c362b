/**
 * A job's `job.log()` lines are with the job while it runs, on every backend: `getJob()` shows
 * them before the job ends (the database backend writes them at most every 250 ms, BullMQ at
 * once), the latest 1000 mid-run as at the end; a job given back by a stopping worker keeps the
 * lines its run logged; and a `tina4 worker` killed with SIGKILL mid-job leaves the lines
 * logged so far, to which the retry adds its own.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue, queueBackend } from "../../runtime/jobs/index.js";
import { processorFrom } from "../../runtime/jobs/processors.js";
import { JobRunner } from "../../runtime/jobs/runner.js";
import type { Job } from "../../runtime/jobs/types.js";
import { appWithJobs, freshStore, killAll, removeApp, startWorker, STORE_KINDS, storeAvailable, waitFor, type TestStore, type WorkerProcess } from "./support.js";

/** Logs two lines; its first run (attemptsMade 0) then hangs, so a test can kill the worker under it. */
const HANGING_JOB = `
import { writeFileSync } from "node:fs";
export default async (job) => {
  await job.log(\`attempt \${job.attemptsMade} started\`);
  await job.log(\`attempt \${job.attemptsMade} working\`);
  if (job.attemptsMade === 0) {
    writeFileSync(process.env.MARK_FILE, String(process.pid));
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
  await job.log(\`attempt \${job.attemptsMade} done\`);
  return "done";
};
`;

const messages = (logs: readonly string[] | undefined) => (logs ?? []).map((line) => line.replace(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /, ""));

describe.each(STORE_KINDS)("job logs while the job runs, on %s", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!storeAvailable(kind))("", () => {
    let store: TestStore;
    let runner: JobRunner | null = null;
    let workers: WorkerProcess[] = [];
    let root: string;
    let n = 0;
    const name = () => `live${++n}`;

    beforeAll(async () => {
      store = await freshStore(kind, "livelogs");
      await configureQueue(store.config);
      root = appWithJobs({ "hang.js": HANGING_JOB });
    });
    afterEach(async () => {
      await runner?.stop(0);
      runner = null;
      await killAll(workers);
      workers = [];
    });
    afterAll(async () => {
      await closeQueues();
      await store.cleanup();
      removeApp(root);
    });

    const run = async (queueName: string, handler: (job: Job<Record<string, unknown>>) => unknown) => {
      runner = await JobRunner.start(await queueBackend(), [processorFrom(queueName, `src/jobs/${queueName}.ts`, { default: handler })]);
    };

    it("getJob() shows the lines before the job ends (the latest 1000 mid-run too), then all of them with the outcome", async () => {
      const q = queue(name());
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await run(q.name, async (job) => {
        await job.log("first");
        await job.log("second");
        for (let i = 1; i <= 1200; i++) void job.log(`line ${i}`); // not awaited: a burst
        await released;
        await job.log("last");
        return "ok";
      });
      const id = await q.add({});
      await waitFor("the burst in the job's record while it runs", async () => messages((await q.getJob(id))?.logs).at(-1) === "line 1200", 10_000, 25);
      const running = await q.getJob(id);
      expect(running?.state).toBe("active");
      const mid = messages(running?.logs);
      expect(mid).toHaveLength(1000);
      expect([mid[0], mid[999]]).toEqual(["line 201", "line 1200"]);

      release();
      await waitFor("completion", async () => (await q.getJob(id))?.state === "completed", 10_000);
      const done = messages((await q.getJob(id))?.logs);
      expect(done).toHaveLength(1000);
      expect([done[0], done[998], done[999]]).toEqual(["line 202", "line 1200", "last"]);
    }, 30_000);

    it("the first lines of a run show within a fraction of a second", async () => {
      const q = queue(name());
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await run(q.name, async (job) => {
        await job.log("checking the input");
        await released;
      });
      const id = await q.add({});
      await waitFor("the job to start", async () => (await q.getJob(id))?.state === "active", 10_000, 20);
      // at most one write interval (250 ms) plus a loaded machine's round trips
      await waitFor("its line in the record", async () => messages((await q.getJob(id))?.logs)[0] === "checking the input", 3000, 20);
      release();
    });

    it("a job given back by a stopping worker keeps the lines its run logged, up to the last one", async () => {
      const q = queue(name());
      let reached!: () => void;
      const atLastLine = new Promise<void>((resolve) => (reached = resolve));
      await run(q.name, async (job) => {
        await job.log("a line written at once");
        await new Promise((resolve) => setTimeout(resolve, 50));
        await job.log("a line logged just before the worker stops"); // within the 250 ms a database write waits
        reached();
        await new Promise((resolve) => setTimeout(resolve, 30_000));
      });
      const id = await q.add({}, { attempts: 1 });
      await atLastLine;
      await runner!.stop(0);
      runner = null;
      const info = await q.getJob(id);
      expect(info?.state).toBe("waiting");
      expect(messages(info?.logs)).toEqual(["a line written at once", "a line logged just before the worker stops"]);
    });

    it("a tina4 worker killed with SIGKILL mid-job leaves the lines logged so far; the retry adds its own", async () => {
      const mark = join(root, `${kind}-mark`);
      const env = { ...store.env, MARK_FILE: mark };
      const first = await startWorker(root, env, ["--concurrency", "1"]);
      workers = [first];
      const id = await queue("hang").add({}, { attempts: 3 });
      await waitFor("the first run to hang", () => existsSync(mark), 20_000);
      expect(Number(readFileSync(mark, "utf8"))).toBe(first.pid);
      const firstRun = ["attempt 0 started", "attempt 0 working"];
      await waitFor("the first run's lines in the job's record", async () => messages((await queue("hang").getJob(id))?.logs).length === 2, 10_000, 25);
      expect(messages((await queue("hang").getJob(id))?.logs)).toEqual(firstRun);

      first.child.kill("SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
      const orphaned = await queue("hang").getJob(id);
      expect(orphaned?.state).toBe("active");
      expect(messages(orphaned?.logs)).toEqual(firstRun);

      workers.push(await startWorker(root, env, ["--concurrency", "1"]));
      await waitFor("the retry to complete", async () => (await queue("hang").getJob(id))?.state === "completed", 30_000, 100);
      const info = await queue("hang").getJob(id);
      expect(info).toMatchObject({ state: "completed", result: "done", attemptsMade: 2 });
      expect(messages(info?.logs)).toEqual([...firstRun, "attempt 1 started", "attempt 1 working", "attempt 1 done"]);
    }, 60_000);
  });
});
