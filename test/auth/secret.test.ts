/** TINA4_SECRET: required in production, a per-process secret with a warning in dev, never logged. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthErrorCode } from "../../runtime/index.js";
import { authSecret, secretProblem } from "../../runtime/auth/secret.js";
import { log } from "../../runtime/log.js";

const saved = { secret: process.env.TINA4_SECRET, env: process.env.NODE_ENV };
afterEach(() => {
  vi.restoreAllMocks();
  if (saved.secret === undefined) delete process.env.TINA4_SECRET;
  else process.env.TINA4_SECRET = saved.secret;
  process.env.NODE_ENV = saved.env;
});

describe("TINA4_SECRET", () => {
  it("production without one, or with a short one → coded AuthError", () => {
    process.env.NODE_ENV = "production";
    delete process.env.TINA4_SECRET;
    expect(() => authSecret()).toThrow(expect.objectContaining({ code: AuthErrorCode.NO_SECRET }));
    process.env.TINA4_SECRET = "short-secret";
    expect(() => authSecret()).toThrow(expect.objectContaining({ code: AuthErrorCode.WEAK_SECRET }));
    expect(secretProblem("short-secret")!.message).not.toContain("short-secret");
  });

  it("dev without one: one warning (without any secret in it) and one random secret for the process", () => {
    process.env.NODE_ENV = "development";
    delete process.env.TINA4_SECRET;
    const warn = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const first = authSecret();
    expect(authSecret()).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const warned = warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes("TINA4_SECRET"));
    expect(warned.length).toBeLessThanOrEqual(1);
    for (const message of warned) expect(message).not.toContain(first);
  });

  it("a good one is used as is", () => {
    process.env.TINA4_SECRET = "k".repeat(40);
    expect(authSecret()).toBe("k".repeat(40));
  });
});
