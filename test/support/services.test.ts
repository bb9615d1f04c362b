/** The skip helpers: a skip always says why, and under TINA4_TEST_SERVICES=required a missing prerequisite fails. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { skipBecause, skipUnlessAvailable } from "./services.js";

const saved = process.env.TINA4_TEST_SERVICES;
afterEach(() => {
  if (saved === undefined) delete process.env.TINA4_TEST_SERVICES;
  else process.env.TINA4_TEST_SERVICES = saved;
  vi.restoreAllMocks();
});

describe("skip helpers", () => {
  it("skipBecause prints the reason only when it skips", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(skipBecause(false, "not printed")).toBe(false);
    expect(warn).not.toHaveBeenCalled();
    expect(skipBecause(true, "sqlite has one connection")).toBe(true);
    expect(warn).toHaveBeenCalledWith("[skip] sqlite has one connection");
  });

  it("skipUnlessAvailable skips with a printed reason locally", () => {
    delete process.env.TINA4_TEST_SERVICES;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(skipUnlessAvailable(true, "x")).toBe(false);
    expect(skipUnlessAvailable(false, "redis-server is not installed")).toBe(true);
    expect(warn).toHaveBeenCalledWith("[skip] redis-server is not installed");
  });

  it("skipUnlessAvailable fails instead of skipping under TINA4_TEST_SERVICES=required", () => {
    process.env.TINA4_TEST_SERVICES = "required";
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(() => skipUnlessAvailable(false, "redis-server is not installed")).toThrow(
      "redis-server is not installed, but TINA4_TEST_SERVICES=required");
    expect(warn).not.toHaveBeenCalled();
    expect(skipUnlessAvailable(true, "x")).toBe(false);
  });
});
