/**
 * Real `tina4 worker` processes on every backend: three workers × concurrency 4 drain 2,000
 * jobs with each job run exactly once; a worker killed with SIGKILL mid-job has that job
 * retried and completed by another; SIGTERM lets an active job finish, and past
 * TINA4_SHUTDOWN_TIMEOUT returns it to the queue without counting the attempt.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue } from "../../runtime/jobs/index.js";
import { appWithJobs, freshStore, killAll, removeApp, startWorker, STORE_KINDS, storeAvailable, waitFor, type TestStore, type WorkerProcess } from "./support.js";

const RECORDING_JOB = `
import { appendFileSync } from "node:fs";
export default async (job) => {
  const log = (what) => appendFileSync(process.env.RUNS_FILE, \`\${what} \${job.data.n} \${process.pid} \${Date.now()} \${job.attemptsMade}\\n\`);
  log("start");
  if (job.data.hold) await new Promise((resolve) => setTimeout(resolve, job.data.hold));
  log("end");
  return job.data.n;
};
`;

/** Always fails; its very first run (in this app) hangs instead, so a test can kill the worker under it. */
const FAILING_JOB = `
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
export default async (job) => {
  appendFileSync(process.env.RUNS_FILE, \`start \${job.data.n} \${process.pid} \${Date.now()} \${job.attemptsMade}\\n\`);
  const held = process.env.RUNS_FILE + ".held";
  if (!existsSync(held)) {
    writeFileSync(held, "");
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
  throw new Error("still down");
};
`;

interface Line {
  what: "start" | "end";
  n: number;
  pid: number;
  at: number;
  attemptsMade: number;
}

function readRuns(file: string): Line[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [what, n, pid, at, made] = line.split(" ");
      return { what: what as Line["what"], n: Number(n), pid: Number(pid), at: Number(at), attemptsMade: Number(made) };
    });
}

/** Most jobs one process had running at the same moment. */
function peakConcurrency(lines: Line[], pid: number): number {
  let running = 0;
  let peak = 0;
  for (const line of lines.filter((l) => l.pid === pid)) {
    running += line.what === "start" ? 1 : -1;
    peak = Math.max(peak, running);
  }
  return peak;
}

describe.each(STORE_KINDS)("tina4 worker processes on %s", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!storeAvailable(kind))("", () => {
    let store: TestStore;
    let root: string;
    let runs: string;
    let workers: WorkerProcess[] = [];
    let env: Record<string, string>;

    beforeAll(async () => {
      store = await freshStore(kind, "workers");
      await configureQueue(store.config);
      root = appWithJobs({ "record.js": RECORDING_JOB, "flaky.js": FAILING_JOB });
      runs = join(root, "runs.log");
      env = { ...store.env, RUNS_FILE: runs };
    });
    // each case starts from an empty log of its own, so any one of them runs alone (-t)
    beforeEach(() => writeFileSync(runs, ""));
    afterEach(async () => {
      await killAll(workers);
      workers = [];
      await queue("record").clear();
    });
    afterAll(async () => {
      await closeQueues();
      await store.cleanup();
      removeApp(root);
    });

    it("3 workers × concurrency 4 drain 2,000 jobs, each run exactly once", async () => {
      // a realistic visibility timeout: on a loaded machine a 2 s one can lapse under a live worker (at-least-once)
      const drainEnv = { ...env, TINA4_QUEUE_VISIBILITY_TIMEOUT: "10" };
      workers = await Promise.all([1, 2, 3].map(() => startWorker(root, drainEnv, ["--concurrency", "4"])));
      const started = Date.now();
      await queue("record").addBulk(Array.from({ length: 2000 }, (_, n) => ({ data: { n, hold: 2 } })));
      await waitFor("2,000 completions", async () => (await queue("record").counts()).completed === 2000, 50_000, 200);
      const ms = Date.now() - started;
      const lines = readRuns(runs);
      const ends = lines.filter((l) => l.what === "end");
      expect(ends).toHaveLength(2000);
      expect(new Set(ends.map((l) => l.n)).size).toBe(2000);
      expect(lines.filter((l) => l.what === "start")).toHaveLength(2000);
      for (const w of workers) {
        const peak = peakConcurrency(lines, w.pid);
        expect(peak, `worker ${w.pid}`).toBeGreaterThanOrEqual(1);
        expect(peak, `worker ${w.pid}`).toBeLessThanOrEqual(4);
      }
      expect(Math.max(...workers.map((w) => peakConcurrency(lines, w.pid)))).toBeGreaterThan(1);
      expect(await queue("record").counts()).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
      console.log(`[${kind}] drained 2,000 jobs with 3 workers × 4 in ${ms} ms`);
    }, 60_000);

    it("a worker killed with SIGKILL mid-job: that job is retried by another worker and completes once", async () => {
      workers = await Promise.all([1, 2].map(() => startWorker(root, env, ["--concurrency", "1"])));
      const id = await queue("record").add({ n: 7, hold: 1500 }, { attempts: 3 });
      await waitFor("the job to start", () => readRuns(runs).some((l) => l.what === "start"), 20_000);
      const victim = readRuns(runs).find((l) => l.what === "start")!.pid;
      const worker = workers.find((w) => w.pid === victim)!;
      worker.child.kill("SIGKILL");
      expect((await worker.exited).signal).toBe("SIGKILL");
      await waitFor("the retried job to complete", async () => (await queue("record").counts()).completed === 1, 30_000, 100);
      const lines = readRuns(runs);
      const starts = lines.filter((l) => l.what === "start");
      const ends = lines.filter((l) => l.what === "end");
      expect(starts.map((l) => l.pid)).toEqual([victim, workers.find((w) => w.pid !== victim)!.pid]);
      // the retry is attempt 2 on every backend: the stalled run counts in job.attemptsMade
      expect(starts.map((l) => l.attemptsMade)).toEqual([0, 1]);
      expect(ends).toHaveLength(1);
      expect(ends[0]!.pid).not.toBe(victim);
      const info = await queue("record").getJob(id);
      expect(info).toMatchObject({ state: "completed", result: 7 });
      expect(info!.attemptsMade).toBe(2);
    }, 60_000);

    it("a retried job starts over with its full attempts, even one whose first run stalled (worker killed)", async () => {
      const first = await startWorker(root, env, ["--concurrency", "1"]);
      workers = [first];
      const id = await queue("flaky").add({ n: 1 }, { attempts: 2, backoff: 50 });
      await waitFor("the first run", () => readRuns(runs).length === 1, 20_000);
      first.child.kill("SIGKILL");
      await first.exited;
      workers.push(await startWorker(root, env, ["--concurrency", "1"]));
      const failed = () => waitFor("the job to fail", async () => (await queue("flaky").getJob(id))?.state === "failed", 30_000, 100);
      await failed();
      const before = readRuns(runs).map((l) => l.attemptsMade);
      // the stalled run counts in attemptsMade (BullMQ, whose stalls do not use up attempts, then runs it once more)
      expect(before.slice(0, 2)).toEqual([0, 1]);

      expect(await queue("flaky").retry(id)).toBe(1);
      await failed();
      await new Promise((resolve) => setTimeout(resolve, 300)); // no run beyond the two attempts
      expect(readRuns(runs).map((l) => l.attemptsMade).slice(before.length)).toEqual([0, 1]);
      expect(await queue("flaky").getJob(id)).toMatchObject({ state: "failed", attemptsMade: 2, error: "still down" });
      await queue("flaky").clear();
    }, 60_000);

    it("SIGTERM lets an active job finish; past TINA4_SHUTDOWN_TIMEOUT the job goes back to the queue", async () => {
      const first = await startWorker(root, { ...env, TINA4_SHUTDOWN_TIMEOUT: "10" }, ["--concurrency", "2"]);
      workers = [first];
      const finishing = await queue("record").add({ n: 1, hold: 800 });
      await waitFor("job 1 to start", () => readRuns(runs).some((l) => l.what === "start" && l.n === 1), 20_000);
      first.child.kill("SIGTERM");
      expect((await first.exited).code).toBe(0);
      expect(first.output()).toMatch(/SIGTERM: finishing active jobs/);
      expect(readRuns(runs).filter((l) => l.what === "end").map((l) => l.n)).toEqual([1]);
      expect((await queue("record").getJob(finishing))?.state).toBe("completed");

      const impatient = await startWorker(root, { ...env, TINA4_SHUTDOWN_TIMEOUT: "1" }, ["--concurrency", "2"]);
      workers.push(impatient);
      const returned = await queue("record").add({ n: 2, hold: 4000 }, { attempts: 1 });
      await waitFor("job 2 to start", () => readRuns(runs).some((l) => l.what === "start" && l.n === 2), 20_000);
      impatient.child.kill("SIGTERM");
      expect((await impatient.exited).code).toBe(0);
      expect(impatient.output()).toMatch(/returned to the queue/);
      const back = await queue("record").getJob(returned);
      expect(back?.state).toBe("waiting");

      // one attempt allowed, yet it runs again: the interrupted run did not count
      const next = await startWorker(root, env, ["--concurrency", "1"]);
      workers.push(next);
      await waitFor("job 2 to complete", async () => (await queue("record").getJob(returned))?.state === "completed", 30_000, 100);
      const ends = readRuns(runs).filter((l) => l.what === "end" && l.n === 2);
      expect(ends.map((l) => l.pid)).toEqual([next.pid]);
    }, 60_000);
  });
});
