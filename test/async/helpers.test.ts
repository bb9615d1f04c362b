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
