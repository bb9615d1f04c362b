import { describe, expect, it } from "vitest";
import { nextRequestId, requestIdFor } from "../../runtime/http/request-id.js";

const PER_PREFIX = 36 ** 4;

describe("request ids", () => {
  it("are 12 characters (short enough for V8 to build flat), header-safe and distinct", () => {
    const ids = Array.from({ length: 5000 }, () => nextRequestId()); // crosses three 1,296-id heads
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // one process, one random prefix; the counter makes the rest
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBeLessThanOrEqual(2);
  });

  it("draw a new random prefix when the 4-character counter wraps, so ids never repeat", () => {
    const first = nextRequestId();
    let last = first;
    let allTwelve = true;
    const prefixChanges: string[] = [];
    for (let i = 1; i <= PER_PREFIX; i++) {
      const id = nextRequestId();
      if (id.length !== 12) allTwelve = false;
      if (id.slice(0, 8) !== last.slice(0, 8)) prefixChanges.push(id);
      last = id;
    }
    expect(allTwelve).toBe(true);
    expect(prefixChanges).toHaveLength(1);
    expect(prefixChanges[0]!.slice(8)).toBe("0000"); // the counter restarts with the new prefix
    // PER_PREFIX ids later the counter is back where it was: only the new prefix tells them apart
    expect(last.slice(8)).toBe(first.slice(8));
    expect(last.slice(0, 8)).not.toBe(first.slice(0, 8));
  });

  it("keep a well-formed incoming X-Request-ID and replace anything else", () => {
    expect(requestIdFor("abc-123")).toBe("abc-123");
    expect(requestIdFor("trace:01HZX.7_a")).toBe("trace:01HZX.7_a");
    for (const bad of ["bad id with spaces", "", "x".repeat(129), "a\nb", "é"]) {
      const id = requestIdFor(bad);
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    }
    expect(requestIdFor(["a", "b"])).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(requestIdFor(undefined)).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });
});
