import { describe, expect, it } from "vitest";
import { backoff } from "../../runtime/async/backoff.js";
import { SingleFlight } from "../../runtime/async/single-flight.js";
import { withTimeout } from "../../runtime/async/timeout.js";

describe("backoff", () => {
  it("doubles from base, stops at max, and adds at most `jitter` ms", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoff(n, 100, 2_000))).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect(backoff(10_000, 50, 1_000)).toBe(1_000); // 2^10000 is Infinity: still capped
    for (let i = 0; i < 50; i++) {
      const delay = backoff(1, 50, 1_000, 100);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThan(200);
    }
  });
});

describe("withTimeout", () => {
  it("passes the result through, or rejects with the caller's error once the time is up", async () => {
    expect(await withTimeout(Promise.resolve(7), 1_000, () => new Error("late"))).toBe(7);
    const never = new Promise<number>(() => undefined);
    await expect(withTimeout(never, 20, () => Object.assign(new Error("no answer"), { code: "ETIMEDOUT" }))).rejects.toMatchObject({ message: "no answer", code: "ETIMEDOUT" });
    await expect(withTimeout(Promise.reject(new Error("own")), 1_000, () => new Error("late"))).rejects.toThrow("own");
  });
});

describe("SingleFlight", () => {
  it("shares one running flight per key and frees the key once it settles, even on failure", async () => {
    const flights = new SingleFlight<string, number>();
    let runs = 0;
    let finish!: (n: number) => void;
    const work = () => {
      runs++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const a = flights.run("k", work);
    const b = flights.run("k", work);
    expect(flights.joinable("k")).toBe(a);
    expect(b).toBe(a);
    expect(flights.joinable("other")).toBeUndefined();
    finish(5);
    expect(await b).toBe(5);
    await Promise.resolve();
    expect(flights.joinable("k")).toBeUndefined();
    expect(runs).toBe(1);

    const failing = flights.run("k", () => Promise.reject(new Error("boom")));
    await expect(failing).rejects.toThrow("boom");
    await Promise.resolve();
    expect(flights.joinable("k")).toBeUndefined();
    expect(await flights.run("k", async () => 9)).toBe(9);
  });
});

describe("Deadlines", () => {
  it("passes results and errors through, times out only the calls still running, oldest first", async () => {
    const { Deadlines } = await import("../../runtime/async/deadlines.js");
    const deadlines = new Deadlines(40);
    const late = () => new Error("late");
    let release!: (n: number) => void;
    const slow = deadlines.run(new Promise<number>((resolve) => (release = resolve)), late);
    const fast = deadlines.run(Promise.resolve(1), late);
    const failing = deadlines.run(Promise.reject(new Error("own")), late);
    const never = deadlines.run(new Promise<number>(() => undefined), () => new Error("second"));
    expect(await fast).toBe(1);
    await expect(failing).rejects.toThrow("own");
    expect(deadlines.pending).toBe(2);
    await expect(slow).rejects.toThrow("late");
    await expect(never).rejects.toThrow("second");
    release(5); // an answer after the timeout changes nothing
    expect(deadlines.pending).toBe(0);
  });

  it("keeps watching after the first timer: a call started later times out on its own deadline", async () => {
    const { Deadlines } = await import("../../runtime/async/deadlines.js");
    const deadlines = new Deadlines(30);
    const started = performance.now();
    const first = deadlines.run(new Promise(() => undefined), () => new Error("first"));
    await new Promise((r) => setTimeout(r, 20));
    const second = deadlines.run(new Promise(() => undefined), () => new Error("second"));
    await expect(first).rejects.toThrow("first");
    await expect(second).rejects.toThrow("second");
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(48); // 20 ms later + its own 30 ms, not the first call's deadline
    expect(deadlines.pending).toBe(0);
  });

  it("lets go of finished calls as they finish, and of those behind a slow one once it is over", async () => {
    const { Deadlines } = await import("../../runtime/async/deadlines.js");
    const deadlines = new Deadlines(30);
    for (let i = 0; i < 3000; i++) await deadlines.run(Promise.resolve(i), () => new Error("late"));
    expect(deadlines.held).toBe(0);
    const blocker = deadlines.run(new Promise<number>(() => undefined), () => new Error("late")).catch(() => -1);
    for (let i = 0; i < 100; i++) await deadlines.run(Promise.resolve(i), () => new Error("late"));
    expect(deadlines.held).toBe(101); // kept behind the oldest call still running
    expect(await blocker).toBe(-1);
    expect(deadlines.held).toBe(0);
  });
});
