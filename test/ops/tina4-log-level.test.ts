import { afterEach, describe, expect, it, vi } from "vitest";
import { configureLogger } from "../../runtime/ops/logger.js";
import { log } from "../../runtime/log.js";

// tina4's own messages in the readable format (dev) go to stderr as `[tina4] LEVEL …` lines.
function stderrOf(run: () => void): string {
  let out = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => {
  delete process.env.TINA4_LOG_LEVEL;
  configureLogger();
});

describe("tina4's own messages in the readable format follow TINA4_LOG_LEVEL", () => {
  it("fatal keeps warnings and errors out (they were printed, as if the level were info)", () => {
    process.env.TINA4_LOG_LEVEL = "fatal";
    configureLogger({ format: "pretty" });
    expect(stderrOf(() => (log.warn("cache down"), log.error("boom")))).toBe("");
  });

  it("trace shows debug messages (they were hidden, as if the level were info)", () => {
    process.env.TINA4_LOG_LEVEL = "trace";
    configureLogger({ format: "pretty" });
    expect(stderrOf(() => log.debug("database ready"))).toContain("[tina4] DEBUG database ready");
  });

  it("configureLogger({ level }) applies to them as it does to the JSON records", () => {
    configureLogger({ format: "pretty", level: "error" });
    expect(stderrOf(() => log.warn("cache down"))).toBe("");
    expect(stderrOf(() => log.error("boom"))).toContain("[tina4] ERROR boom");
  });
});
