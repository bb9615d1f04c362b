/**
 * Queue settings out of their range stop the start with the standard message: a negative
 * timeout or retention, a visibility timeout under a second, a poll interval under 10 ms
 * (a busy loop on the database), or a delay node's timers cannot take.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { ConfigError } from "../../runtime/config/errors.js";
import { validateSettings } from "../../runtime/config/settings.js";
import { readQueueConfig } from "../../runtime/jobs/config.js";
import { runCli, tempDir } from "../support/cli.js";

function problems(env: Record<string, string>): string {
  try {
    validateSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return "";
}

describe("queue settings are checked against their range at startup", () => {
  it("refuses negative, zero and oversized values where they make no sense", () => {
    const message = problems({
      TINA4_QUEUE_VISIBILITY_TIMEOUT: "0",
      TINA4_QUEUE_POLL_INTERVAL: "5",
      TINA4_QUEUE_TIMEOUT: "-30",
      TINA4_QUEUE_KEEP_COMPLETED: "-1",
      TINA4_QUEUE_KEEP_FAILED: "-86400",
    });
    expect(message).toContain('TINA4_QUEUE_VISIBILITY_TIMEOUT must be a number of seconds from 1 to 2147483, got "0"');
    expect(message).toContain('TINA4_QUEUE_POLL_INTERVAL must be a number of milliseconds from 10 to 2147483647, got "5"');
    expect(message).toContain('TINA4_QUEUE_TIMEOUT must be a number of seconds from 0 to 2147483, got "-30"');
    expect(message).toContain('TINA4_QUEUE_KEEP_COMPLETED must be a number of seconds of at least 0, got "-1"');
    expect(message).toContain('TINA4_QUEUE_KEEP_FAILED must be a number of seconds of at least 0, got "-86400"');
    expect(problems({ TINA4_QUEUE_VISIBILITY_TIMEOUT: "0.5" })).toContain("TINA4_QUEUE_VISIBILITY_TIMEOUT must be a number of seconds from 1");
    expect(problems({ TINA4_QUEUE_TIMEOUT: "3000000" })).toContain("TINA4_QUEUE_TIMEOUT must be a number of seconds from 0 to 2147483");
  });

  it("accepts the edges (0 = no timeout, remove at once, keep until retried)", () => {
    expect(problems({ TINA4_QUEUE_VISIBILITY_TIMEOUT: "1", TINA4_QUEUE_POLL_INTERVAL: "10", TINA4_QUEUE_TIMEOUT: "0", TINA4_QUEUE_KEEP_COMPLETED: "0", TINA4_QUEUE_KEEP_FAILED: "0" })).toBe("");
  });

  it("readQueueConfig() names the variable and its range with the queue's error code", () => {
    process.env.TINA4_QUEUE_POLL_INTERVAL = "-1";
    try {
      expect(() => readQueueConfig()).toThrow(expect.objectContaining({ code: "T4_ERR_QUEUE_ARGUMENT", message: expect.stringContaining('TINA4_QUEUE_POLL_INTERVAL must be a number of milliseconds from 10 to 2147483647, got "-1"') }));
    } finally {
      delete process.env.TINA4_QUEUE_POLL_INTERVAL;
    }
  });
});

describe("tina4 worker refuses out-of-range queue settings", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tempDir(), "app");
    expect(runCli(["init", dir, "--yes"], process.cwd()).code).toBe(0);
  }, 120_000);

  it("TINA4_QUEUE_TIMEOUT=-1 exits 1 with the standard message", () => {
    const result = runCli(["worker"], dir, { TINA4_QUEUE_TIMEOUT: "-1", TINA4_QUEUE_POLL_INTERVAL: "0" });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain('TINA4_QUEUE_TIMEOUT must be a number of seconds from 0 to 2147483, got "-1"');
    expect(result.stderr).toContain('TINA4_QUEUE_POLL_INTERVAL must be a number of milliseconds from 10 to 2147483647, got "0"');
  });
});
