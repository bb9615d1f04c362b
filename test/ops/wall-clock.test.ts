import { afterEach, describe, expect, it, vi } from "vitest";
import { monotonicNow } from "../../runtime/http/clock.js";
import { wallMillis } from "../../runtime/ops/wall-clock.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("monotonicNow", () => {
  it("reads performance.now()'s clock on its scale", () => {
    for (let i = 0; i < 1000; i++) {
      const before = performance.now();
      const now = monotonicNow();
      const after = performance.now();
      // the offset is taken once, between two reads: well under a microsecond
      expect(now).toBeGreaterThanOrEqual(before - 0.001);
      expect(now).toBeLessThanOrEqual(after + 0.001);
    }
  });
});

describe("wallMillis: Date.now() as of a clock reading, the wall clock read about once a millisecond", () => {
  it("gives exactly the millisecond Date.now() returned around each reading, across many millisecond boundaries", () => {
    const reads = vi.spyOn(Date, "now");
    let checked = 0;
    let kept = 0;
    // long enough to cross many millisecond boundaries, and enough rounds on a busy machine too
    const until = performance.now() + 30;
    while (checked < 3000 || performance.now() < until) {
      const before = Date.now();
      const at = monotonicNow();
      const after = Date.now();
      const calls = reads.mock.calls.length;
      const ms = wallMillis(at);
      const read = reads.mock.calls.length > calls;
      const final = Date.now();
      // answered from the kept millisecond: the wall clock's at `at` (never ahead of it; behind it
      // by a step only, should the wall clock be set forward meanwhile); read: the wall clock now
      expect(ms).toBeLessThanOrEqual(read ? final : after);
      expect(ms).toBeGreaterThanOrEqual(before - 1);
      if (!read) kept++;
      checked++;
    }
    // most readings are answered without reading the wall clock (how many depends on how evenly
    // the machine's wall clock ticks against the monotonic one: 60–70 % on a busy VM)
    expect(kept).toBeGreaterThan(checked * 0.3);
  });

  it("reads the wall clock for a reading older than the millisecond it keeps", () => {
    const old = monotonicNow();
    const spin = performance.now() + 3;
    while (performance.now() < spin) wallMillis(monotonicNow());
    // `old` is before the kept millisecond began: it is not answered from it
    const now = Date.now();
    expect(wallMillis(old)).toBeLessThanOrEqual(now);
  });

  it("follows a wall clock set back, once the kept millisecond is over", () => {
    wallMillis(monotonicNow());
    const real = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(real - 60_000);
    const later = performance.now() + 2;
    while (performance.now() < later) {
      // spin past the kept millisecond
    }
    expect(wallMillis(monotonicNow())).toBe(real - 60_000);
    // and the next readings keep the set-back clock (no bound known yet: it is read again)
    expect(wallMillis(monotonicNow())).toBe(real - 60_000);
  });
});
