/**
 * The queue's CLI: `generate job` (files, dry run, refusals; the generated test passes with
 * vitest and tsc in a fresh app, and `tina4 worker` runs the generated processor),
 * `tina4 worker` errors (exit 1), and `queue:status`, `queue:retry`, `queue:clear`.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue, queueBackend } from "../../runtime/jobs/index.js";
import { processorFrom } from "../../runtime/jobs/processors.js";
import { JobRunner } from "../../runtime/jobs/runner.js";
import { bin, cliEnv, repoRoot, runCli, tempDir } from "../support/cli.js";
import { appWithJobs, freshStore, killAll, sleep, startWorker, STORE_KINDS, storeAvailable, waitFor } from "./support.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function app(jobs: Record<string, string> = {}): string {
  const root = appWithJobs(jobs);
  dirs.push(root);
  return root;
}

describe("tina4 generate job", () => {
  it("writes src/jobs/<name>.ts and test/jobs/<name>.test.ts, and says how to use them", () => {
    const root = app();
    const r = runCli(["generate", "job", "send-email"], root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/created src\/jobs\/send-email\.ts/);
    expect(r.stdout).toMatch(/created test\/jobs\/send-email\.test\.ts/);
    expect(r.stdout).toMatch(/await queue\("send-email"\)\.add/);
    expect(r.stdout).toMatch(/tina4 worker/);
    expect(readFileSync(join(root, "src/jobs/send-email.ts"), "utf8")).toMatch(/export default async function processSendEmail\(job: Job<SendEmailData>\)/);
  });

  it("--schedule writes a scheduled job; --dry-run writes nothing; an existing file needs --force", () => {
    const root = app();
    const dry = runCli(["generate", "job", "nightly", "--schedule", "0 3 * * *", "--dry-run"], root);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/export const schedule = "0 3 \* \* \*";/);
    expect(existsSync(join(root, "src/jobs/nightly.ts"))).toBe(false);
    expect(runCli(["generate", "job", "nightly", "--schedule", "0 3 * * *"], root).code).toBe(0);
    const again = runCli(["generate", "job", "nightly"], root);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Refusing to overwrite src\/jobs\/nightly\.ts, test\/jobs\/nightly\.test\.ts \(use --force\)/);
  });

  it("refuses bad names and bad schedules with exit 1", () => {
    const root = app();
    for (const [args, message] of [
      [["../evil"], /must not contain path separators/],
      [["9lives"], /must start with a letter/],
      [["a b"], /must start with a letter and contain only/],
      [["ok", "--schedule", "every day"], /invalid schedule "every day"/],
      [["ok", "--schedule", "* * *"], /invalid schedule/],
    ] as const) {
      const r = runCli(["generate", "job", ...args], root);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(root, "src/jobs/ok.ts"))).toBe(false);
  });

  it("in a fresh app: the generated test passes with vitest, tsc accepts it, and `tina4 worker` runs the job", async () => {
    const root = join(tempDir(), "jobs-app");
    dirs.push(join(root, ".."));
    expect(runCli(["init", root, "--yes"], process.cwd()).code).toBe(0);
    expect(runCli(["generate", "job", "send-email"], root).code).toBe(0);
    expect(runCli(["generate", "job", "nightly", "--schedule", "*/10 * * * * *"], root).code).toBe(0);
    for (const pkg of ["typescript", "vitest", "@types/node"]) {
      mkdirSync(join(root, "node_modules", pkg, ".."), { recursive: true });
      symlinkSync(join(repoRoot, "node_modules", pkg), join(root, "node_modules", pkg), "dir");
    }
    const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json")], { cwd: root, encoding: "utf8" });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const vitest = spawnSync(process.execPath, [join(root, "node_modules", "vitest", "vitest.mjs"), "run"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "" },
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/3 passed/);

    await configureQueue({ backend: "database", url: `sqlite:${join(root, "data", "app.db")}` });
    try {
      const id = await queue("send-email").add({ message: "hello" });
      const worker = await startWorker(root, { TINA4_QUEUE_POLL_INTERVAL: "50" });
      try {
        expect(worker.output()).toMatch(/send-email\s+1\s+–/);
        expect(worker.output()).toMatch(/nightly\s+1\s+\*\/10 \* \* \* \* \*/);
        await waitFor("the job", async () => (await queue("send-email").getJob(id))?.state === "completed", 20_000);
        expect(await queue("send-email").getJob(id)).toMatchObject({ result: { processed: "hello" } });
      } finally {
        await killAll([worker]);
      }
    } finally {
      await closeQueues();
    }
    const status = runCli(["queue:status"], root);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/send-email\s+0\s+0\s+0\s+1\s+0/);
  }, 120_000);
});

describe("tina4 worker errors", () => {
  it("exit 1 with a clear message: no job files, unknown queue, bad --concurrency, a broken job file, an unknown backend", () => {
    const empty = app();
    const none = runCli(["worker"], empty);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No job files in src\/jobs\/: create one with `tina4 generate job <name>`/);

    const root = app({ "mail.js": "export default async () => 1;\n" });
    const unknown = runCli(["worker", "--queues", "mail,sms"], root);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no job file for queue "sms" in src\/jobs\/ \(queues: mail\)/);
    const empties = runCli(["worker", "--queues", " , "], root);
    expect(empties.code).toBe(1);
    expect(empties.stderr).toMatch(/--queues must name at least one queue/);
    for (const bad of ["0", "two", "1.5"]) {
      const r = runCli(["worker", "--concurrency", bad], root);
      expect(r.code, bad).toBe(1);
      expect(r.stderr).toMatch(/--concurrency must be a whole number from 1 to 1000/);
    }
    const backend = runCli(["worker"], root, { TINA4_QUEUE_BACKEND: "kafka" });
    expect(backend.code).toBe(1);
    expect(backend.stderr).toMatch(/TINA4_QUEUE_BACKEND[^\n]*database, redis, valkey[^\n]*kafka|TINA4_QUEUE_BACKEND[^\n]*kafka[^\n]*database, redis, valkey/);

    const broken = app({ "report.ts": "export const concurrency = 2;\n" });
    const r = runCli(["worker"], broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/src\/jobs\/report\.ts: has no default export function/);
  });
});

describe("tina4 queue:status / queue:retry / queue:clear", () => {
  it("lists counts and failed jobs, retries them by id or --all, clears by state", async () => {
    const root = app({ "charge.js": "export default async (job) => { if (job.data.fail) throw new Error('card declined'); };\n" });
    writeFileSync(join(root, ".env"), "TINA4_DATABASE_URL=sqlite:data/app.db\n");
    await configureQueue({ backend: "database", url: `sqlite:${join(root, "data", "app.db")}`, pollIntervalMs: 20 });
    let failedId: string;
    try {
      const runner = await JobRunner.start(await queueBackend(), [processorFrom("charge", "src/jobs/charge.js", { default: async (job: { data: { fail?: boolean } }) => { if (job.data.fail) throw new Error("card declined"); } })]);
      [failedId] = await queue("charge").addBulk([{ data: { fail: true }, opts: { attempts: 1 } }, { data: { fail: true }, opts: { attempts: 1 } }, { data: {} }]);
      await waitFor("2 failed, 1 completed", async () => {
        const c = await queue("charge").counts();
        return c.failed === 2 && c.completed === 1;
      }, 20_000);
      await runner.stop(1000);
      await queue("charge").add({}, { delay: 600_000 });
    } finally {
      await closeQueues();
    }

    const all = runCli(["queue:status"], root);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/QUEUE\s+WAITING\s+ACTIVE\s+DELAYED\s+COMPLETED\s+FAILED/);
    expect(all.stdout).toMatch(/charge\s+0\s+0\s+1\s+1\s+2/);
    expect(all.stdout).toMatch(/failed jobs: tina4 queue:status charge/);
    const one = runCli(["queue:status", "charge"], root);
    expect(one.stdout).toMatch(new RegExp(`${failedId!}\\s+1/1\\s+\\S+ \\S+\\s+card declined`));
    expect(one.stdout).toMatch(/tina4 queue:retry charge --all/);

    const neither = runCli(["queue:retry", "charge"], root);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toMatch(/needs either a job id or --all/);
    const missing = runCli(["queue:retry", "charge", "no-such-id"], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No failed job "no-such-id" in queue "charge"/);
    const byId = runCli(["queue:retry", "charge", failedId!], root);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toMatch(/Retried 1 job in queue "charge"/);
    const rest = runCli(["queue:retry", "charge", "--all"], root);
    expect(rest.stdout).toMatch(/Retried 1 job in queue "charge"/);
    expect(runCli(["queue:status"], root).stdout).toMatch(/charge\s+2\s+0\s+1\s+1\s+0/);

    const badState = runCli(["queue:clear", "--state", "active"], root);
    expect(badState.code).toBe(1);
    expect(badState.stderr).toMatch(/unknown state "active" for --state .*active jobs are never cleared/);
    const delayed = runCli(["queue:clear", "charge", "--state", "delayed"], root);
    expect(delayed.stdout).toMatch(/Cleared 1 job \(delayed\) from 1 queue/);
    const cleared = runCli(["queue:clear"], root);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/Cleared 3 jobs \(waiting, delayed, completed, failed\) from 1 queue/);
    expect(runCli(["queue:status"], root).stdout).toMatch(/charge\s+0\s+0\s+0\s+0\s+0/);
    const badName = runCli(["queue:status", "../x"], root);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/invalid queue name/);
  }, 60_000);
});

/**
 * `tina4 …` without blocking this process: the runner here keeps working meanwhile, as a real
 * worker does. (spawnSync froze it mid-claim on MySQL/MariaDB, its open claim transaction holding
 * locks the CLI's UPDATE then waited 50 s for: "Lock wait timeout exceeded", 2 runs in 7.)
 */
function runCliAsync(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: cliEnv(env), encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.each(STORE_KINDS)("tina4 queue:retry on %s", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!storeAvailable(kind))("", () => {
    it("gives a failed job its full attempts again, by id and with --all", async () => {
      const root = app();
      const store = await freshStore(kind, "cliretry");
      await configureQueue({ ...store.config, pollIntervalMs: 20 });
      const seen: number[] = [];
      const charge = async (job: { attemptsMade: number }) => {
        seen.push(job.attemptsMade);
        throw new Error("card declined");
      };
      const runner = await JobRunner.start(await queueBackend(), [processorFrom("charge", "src/jobs/charge.js", { default: charge })]);
      try {
        const id = await queue("charge").add({}, { attempts: 2, backoff: 50 });
        const failed = () => waitFor("the job to fail", async () => (await queue("charge").getJob(id))?.state === "failed", 20_000);
        await failed();
        expect(seen).toEqual([0, 1]);
        expect((await runCliAsync(["queue:status", "charge"], root, store.env)).stdout).toMatch(new RegExp(`${id}\\s+2/2\\s`));

        const byId = await runCliAsync(["queue:retry", "charge", id], root, store.env);
        expect(byId.code, byId.stderr).toBe(0);
        expect(byId.stdout).toMatch(/Retried 1 job in queue "charge"/);
        await failed();
        expect(seen).toEqual([0, 1, 0, 1]);

        const all = await runCliAsync(["queue:retry", "charge", "--all"], root, store.env);
        expect(all.code, all.stderr).toBe(0);
        expect(all.stdout).toMatch(/Retried 1 job in queue "charge"/);
        await failed();
        await sleep(200); // no run beyond the two attempts
        expect(seen).toEqual([0, 1, 0, 1, 0, 1]);
        expect((await runCliAsync(["queue:status", "charge"], root, store.env)).stdout).toMatch(new RegExp(`${id}\\s+2/2\\s+\\S+ \\S+\\s+card declined`));
      } finally {
        await runner.stop(1000);
        await closeQueues();
        await store.cleanup();
      }
    }, 90_000);
  });
});
