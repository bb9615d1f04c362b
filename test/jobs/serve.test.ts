/**
 * Job processors inside `tina4 serve`: dev runs them in-process (and a reload picks up an
 * edited job file) unless TINA4_QUEUE_INLINE=false; production runs them only with
 * `--with-worker`. Requests open new connections each, as browsers and curl do.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startServe } from "../support/cli.js";
import { appWithJobs, removeApp, sleep, waitFor } from "./support.js";

const JOB = (result: string) => `export default async (job) => ${result};\n`;

function app(): string {
  const root = appWithJobs({ "mail.ts": JOB("({ sent: job.data.to })") });
  mkdirSync(join(root, "src", "routes", "enqueue"), { recursive: true });
  mkdirSync(join(root, "src", "routes", "jobs", "[id]"), { recursive: true });
  writeFileSync(join(root, "src", "routes", "enqueue", "get.ts"), 'import { queue } from "tina4";\nexport default async (req) => ({ id: await queue("mail").add({ to: req.query.to }) });\n');
  writeFileSync(join(root, "src", "routes", "jobs", "[id]", "get.ts"), 'import { queue } from "tina4";\nexport default async (req) => (await queue("mail").getJob(req.params.id)) ?? { state: "missing" };\n');
  writeFileSync(join(root, ".env"), `TINA4_SECRET=${randomBytes(32).toString("hex")}\nTINA4_QUEUE_POLL_INTERVAL=50\n`);
  return root;
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { connection: "close" } });
  return (await response.json()) as Record<string, unknown>;
}

type Served = Awaited<ReturnType<typeof startServe>>;
let served: Served | null = null;
let root = "";
afterEach(async () => {
  if (served) {
    served.child.kill("SIGTERM");
    await served.exited.catch(() => undefined);
  }
  served = null;
  if (root) removeApp(root);
  root = "";
});

describe("job processors in tina4 serve", () => {
  it("dev runs them in-process, and a reload picks up the edited job file", async () => {
    root = app();
    served = await startServe(root);
    const first = (await getJson(`${served.url}/enqueue?to=ann`)).id as string;
    await waitFor("job 1", async () => (await getJson(`${served!.url}/jobs/${first}`)).state === "completed", 15_000);
    expect((await getJson(`${served.url}/jobs/${first}`)).result).toEqual({ sent: "ann" });
    expect(served.output()).toMatch(/running jobs mail on /);

    writeFileSync(join(root, "src", "jobs", "mail.ts"), JOB("({ sent: job.data.to.toUpperCase(), v: 2 })"));
    await waitFor("the reload", () => /reloaded \(src\/jobs\/mail\.ts/.test(served!.output()), 15_000);
    await sleep(300);
    const second = (await getJson(`${served.url}/enqueue?to=bob`)).id as string;
    await waitFor("job 2", async () => (await getJson(`${served!.url}/jobs/${second}`)).state === "completed", 15_000);
    expect((await getJson(`${served.url}/jobs/${second}`)).result).toEqual({ sent: "BOB", v: 2 });
  }, 60_000);

  it("dev with TINA4_QUEUE_INLINE=false leaves the jobs to `tina4 worker`", async () => {
    root = app();
    served = await startServe(root, [], { TINA4_QUEUE_INLINE: "false" });
    const id = (await getJson(`${served.url}/enqueue?to=ann`)).id as string;
    await sleep(1500);
    expect((await getJson(`${served.url}/jobs/${id}`)).state).toBe("waiting");
    expect(served.output()).not.toMatch(/running jobs/);
  }, 60_000);

  it("production runs them only with --with-worker", async () => {
    root = app();
    served = await startServe(root, ["--production", "--workers", "1"]);
    const id = (await getJson(`${served.url}/enqueue?to=ann`)).id as string;
    await sleep(1500);
    expect((await getJson(`${served.url}/jobs/${id}`)).state).toBe("waiting");
    // and says so at start, naming what runs them (scheduled jobs would otherwise never run, silently)
    expect(served.output()).toMatch(/src\/jobs\/ has 1 job file \(\w+\): this server does not run them — start tina4 worker beside it, or serve with --with-worker/);
    served.child.kill("SIGTERM");
    await served.exited;

    served = await startServe(root, ["--production", "--workers", "1", "--with-worker"]);
    await waitFor("the waiting job", async () => (await getJson(`${served!.url}/jobs/${id}`)).state === "completed", 15_000);
    expect((await getJson(`${served.url}/jobs/${id}`)).result).toEqual({ sent: "ann" });
    expect(served.output()).not.toMatch(/does not run them/);
  }, 90_000);
});
