/**
 * The queue's pure parts: data and option checks, job-file exports, queue selection, the
 * processor wrapper (non-Error throws, timeouts, results), schedule ticks and settings.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { tickJobId, tickOf } from "../../runtime/jobs/backend.js";
import { readQueueConfig } from "../../runtime/jobs/config.js";
import { QueueError } from "../../runtime/jobs/errors.js";
import { handlerFor, testJob } from "../../runtime/jobs/job.js";
import { backoffDelay, checkQueueName, resolveOptions, serialiseData } from "../../runtime/jobs/options.js";
import { processorFrom } from "../../runtime/jobs/processors.js";
import { selectProcessors } from "../../runtime/jobs/runner.js";
import { TickScheduler } from "../../runtime/jobs/scheduler.js";
import type { ActiveJob } from "../../runtime/jobs/backend.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as QueueError).code;
  }
  return undefined;
}

function active(overrides: Partial<ActiveJob> = {}): ActiveJob {
  return {
    id: "1", queue: "q", data: {}, attemptsMade: 0, scheduledFor: null, signal: new AbortController().signal,
    log: async () => undefined, progress: async () => undefined, ...overrides,
  };
}

describe("job data", () => {
  it("accepts what JSON keeps and returns its JSON text", () => {
    expect(serialiseData({ a: [1, "x", true, null, { b: 2.5 }], when: new Date(0), skip: undefined })).toBe('{"a":[1,"x",true,null,{"b":2.5}],"when":"1970-01-01T00:00:00.000Z"}');
  });

  it("names the path of the first value JSON would drop or change", () => {
    class Money { constructor(readonly cents: number) {} }
    const cases: Array<[unknown, RegExp]> = [
      [{ user: { notify: () => 1 } }, /data\.user\.notify is a function/],
      [{ id: 5n }, /data\.id is a bigint/],
      [[1, Symbol("s")], /data\[1\] is a symbol/],
      [{ ratio: Number.POSITIVE_INFINITY }, /data\.ratio is Infinity/],
      [{ price: new Money(5) }, /data\.price is a Money instance/],
      [{ tags: new Set(["a"]) }, /data\.tags is a Set instance/],
      [{ "odd key": new Map() }, /data\["odd key"\] is a Map instance/],
      [{ at: new Date("nope") }, /an invalid Date/],
      [undefined, /job data is undefined/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        serialiseData(value);
      } catch (e) {
        error = e;
      }
      expect((error as QueueError).code).toBe("T4_ERR_QUEUE_DATA");
      expect((error as Error).message).toMatch(message);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.me = { back: cyclic };
    expect(() => serialiseData(cyclic)).toThrow(/data\.me\.back is a circular reference/);
    // the same object twice (not a cycle) is fine
    const shared = { x: 1 };
    expect(serialiseData({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe("job options", () => {
  it("fills the defaults: 3 attempts, 1 s exponential backoff, no delay, no priority", () => {
    expect(resolveOptions(undefined)).toEqual({ delay: 0, attempts: 3, backoff: 1000, priority: 0, jobId: undefined });
  });

  it("refuses unknown names, fractions, negatives and ids BullMQ reserves", () => {
    for (const bad of [{ tries: 2 }, { attempts: 0 }, { attempts: 2.5 }, { delay: -5 }, { priority: 3_000_000 }, { jobId: "" }, { jobId: "42" }, { jobId: "a:b" }, { backoff: "1s" }]) {
      expect(codeOf(() => resolveOptions(bad as never)), JSON.stringify(bad)).toBe("T4_ERR_QUEUE_ARGUMENT");
    }
  });

  it("exponential backoff doubles from the base, as BullMQ's", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(500, n))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(0, 3)).toBe(0);
  });

  it("queue names are file names: letters, digits, - and _", () => {
    expect(checkQueueName("send-email_2")).toBe("send-email_2");
    for (const bad of ["", "../x", "a b", "a:b", "-x", "x".repeat(101)]) expect(codeOf(() => checkQueueName(bad)), bad).toBe("T4_ERR_QUEUE_ARGUMENT");
  });
});

describe("job files", () => {
  const run = async () => undefined;
  it("reads concurrency, timeout, schedule and timezone", () => {
    expect(processorFrom("mail", "src/jobs/mail.ts", { default: run, concurrency: 4, timeout: 500, schedule: "*/5 * * * *", timezone: "Europe/London" })).toMatchObject({
      name: "mail", concurrency: 4, timeoutMs: 500, schedule: "*/5 * * * *", timezone: "Europe/London",
    });
  });

  it("refuses a file without a default function, bad exports or a bad schedule, naming the file", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /src\/jobs\/x\.ts: has no default export function/],
      [{ default: "nope" }, /no default export function/],
      [{ default: run, concurrency: 0 }, /concurrency must be a whole number from 1 to 1000/],
      [{ default: run, timeout: -1 }, /timeout must be a whole number/],
      [{ default: run, schedule: "every minute" }, /invalid schedule "every minute"/],
      [{ default: run, schedule: "* * * * *", timezone: "Mars/Olympus" }, /invalid schedule .* \(timezone Mars\/Olympus\)/],
      [{ default: run, timezone: "UTC" }, /exports a timezone but no schedule/],
    ];
    for (const [mod, message] of cases) {
      let error: unknown;
      try {
        processorFrom("x", "src/jobs/x.ts", mod);
      } catch (e) {
        error = e;
      }
      expect((error as QueueError).code).toBe("T4_ERR_QUEUE_PROCESSOR");
      expect((error as Error).message).toMatch(message);
    }
  });

  it("--queues selects by name and names the unknown ones with the known list", () => {
    const specs = ["a", "b", "c"].map((n) => processorFrom(n, `src/jobs/${n}.ts`, { default: run }));
    expect(selectProcessors(specs, ["c", "a"]).map((s) => s.name)).toEqual(["a", "c"]);
    expect(selectProcessors(specs, undefined)).toHaveLength(3);
    expect(() => selectProcessors(specs, ["a", "zz"])).toThrow(/no job file for queue "zz" in src\/jobs\/ \(queues: a, b, c\)/);
  });
});

describe("the processor wrapper", () => {
  it("turns a non-Error throw into an Error that says what was thrown", async () => {
    await expect(handlerFor(() => { throw 404; }, 0)(active())).rejects.toThrow("the processor threw a non-Error value: 404");
    await expect(handlerFor(async () => Promise.reject(null), 0)(active())).rejects.toThrow("the processor threw a non-Error value: null");
    const error = new TypeError("bad");
    await expect(handlerFor(() => { throw error; }, 0)(active())).rejects.toBe(error);
  });

  it("fails an attempt past its timeout and aborts job.signal", async () => {
    let signal: AbortSignal | undefined;
    const started = Date.now();
    const error = await handlerFor(async (job) => {
      signal = job.signal;
      await new Promise(() => undefined);
    }, 100)(active({ id: "j9" })).catch((e: unknown) => e);
    expect((error as QueueError).code).toBe("T4_ERR_QUEUE_TIMEOUT");
    expect((error as Error).message).toBe("job j9 ran longer than its timeout of 100 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(signal?.aborted).toBe(true);
  });

  it("stores what JSON keeps of the result", async () => {
    expect(await handlerFor(() => ({ at: new Date(0), n: 1 }), 0)(active())).toEqual({ at: "1970-01-01T00:00:00.000Z", n: 1 });
    expect(await handlerFor(() => undefined, 0)(active())).toBeNull();
    expect(await handlerFor(() => 10n, 0)(active())).toBe("10n");
  });

  it("testJob records logs and progress and refuses data add() would refuse", async () => {
    const job = testJob({ n: 1 });
    await job.log("hi");
    await job.progress(30);
    expect(job.logs).toEqual(["hi"]);
    expect(job.progressValues).toEqual([30]);
    expect(() => testJob({ f: () => 1 })).toThrow(/data\.f is a function/);
  });
});

describe("schedule ticks", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("names each run by its cron tick, not by when the timer fired", async () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00.300Z") });
    const ticks: string[] = [];
    const scheduler = new TickScheduler({ cron: "* * * * * *", timezone: undefined }, "q", async (t) => void ticks.push(t.toISOString()));
    await vi.advanceTimersByTimeAsync(3500);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(3000);
    expect(ticks).toEqual(["2030-01-01T00:00:01.000Z", "2030-01-01T00:00:02.000Z", "2030-01-01T00:00:03.000Z"]);
  });

  it("a late timer adds every tick it passed, and a failed add does not stop the schedule", async () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00.500Z") });
    const ticks: number[] = [];
    let fail = true;
    const scheduler = new TickScheduler({ cron: "* * * * * *", timezone: undefined }, "q", async (t) => {
      if (fail) {
        fail = false;
        throw new Error("database down");
      }
      ticks.push(t.getTime() / 1000 % 60);
    });
    vi.setSystemTime(new Date("2030-01-01T00:00:04.200Z")); // the process was frozen for 3.7 s
    await vi.advanceTimersByTimeAsync(1000);
    scheduler.stop();
    expect(ticks).toEqual([2, 3, 4, 5]); // tick 1 failed (logged), 2–4 caught up, then 5 on time
  });

  it("follows a 5-field cron in a timezone", async () => {
    vi.useFakeTimers({ now: new Date("2030-06-01T07:59:00.000Z") });
    const ticks: string[] = [];
    const scheduler = new TickScheduler({ cron: "0 9 * * *", timezone: "Europe/London" }, "q", async (t) => void ticks.push(t.toISOString()));
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    scheduler.stop();
    expect(ticks).toEqual(["2030-06-01T08:00:00.000Z"]); // 09:00 BST
  });

  it("a tick's job id round-trips to its time; other ids have none", () => {
    const tick = new Date("2030-01-01T00:00:05.000Z");
    expect(tickOf(tickJobId("reports", tick))).toEqual(tick);
    expect(tickOf("3f1c-uuid")).toBeNull();
    expect(tickOf("invoice-7")).toBeNull();
  });
});

describe("settings", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("defaults to the app's database; redis/valkey default to a local server; an unknown backend lists the valid ones", () => {
    delete process.env.TINA4_QUEUE_BACKEND;
    delete process.env.TINA4_QUEUE_URL;
    process.env.TINA4_DATABASE_URL = "sqlite:data/x.db";
    expect(readQueueConfig()).toMatchObject({ backend: "database", url: "sqlite:data/x.db", visibilityTimeoutMs: 30_000, keepFailedMs: 0 });
    process.env.TINA4_QUEUE_BACKEND = "Valkey";
    expect(readQueueConfig()).toMatchObject({ backend: "valkey", url: "redis://127.0.0.1:6379", prefix: "tina4" });
    process.env.TINA4_QUEUE_BACKEND = "rabbitmq";
    expect(() => readQueueConfig()).toThrow('unknown TINA4_QUEUE_BACKEND "rabbitmq": valid backends are database, redis, valkey');
    process.env.TINA4_QUEUE_BACKEND = "database";
    process.env.TINA4_QUEUE_VISIBILITY_TIMEOUT = "0";
    expect(codeOf(() => readQueueConfig())).toBe("T4_ERR_QUEUE_ARGUMENT");
  });
});
