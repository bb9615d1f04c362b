/**
 * broadcast() from a job run by `tina4 worker` (its own process, holding no WebSocket or SSE
 * client): without a shared bus it would reach nobody, so it fails — the job's attempt fails
 * with a message saying to set TINA4_PUBSUB_URL — instead of completing as if sent. With
 * TINA4_PUBSUB_URL the message goes out on that Redis (a subscriber of the test reads it there).
 * Real `tina4 worker` processes (build dist/ first) on an SQLite queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeQueues, configureQueue, queue } from "../../runtime/jobs/index.js";
import { RedisTransport } from "../../runtime/realtime/bus/redis.js";
import { serviceUrl } from "../support/services.js";
import { appWithJobs, freshStore, killAll, removeApp, startWorker, waitFor, type TestStore, type WorkerProcess } from "../jobs/support.js";

// Under TINA4_TEST_SERVICES=required serviceUrl throws when it is unset, so CI never skips; locally it prints why the Redis case skips.
const redis = serviceUrl("REDIS");

const JOB = `import { broadcast, type Job } from "tina4";
export default async function notify(job: Job<{ room: string; text: string }>) {
  await broadcast(job.data.room, { text: job.data.text }, { event: "notice" });
  return { sent: true };
}
`;

describe("broadcast() from a `tina4 worker` job", () => {
  let root: string;
  let store: TestStore;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    root = appWithJobs({ "notify.ts": JOB });
    store = await freshStore("sqlite", "worker-broadcast");
    await configureQueue(store.config);
  });
  afterEach(async () => {
    await killAll(workers.splice(0));
  });
  afterAll(async () => {
    await closeQueues();
    await store.cleanup();
    removeApp(root);
  });

  it("without a shared bus: the attempt fails saying to set TINA4_PUBSUB_URL (it reached no client)", async () => {
    workers.push(await startWorker(root, store.env));
    const id = await queue("notify").add({ room: "lobby", text: "hi" }, { attempts: 1 });
    await waitFor("the job to finish", async () => ["failed", "completed"].includes((await queue("notify").getJob(id))?.state ?? ""), 20_000);
    const job = await queue("notify").getJob(id);
    expect(job?.state).toBe("failed");
    expect(job?.error).toMatch(/^RealtimeError: broadcast\("lobby"\) from a `tina4 worker` process reaches no WebSocket or SSE client .*TINA4_PUBSUB_URL/);
  }, 60_000);

  it.skipIf(!redis)("with TINA4_PUBSUB_URL: the broadcast goes out on that Redis and the job completes", async () => {
    const prefix = `t4wb-${process.pid}-${Date.now()}`;
    const got: string[] = [];
    const listener = new RedisTransport((channel, message) => got.push(`${channel}:${message}`), redis!, prefix);
    try {
      await listener.listen("rooms");
      workers.push(await startWorker(root, { ...store.env, TINA4_PUBSUB_URL: redis!, TINA4_PUBSUB_PREFIX: prefix }));
      const id = await queue("notify").add({ room: "lobby", text: "via redis" }, { attempts: 1 });
      await waitFor("the job to complete", async () => (await queue("notify").getJob(id))?.state === "completed", 20_000);
      await expect.poll(() => got.length).toBe(1);
      expect(got[0]).toMatch(/^rooms:\["lobby",/);
      expect(got[0]).toContain('{"text":"via redis"}');
    } finally {
      await listener.close();
    }
  }, 60_000);
});
