/**
 * A job file with `export const schedule = "* * * * * *"` (every second) served by two
 * instances of two `tina4 worker` processes each: every tick runs exactly once, and no tick
 * is skipped when one instance goes down mid-run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue } from "../../runtime/jobs/index.js";
import { appWithJobs, freshStore, killAll, removeApp, sleep, startWorker, STORE_KINDS, storeAvailable, waitFor, type WorkerProcess } from "./support.js";

const TICK_JOB = `
import { appendFileSync } from "node:fs";
export const schedule = "* * * * * *";
export default async (job) => {
  appendFileSync(process.env.RUNS_FILE, \`\${job.scheduledFor.getTime()} \${process.pid} \${Date.now()}\\n\`);
};
`;

function ticks(file: string): Array<{ tick: number; pid: number }> {
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => {
    const [tick, pid] = line.split(" ");
    return { tick: Number(tick), pid: Number(pid) };
  });
}

describe.each(STORE_KINDS)("schedules on %s", (kind) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  it.skipIf(!storeAvailable(kind))("2 instances × 2 workers: each second's tick runs once, none skipped while an instance is down", async () => {
    const store = await freshStore(kind, "sched");
    const root = appWithJobs({ "tick.js": TICK_JOB });
    const runs = join(root, "runs.log");
    writeFileSync(runs, "");
    cleanups.push(() => store.cleanup(), () => removeApp(root));
    const env = { ...store.env, RUNS_FILE: runs };
    const instanceA: WorkerProcess[] = [];
    const instanceB: WorkerProcess[] = [];
    cleanups.push(() => killAll([...instanceA, ...instanceB]));
    instanceA.push(...(await Promise.all([1, 2].map(() => startWorker(root, env)))));
    instanceB.push(...(await Promise.all([1, 2].map(() => startWorker(root, env)))));

    await waitFor("5 ticks", () => new Set(ticks(runs).map((t) => t.tick)).size >= 5, 20_000);
    // take instance A down between two ticks, never in the middle of one (that would be a crash
    // mid-job: the job is retried, and its side effect could happen twice)
    await configureQueue(store.config);
    cleanups.push(() => closeQueues());
    await waitFor("a quiet moment", async () => {
      const last = Math.max(...ticks(runs).map((t) => t.tick));
      const sinceTick = Date.now() - last;
      return sinceTick > 150 && sinceTick < 600 && (await queue("tick").counts()).active === 0;
    }, 20_000, 20);
    await killAll(instanceA);
    const downAt = Date.now();
    await waitFor("10 more ticks", () => ticks(runs).filter((t) => t.tick > downAt).length >= 10, 25_000);
    await sleep(1200); // let a last tick in flight land

    const all = ticks(runs);
    const seen = all.map((t) => t.tick).sort((a, b) => a - b);
    expect(new Set(seen).size, "a tick ran twice").toBe(seen.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!, `gap after ${new Date(seen[i - 1]!).toISOString()} (instance A down at ${downAt}; runs:\n${readFileSync(runs, "utf8")})`).toBe(1000);
    expect(seen.length).toBeGreaterThanOrEqual(15);
    const after = all.filter((t) => t.tick > downAt);
    expect(after.every((t) => instanceB.some((w) => w.pid === t.pid))).toBe(true);
    // more than one process took ticks: the schedule is shared, not owned by one worker
    expect(new Set(all.map((t) => t.pid)).size).toBeGreaterThan(1);
  }, 60_000);
});
