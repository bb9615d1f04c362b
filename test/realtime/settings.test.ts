/**
 * Realtime settings out of their range stop the start with the standard message (they used to
 * be accepted: TINA4_WS_PING=-1 silently turned pings off, TINA4_WS_MAX_CONNECTIONS=0 refused
 * every upgrade with 503, TINA4_WS_MAX_MESSAGE=0 failed at the first route's registration).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { ConfigError } from "../../runtime/config/errors.js";
import { validateSettings } from "../../runtime/config/settings.js";
import { runCli, tempDir } from "../support/cli.js";

function problems(env: Record<string, string>): string {
  try {
    validateSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("T4_ERR_CONFIG_BAD_VALUE");
    return (error as Error).message;
  }
  return "";
}

describe("realtime settings are checked against their range at startup", () => {
  it("refuses negative durations, zero or negative sizes and counts, and delays node's timers cannot take", () => {
    const message = problems({
      TINA4_WS_PING: "-1",
      TINA4_SSE_HEARTBEAT: "-15",
      TINA4_PUBSUB_CONNECT_TIMEOUT: "0",
      TINA4_WS_MAX_MESSAGE: "0",
      TINA4_WS_MAX_BUFFERED: "-1024",
      TINA4_WS_MAX_CONNECTIONS: "0",
      TINA4_SSE_MAX_BUFFERED: "1.5",
    });
    expect(message).toContain('TINA4_WS_PING must be a number of seconds from 0 to 2147483, got "-1"');
    expect(message).toContain('TINA4_SSE_HEARTBEAT must be a number of seconds from 0 to 2147483, got "-15"');
    expect(message).toContain('TINA4_PUBSUB_CONNECT_TIMEOUT must be a number of milliseconds from 1 to 2147483647, got "0"');
    expect(message).toContain('TINA4_WS_MAX_MESSAGE must be an integer of at least 1, got "0"');
    expect(message).toContain('TINA4_WS_MAX_BUFFERED must be an integer of at least 1, got "-1024"');
    expect(message).toContain('TINA4_WS_MAX_CONNECTIONS must be an integer of at least 1, got "0"');
    expect(message).toContain('TINA4_SSE_MAX_BUFFERED must be an integer of at least 1, got "1.5"');
    // a ping every 30 days would overflow setInterval and fire every millisecond
    expect(problems({ TINA4_WS_PING: String(30 * 86_400) })).toContain("TINA4_WS_PING must be a number of seconds from 0 to 2147483");
  });

  it("accepts the edges: 0 turns pings and heartbeats off, one connection, one byte", () => {
    expect(problems({ TINA4_WS_PING: "0", TINA4_SSE_HEARTBEAT: "0", TINA4_PUBSUB_CONNECT_TIMEOUT: "1", TINA4_WS_MAX_MESSAGE: "1", TINA4_WS_MAX_BUFFERED: "1", TINA4_WS_MAX_CONNECTIONS: "1", TINA4_SSE_MAX_BUFFERED: "1" })).toBe("");
    expect(problems({ TINA4_WS_PING: "2147483", TINA4_SSE_HEARTBEAT: "2.5" })).toBe("");
  });
});

describe("tina4 serve refuses out-of-range realtime settings", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tempDir(), "app");
    expect(runCli(["init", dir, "--yes"], process.cwd()).code).toBe(0);
  }, 120_000);

  it("TINA4_WS_PING=-1 exits 1 with the standard message, before the server starts", () => {
    const result = runCli(["serve", "--production", "--port", "0"], dir, { TINA4_WS_PING: "-1", TINA4_WS_MAX_CONNECTIONS: "0", TINA4_SECRET: "a".repeat(64) });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain('TINA4_WS_PING must be a number of seconds from 0 to 2147483, got "-1"');
    expect(result.stderr).toContain('TINA4_WS_MAX_CONNECTIONS must be an integer of at least 1, got "0"');
    expect(result.stdout).not.toContain("production server on");
  });
});
