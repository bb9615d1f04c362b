/**
 * `tina4 queue:show [queue] <id>`: one job with its log lines, on the database backend (SQLite,
 * PostgreSQL) and BullMQ (Redis). `--follow` prints the lines a running job logs before it ends
 * and exits when it ends (1 when it failed); `--json` gives scripts the job; an unknown id is
 * one clear line and exit 1. The jobs run in this process (JobRunner); the CLI is the real
 * `bin/tina4` in a child process reading the same store.
 */
import { execFile, spawn } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue, queueBackend } from "../../runtime/jobs/index.js";
import { processorFrom } from "../../runtime/jobs/processors.js";
import { JobRunner } from "../../runtime/jobs/runner.js";
import type { Job } from "../../runtime/jobs/types.js";
import { bin, cliEnv } from "../support/cli.js";
import { appWithJobs, freshStore, removeApp, storeAvailable, waitFor, type StoreKind, type TestStore } from "./support.js";

const KINDS: readonly StoreKind[] = ["sqlite", "postgres", "redis"];

function cli(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: cliEnv(env), encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `tina4 queue:show ... --follow` running: its output so far, and its exit. */
function following(args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Waits until the followed output matches `pattern`; fails with that output if it exits first or takes `ms`. */
async function printed(run: ReturnType<typeof following>, pattern: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(run.output().stdout)) {
    const { stdout, stderr } = run.output();
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`queue:show --follow ${run.child.exitCode !== null ? `exited (${run.child.exitCode})` : `printed no ${pattern} in ${ms} ms`}:\n${stdout}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A gate a test opens: the job waits on it between its log lines. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe.each(KINDS)("tina4 queue:show on %s", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!storeAvailable(kind))("", () => {
    let store: TestStore;
    let root: string;
    let runner: JobRunner | null = null;
    let running: ReturnType<typeof following> | null = null;
    const gates = new Map<string, ReturnType<typeof gate>>();

    beforeAll(async () => {
      store = await freshStore(kind, "clishow");
      await configureQueue(store.config);
      root = appWithJobs({ "report.js": "export default async () => 'unused';\n" });
      runner = await JobRunner.start(await queueBackend(), [
        processorFrom("report", "src/jobs/report.js", {
          default: async (job: Job<{ gate: string; fail?: boolean; flaky?: boolean }>) => {
            await job.log("loading rows");
            await job.log("row 1 of 2\n  (a second line of the same entry)");
            if (job.data.flaky && job.attemptsMade === 0) throw new Error("paper jam on the first try");
            await gates.get(job.data.gate)!.wait;
            await job.log("row 2 of 2");
            await job.progress(100);
            if (job.data.fail) throw new Error("the printer caught fire");
            return { rows: 2 };
          },
        }),
      ]);
    }, 60_000);
    afterEach(async () => {
      for (const g of gates.values()) g.open();
      if (running && running.child.exitCode === null) running.child.kill("SIGKILL");
      running = null;
    });
    afterAll(async () => {
      await runner?.stop(1000);
      await closeQueues();
      await store.cleanup();
      removeApp(root);
    });

    const add = async (label: string, options: { fail?: boolean; flaky?: boolean } = {}, attempts = 1) => {
      gates.set(label, gate());
      return queue("report").add({ gate: label, ...options }, { attempts, backoff: 600 });
    };

    it("--follow prints the lines logged before the job ends, the later ones, and exits 0 when it completes", async () => {
      const id = await add("follow");
      running = following(["queue:show", "report", id, "--follow"], root, store.env);
      await printed(running, /row 1 of 2/);
      // the job is still running (it waits on its gate): the lines came before its end
      expect((await queue("report").getJob(id))?.state).toBe("active");
      expect(running.child.exitCode).toBeNull();
      const before = running.output().stdout;
      expect(before).toMatch(new RegExp(`Job ${id} in queue report`));
      expect(before).toMatch(/state\s+active\n\s+attempts\s+1 of 1 \(running\)/);
      expect(before).toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}\s+loading rows\n/);
      expect(before).toMatch(/row 1 of 2\n\s+\(a second line of the same entry\)/);
      expect(before).not.toMatch(/row 2 of 2/);

      gates.get("follow")!.open();
      expect(await running.exited).toBe(0);
      const { stdout } = running.output();
      expect(stdout.match(/loading rows/g)).toHaveLength(1); // each line once
      expect(stdout).toMatch(/row 2 of 2/);
      expect(stdout).toMatch(new RegExp(`Job ${id} completed`));
      expect(stdout.indexOf("row 2 of 2")).toBeLessThan(stdout.indexOf("completed"));
    }, 60_000);

    it("--follow of a job that fails prints its error and exits 1", async () => {
      const id = await add("fails", { fail: true });
      running = following(["queue:show", "report", id, "--follow"], root, store.env);
      const script = following(["queue:show", "report", id, "--follow", "--json"], root, store.env);
      await printed(running, /row 1 of 2/);
      gates.get("fails")!.open();
      expect(await running.exited).toBe(1);
      // --json with --follow: nothing while it runs, the job as it ended, exit 1 as it failed
      expect(await script.exited).toBe(1);
      expect(JSON.parse(script.output().stdout)).toMatchObject({ id, state: "failed", error: "the printer caught fire", attemptsMade: 1 });
      const { stdout, stderr } = running.output();
      expect(stdout).toMatch(/row 2 of 2/);
      expect(stderr).toMatch(new RegExp(`Job ${id} failed \\(attempt 1 of 1\\): the printer caught fire`));
      // shown again without --follow: the error, and how to retry it
      const shown = await cli(["queue:show", "report", id], root, store.env);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/state\s+failed\n/);
      expect(shown.stdout).toMatch(/error\s+the printer caught fire\n/);
      expect(shown.stdout).toMatch(new RegExp(`retry it: tina4 queue:retry report ${id}`));
    }, 60_000);

    it("--follow through a retry: says the attempt failed and that the next one runs, then the outcome", async () => {
      const id = await add("flaky", { flaky: true }, 2);
      running = following(["queue:show", "report", id, "--follow"], root, store.env);
      // the first attempt fails at once; the second waits on the gate: seen running before it ends
      await printed(running, /active \(attempt 2 of 2\)|attempts\s+2 of 2 \(running\)/);
      expect(running.child.exitCode).toBeNull();
      gates.get("flaky")!.open();
      expect(await running.exited).toBe(0);
      const { stdout } = running.output();
      // the first attempt's failure: in the first view (its error row) or as it was followed
      expect(stdout).toMatch(/error\s+paper jam on the first try|an attempt failed, it will be retried: paper jam on the first try/);
      expect(stdout).toMatch(/row 2 of 2/);
      expect(stdout).toMatch(new RegExp(`Job ${id} completed \\(attempt 2 of 2\\)`));
    }, 60_000);

    it("shows a finished job (its queue found from the id alone), and --json gives its shape for scripts", async () => {
      const id = await add("json");
      gates.get("json")!.open();
      await waitFor("the job to complete", async () => (await queue("report").getJob(id))?.state === "completed", 20_000);

      const shown = await cli(["queue:show", id], root, store.env);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`Job ${id} in queue report`));
      expect(shown.stdout).toMatch(/state\s+completed/);
      expect(shown.stdout).toMatch(/attempts\s+1 of 1\n/);
      expect(shown.stdout).toMatch(/finished\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC/);
      expect(shown.stdout).toMatch(/result\s+\{"rows":2\}/);
      expect(shown.stdout).toMatch(/Log \(3 lines\)/);

      const json = await cli(["queue:show", "report", id, "--json"], root, store.env);
      expect(json.code, json.stderr).toBe(0);
      const job = JSON.parse(json.stdout) as Record<string, unknown> & { logs: Array<{ at: string; message: string }> };
      expect(Object.keys(job).sort()).toEqual(["attempts", "attemptsMade", "createdAt", "data", "error", "finishedAt", "id", "logs", "priority", "progress", "queue", "result", "scheduledFor", "state"]);
      expect(job).toMatchObject({ id, queue: "report", state: "completed", attemptsMade: 1, attempts: 1, progress: 100, data: { gate: "json" }, result: { rows: 2 }, error: null, scheduledFor: null });
      expect(job.logs.map((line) => line.message)).toEqual(["loading rows", "row 1 of 2\n  (a second line of the same entry)", "row 2 of 2"]);
      for (const line of job.logs) expect(Date.parse(line.at)).toBeGreaterThanOrEqual(Date.parse(String(job.createdAt)));
      expect(Date.parse(String(job.finishedAt))).toBeGreaterThanOrEqual(Date.parse(job.logs[2]!.at));
    }, 60_000);

    it("an id in two queues must be shown with its queue named; a waiting job says how to follow it", async () => {
      for (const name of ["archive", "mail"]) await queue(name).add({ to: name }, { jobId: "same-id", delay: 60_000 });
      const ambiguous = await cli(["queue:show", "same-id"], root, store.env);
      expect([ambiguous.code, ambiguous.stdout]).toEqual([1, ""]);
      expect(ambiguous.stderr).toMatch(/Job id "same-id" is in 2 queues \(archive, mail\): name one, e\.g\. tina4 queue:show archive same-id/);
      const named = await cli(["queue:show", "mail", "same-id"], root, store.env);
      expect(named.code, named.stderr).toBe(0);
      expect(named.stdout).toMatch(/Job same-id in queue mail\n\s+state\s+delayed\n/);
      expect(named.stdout).toMatch(/data\s+\{"to":"mail"\}/);
      expect(named.stdout).toMatch(/watch it: tina4 queue:show mail same-id --follow/);
    }, 60_000);

    it("an unknown id: one clear line and exit 1 (named queue, id alone, --follow, --json)", async () => {
      const named = await cli(["queue:show", "report", "no-such-job"], root, store.env);
      expect([named.code, named.stdout]).toEqual([1, ""]);
      expect(named.stderr).toMatch(/No job "no-such-job" in queue "report" \(see: tina4 queue:status report\)/);
      const anywhere = await cli(["queue:show", "no-such-job"], root, store.env);
      expect(anywhere.code).toBe(1);
      expect(anywhere.stderr).toMatch(/No job "no-such-job" in any queue \(looked in: [a-z, ]*report/);
      for (const flag of ["--follow", "--json"]) {
        const r = await cli(["queue:show", "report", "no-such-job", flag], root, store.env);
        expect([r.code, r.stdout], flag).toEqual([1, ""]);
        expect(r.stderr, flag).toMatch(/No job "no-such-job"/);
      }
    }, 60_000);
  });
});

describe("tina4 queue:show: input errors", () => {
  it("a bad queue name is refused with exit 1; --help documents the command", async () => {
    const root = appWithJobs({});
    try {
      const bad = await cli(["queue:show", "../x", "1"], root, { TINA4_QUEUE_URL: "sqlite:///:memory:" });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/queue name/i);
      const help = await cli(["--help"], root, {});
      expect(help.stdout).toMatch(/queue:show \[options\] <queueOrId> \[id\]/);
      const own = await cli(["queue:show", "--help"], root, {});
      expect(own.code, own.stderr).toBe(0);
      expect(own.stdout).toMatch(/--follow/);
      expect(own.stdout).toMatch(/tina4 queue:show emails 42 --json/);
    } finally {
      removeApp(root);
    }
  });
});
