/**
 * Queue behaviour on every backend, with the runner in this process against the real
 * servers: ids and deduplication, refusal of non-serialisable data, delays, priorities,
 * retries with backoff then the failed list, retry/clear, timeouts and non-Error throws,
 * logs/progress/results.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue, queueBackend, QueueError } from "../../runtime/jobs/index.js";
import { processorFrom } from "../../runtime/jobs/processors.js";
import { JobRunner } from "../../runtime/jobs/runner.js";
import type { Job } from "../../runtime/jobs/types.js";
import { configureLogger } from "../../runtime/ops/logger.js";
import { createClient } from "redis";
import { freshStore, sleep, STORE_KINDS, storeAvailable, waitFor, type TestStore } from "./support.js";

type Handler = (job: Job<Record<string, unknown>>) => unknown;

describe.each(STORE_KINDS)("queue on %s", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!storeAvailable(kind))("behaviour", () => {
    let store: TestStore;
    let runner: JobRunner | null = null;
    let n = 0;
    /** A fresh queue name per test, so tests never see each other's jobs. */
    const name = () => `q${++n}`;

    beforeAll(async () => {
      store = await freshStore(kind, "queue");
      await configureQueue(store.config);
    });
    afterEach(async () => {
      await runner?.stop(2000);
      runner = null;
    });
    afterAll(async () => {
      await closeQueues();
      await store.cleanup();
    });

    const run = async (queueName: string, handler: Handler, exports: Record<string, unknown> = {}) => {
      const spec = processorFrom(queueName, `src/jobs/${queueName}.ts`, { default: handler, ...exports });
      runner = await JobRunner.start(await queueBackend(), [spec]);
    };

    it("add and addBulk return ids in order; a duplicate jobId stores nothing and returns the same id", async () => {
      const q = queue(name());
      const id = await q.add({ a: 1 });
      expect(typeof id).toBe("string");
      const ids = await q.addBulk([{ data: { a: 2 } }, { data: { a: 3 }, opts: { jobId: "invoice-7" } }]);
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBe("invoice-7");
      expect(await q.add({ a: 4 }, { jobId: "invoice-7" })).toBe("invoice-7");
      expect((await q.counts()).waiting).toBe(3);
      expect((await q.getJob("invoice-7"))?.data).toEqual({ a: 3 });
    });

    it("refuses data that does not survive JSON at add, and stores nothing", async () => {
      const q = queue(name());
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      for (const bad of [{ f: () => 1 }, { n: 10n }, cyclic, { m: new Map() }, { x: Number.NaN }, undefined]) {
        const error = await q.add(bad as never).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QueueError);
        expect((error as QueueError).code).toBe("T4_ERR_QUEUE_DATA");
      }
      const bulk = await q.addBulk([{ data: { ok: true } }, { data: { f: Symbol("s") } }]).catch((e: unknown) => e);
      expect((bulk as QueueError).code).toBe("T4_ERR_QUEUE_DATA");
      expect(await q.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    });

    it("rejects bad options before storing anything", async () => {
      const q = queue(name());
      for (const opts of [{ attempts: 0 }, { delay: -1 }, { priority: 1.5 }, { backoff: "fast" }, { jobId: "12" }, { retries: 3 }]) {
        const error = await q.add({}, opts as never).catch((e: unknown) => e);
        expect((error as QueueError).code, JSON.stringify(opts)).toBe("T4_ERR_QUEUE_ARGUMENT");
      }
      expect((await q.counts()).waiting).toBe(0);
    });

    it("a delayed job never runs before its delay", async () => {
      const q = queue(name());
      const ran: number[] = [];
      await run(q.name, () => void ran.push(Date.now()));
      const added = Date.now();
      await q.add({}, { delay: 1500 });
      expect((await q.counts()).delayed).toBe(1);
      await waitFor("the delayed job", () => ran.length === 1, 10_000);
      expect(ran[0]! - added).toBeGreaterThanOrEqual(1500);
    });

    it("with one slot, jobs run by priority (none first, then 1, 2, 3), first in first out within a priority", async () => {
      const q = queue(name());
      const order: string[] = [];
      await q.addBulk([
        { data: { t: "p3" }, opts: { priority: 3 } },
        { data: { t: "p1a" }, opts: { priority: 1 } },
        { data: { t: "none-a" } },
        { data: { t: "p2" }, opts: { priority: 2 } },
        { data: { t: "p1b" }, opts: { priority: 1 } },
        { data: { t: "none-b" } },
      ]);
      await run(q.name, (job) => void order.push(String(job.data.t)), { concurrency: 1 });
      await waitFor("six jobs", () => order.length === 6, 15_000);
      expect(order).toEqual(["none-a", "none-b", "p1a", "p1b", "p2", "p3"]);
    });

    it("a failing job is retried with exponential backoff, then listed as failed; retry runs it again; clear removes it", async () => {
      const q = queue(name());
      const attempts: Array<{ at: number; made: number }> = [];
      let healed = false;
      await run(q.name, (job) => {
        attempts.push({ at: Date.now(), made: job.attemptsMade });
        if (!healed) throw new Error(`smtp down (attempt ${job.attemptsMade + 1})`);
        return "sent";
      });
      const id = await q.add({ to: "a@b.c" }, { attempts: 3, backoff: 300 });
      await waitFor("the job to fail", async () => (await q.counts()).failed === 1, 15_000);
      expect(attempts.map((a) => a.made)).toEqual([0, 1, 2]);
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(300);
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(600);
      const [failed] = await q.failed();
      expect(failed).toMatchObject({ id, state: "failed", attemptsMade: 3, attempts: 3, error: "smtp down (attempt 3)", data: { to: "a@b.c" } });

      healed = true;
      expect(await q.retry(id)).toBe(1);
      await waitFor("the retried job", async () => (await q.counts()).completed === 1, 15_000);
      expect((await q.getJob(id))?.result).toBe("sent");
      expect(await q.retry(id)).toBe(0); // no longer failed
      expect(await q.clear(["completed"])).toBe(1);
      expect(await q.getJob(id)).toBeNull();
    });

    it("retry gives a failed job its full attempts again, by id and for the whole queue", async () => {
      const q = queue(name());
      const seen: number[] = [];
      await run(q.name, (job) => {
        seen.push(job.attemptsMade);
        throw new Error("still down");
      });
      const id = await q.add({}, { attempts: 2, backoff: 50 });
      const failed = () => waitFor("the job to fail", async () => (await q.getJob(id))?.state === "failed", 15_000);
      await failed();
      expect(seen).toEqual([0, 1]);
      expect(await q.getJob(id)).toMatchObject({ state: "failed", attemptsMade: 2, attempts: 2 });

      expect(await q.retry(id)).toBe(1);
      await failed();
      expect(seen).toEqual([0, 1, 0, 1]);
      expect(await q.getJob(id)).toMatchObject({ state: "failed", attemptsMade: 2 });

      expect(await q.retry()).toBe(1); // what `tina4 queue:retry <name> --all` calls
      await failed();
      await sleep(200); // no run beyond the two attempts
      expect(seen).toEqual([0, 1, 0, 1, 0, 1]);
      expect(await q.getJob(id)).toMatchObject({ state: "failed", attemptsMade: 2 });
    });

    it("a processor that throws a non-Error, or runs past its timeout, fails the attempt with a message", async () => {
      const q = queue(name());
      let aborted = false;
      await run(q.name, async (job) => {
        if (job.data.kind === "string") throw "plain string";
        if (job.data.kind === "object") throw { reason: 42 };
        job.signal.addEventListener("abort", () => (aborted = true));
        await new Promise(() => undefined); // hangs
      }, { timeout: 300 });
      const a = await q.add({ kind: "string" }, { attempts: 1 });
      const b = await q.add({ kind: "object" }, { attempts: 1 });
      const c = await q.add({ kind: "hang" }, { attempts: 1 });
      await waitFor("three failures", async () => (await q.counts()).failed === 3, 15_000);
      expect((await q.getJob(a))?.error).toBe('the processor threw a non-Error value: "plain string"');
      expect((await q.getJob(b))?.error).toBe("the processor threw a non-Error value: { reason: 42 }");
      expect((await q.getJob(c))?.error).toMatch(/ran longer than its timeout of 300 ms/);
      expect(aborted).toBe(true);
    });

    it("records a failed attempt as `Name: message` and logs it with the processor's stack (warn, then error once failed)", async () => {
      const q = queue(name());
      const lines: string[] = [];
      configureLogger({ format: "json", level: "info", destination: { write: (line: string) => void lines.push(line) } });
      try {
        await run(q.name, function chargeCard(job) {
          throw new TypeError(`card ${String(job.data.card)} declined`);
        });
        const id = await q.add({ card: 4242 }, { attempts: 2, backoff: 50 });
        await waitFor("the failure", async () => (await q.counts()).failed === 1, 10_000);
        expect((await q.getJob(id))?.error).toBe("TypeError: card 4242 declined");
        if (kind === "redis" || kind === "valkey") {
          // BullMQ's own record (what its dashboards show) on the real server, not a copy
          const client = createClient({ url: store.config.url });
          await client.connect();
          try {
            expect(await client.hGet(`${store.config.prefix}:${q.name}:${id}`, "failedReason")).toBe("TypeError: card 4242 declined");
          } finally {
            await client.close();
          }
        }
        const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((r) => r.msg.includes(`job ${id} attempt`));
        expect(records.map((r) => r.level)).toEqual([40, 50]);
        expect(records[0]!.msg).toContain(`attempt 1/2 failed (will retry): TypeError: card 4242 declined\n    at chargeCard (`);
        expect(records[1]!.msg).toContain(`attempt 2/2 failed (no attempts left: failed): TypeError: card 4242 declined\n    at chargeCard (`);
        expect(records[1]!.msg).toMatch(/queue\.test\.ts:\d+:\d+/);
      } finally {
        configureLogger();
      }
    });

    it("keeps the result, the log lines and the progress with the job", async () => {
      const q = queue(name());
      await run(q.name, async (job) => {
        await job.log("step one");
        await job.progress(50);
        await job.log("step two");
        return { total: (job.data.items as number[]).reduce((s, x) => s + x, 0) };
      });
      const id = await q.add({ items: [1, 2, 3] });
      await waitFor("completion", async () => (await q.counts()).completed === 1, 10_000);
      const info = await q.getJob(id);
      expect(info).toMatchObject({ state: "completed", result: { total: 6 }, progress: 50, attemptsMade: 1 });
      expect(info!.logs.map((l) => l.replace(/^\S+Z /, ""))).toEqual(["step one", "step two"]);
    });

    it("returns the same shapes on every backend: log lines stamped `<ISO time> <message>`, progress null until reported (a reported 0 stays 0)", async () => {
      const q = queue(name());
      const waiting = await q.add({ report: false }, { delay: 60_000 });
      expect(await q.getJob(waiting)).toMatchObject({ progress: null, logs: [] });
      const started = Date.now();
      await run(q.name, async (job) => {
        if (!job.data.report) return "quiet";
        await job.log("step one");
        await job.progress(0);
        await job.log("step two");
        return "loud";
      });
      const quiet = await q.add({ report: false });
      const loud = await q.add({ report: true });
      await waitFor("completion", async () => (await q.counts()).completed === 2, 10_000);
      const finished = Date.now();
      expect(await q.getJob(quiet)).toMatchObject({ state: "completed", result: "quiet", progress: null, logs: [] });
      const info = await q.getJob(loud);
      expect(info).toMatchObject({ state: "completed", result: "loud", progress: 0 });
      expect(info!.logs).toHaveLength(2);
      info!.logs.forEach((line, i) => {
        const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (.*)$/.exec(line);
        expect(match, line).not.toBeNull();
        expect(match![2]).toBe(["step one", "step two"][i]);
        const at = Date.parse(match![1]!);
        expect(at).toBeGreaterThanOrEqual(started - 1000);
        expect(at).toBeLessThanOrEqual(finished + 1000);
      });
      // list() maps jobs as getJob() does
      const listed = await q.list("completed");
      expect(listed.map((job) => [job.id, job.progress, job.logs.length]).sort()).toEqual([[loud, 0, 2], [quiet, null, 0]].sort());
    });

    it("keeps a job's latest 1000 log lines on every backend", async () => {
      const q = queue(name());
      await run(q.name, async (job) => {
        for (let i = 1; i <= 1005; i++) await job.log(`line ${i}`);
      });
      const id = await q.add({});
      await waitFor("completion", async () => (await q.counts()).completed === 1, 20_000);
      const logs = (await q.getJob(id))!.logs.map((l) => l.replace(/^\S+Z /, ""));
      expect(logs).toHaveLength(1000);
      expect([logs[0], logs[999]]).toEqual(["line 6", "line 1005"]);
    });

    it("clear removes waiting and delayed jobs but never active ones", async () => {
      const q = queue(name());
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await run(q.name, () => gate, { concurrency: 1 });
      await q.add({ n: 1 });
      await waitFor("the first job to start", async () => (await q.counts()).active === 1, 10_000);
      await q.add({ n: 2 });
      await q.add({ n: 3 }, { delay: 60_000 });
      expect(await q.clear()).toBe(2);
      expect(await q.counts()).toMatchObject({ active: 1, waiting: 0, delayed: 0 });
      release();
      await waitFor("the active job", async () => (await q.counts()).completed === 1, 10_000);
      await sleep(50);
    });
  });
});
