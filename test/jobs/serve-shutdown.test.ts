/**
 * SIGTERM to `tina4 serve --production --with-worker` while a job runs: the job finishes with
 * everything it uses still open (the app's database here), and its outcome is recorded, so it
 * does not run a second time after the visibility timeout; and from the signal on it takes no
 * new job (its HTTP drain may still take seconds: another worker runs those). On the default
 * database backend (SQLite) and on Redis/Valkey (BullMQ).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue } from "../../runtime/jobs/index.js";
import { Database } from "../../runtime/db/index.js";
import { startServe } from "../support/cli.js";
import { appWithJobs, freshStore, removeApp, STORE_KINDS, storeAvailable, waitFor, type StoreKind, type TestStore } from "./support.js";

// The job a user writes: slow work, then a row in the app's database.
const SLOW_JOB = `
import { appendFileSync } from "node:fs";
import { Database } from "tina4";
let db;
export default async (job) => {
  db ??= await Database.connect();
  await db.execute("CREATE TABLE IF NOT EXISTS sent (id INTEGER PRIMARY KEY, job TEXT)");
  appendFileSync("data/runs.log", \`start \${process.pid}\\n\`);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await db.insert("sent", { job: job.id });
  appendFileSync("data/runs.log", \`end \${process.pid}\\n\`);
  return { sent: job.data.to };
};
`;

const ENQUEUE = 'import { queue } from "tina4";\nexport default async (req) => ({ id: await queue("slow").add({ to: req.query.to }) });\n';

let served: Awaited<ReturnType<typeof startServe>> | null = null;
let store: TestStore | null = null;
let root = "";

afterEach(async () => {
  if (served && served.child.exitCode === null) {
    served.child.kill("SIGKILL");
    await served.exited;
  }
  served = null;
  await closeQueues();
  await store?.cleanup();
  store = null;
  if (root) removeApp(root);
  root = "";
});

const KINDS = STORE_KINDS.filter((kind): kind is StoreKind => kind === "sqlite" || kind === "redis" || kind === "valkey");

describe.each(KINDS)("SIGTERM to serve --production --with-worker on %s", (kind) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
  it.skipIf(!storeAvailable(kind))("lets the active job finish using the app's database, and records it completed (it never runs twice)", async () => {
    root = appWithJobs({ "slow.ts": SLOW_JOB });
    mkdirSync(join(root, "src", "routes", "enqueue"), { recursive: true });
    mkdirSync(join(root, "data"), { recursive: true });
    writeFileSync(join(root, "src", "routes", "enqueue", "get.ts"), ENQUEUE);
    writeFileSync(join(root, ".env"), `TINA4_SECRET=${randomBytes(32).toString("hex")}\nTINA4_DATABASE_URL=sqlite:data/app.db\n`);
    store = kind === "sqlite" ? null : await freshStore(kind, "serve_term");
    const queueEnv = store ? store.env : { TINA4_QUEUE_POLL_INTERVAL: "50", TINA4_QUEUE_VISIBILITY_TIMEOUT: "3" };
    served = await startServe(root, ["--production", "--workers", "1", "--with-worker"], { ...queueEnv, TINA4_LOG_LEVEL: "info", TINA4_DRAIN_DELAY: "0" });
    await waitFor("the job processors", () => /running jobs slow/.test(served!.output()), 20_000);

    const response = await fetch(`${served.url}/enqueue?to=ann`, { headers: { connection: "close" } });
    const { id } = (await response.json()) as { id: string };
    const runs = join(root, "data", "runs.log");
    await waitFor("the job to start", () => existsSync(runs), 15_000);
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);

    expect(served.output()).not.toMatch(/could not record the outcome|connection was closed|failed/i);
    expect(readFileSync(runs, "utf8").trim().split("\n").map((line) => line.split(" ")[0])).toEqual(["start", "end"]);
    const db = await Database.connect(`sqlite:${join(root, "data", "app.db")}`);
    try {
      expect(await db.fetchOne("SELECT job FROM sent")).toEqual({ job: id });
    } finally {
      await db.close();
    }
    await configureQueue(store ? store.config : { backend: "database", url: `sqlite:${join(root, "data", "app.db")}` });
    const job = await queue("slow").getJob(id);
    expect(job?.state).toBe("completed");
    expect(job?.result).toEqual({ sent: "ann" });
  }, 60_000);

  it.skipIf(!storeAvailable(kind))("takes no new job once SIGTERM arrived, while HTTP still drains: a job added then waits for another worker", async () => {
    root = appWithJobs({ "slow.ts": SLOW_JOB });
    mkdirSync(join(root, "src", "routes", "enqueue"), { recursive: true });
    mkdirSync(join(root, "data"), { recursive: true });
    writeFileSync(join(root, "src", "routes", "enqueue", "get.ts"), ENQUEUE);
    writeFileSync(join(root, ".env"), `TINA4_SECRET=${randomBytes(32).toString("hex")}\nTINA4_DATABASE_URL=sqlite:data/app.db\n`);
    store = kind === "sqlite" ? null : await freshStore(kind, "serve_term_new");
    const queueEnv = store ? store.env : { TINA4_QUEUE_POLL_INTERVAL: "50", TINA4_QUEUE_VISIBILITY_TIMEOUT: "3" };
    // the default drain delay: /__ready says 503 for 2 s while requests are still served
    served = await startServe(root, ["--production", "--workers", "1", "--with-worker"], { ...queueEnv, TINA4_LOG_LEVEL: "info", TINA4_DRAIN_DELAY: "2" });
    await waitFor("the job processors", () => /running jobs slow/.test(served!.output()), 20_000);
    await configureQueue(store ? store.config : { backend: "database", url: `sqlite:${join(root, "data", "app.db")}` });

    served.child.kill("SIGTERM");
    await waitFor("the drain", () => /SIGTERM: draining/.test(served!.output()), 10_000);
    const late = await queue("slow").add({ to: "bob" });
    expect(await served.exited).toBe(0);
    expect(existsSync(join(root, "data", "runs.log"))).toBe(false);
    expect((await queue("slow").getJob(late))?.state).toBe("waiting");
  }, 60_000);
});
