import { describe, expect, it } from "vitest";
import { LocalEntries } from "../../runtime/middleware/response-cache-local.js";

const entry = (v: string, size: number) => ({ v, b: "x".repeat(size) });

describe("responseCache's decoded copies (LocalEntries)", () => {
  it("answers only for the version asked", () => {
    const local = new LocalEntries<{ v?: string; b: string }>();
    local.set("/a", entry("one", 3));
    expect(local.get("/a", "one")?.b).toBe("xxx");
    expect(local.get("/a", "two")).toBeUndefined();
    expect(local.get("/b", "one")).toBeUndefined();
  });

  it("keeps at most N copies, dropping the oldest", () => {
    const local = new LocalEntries<{ v?: string; b: string }>(2, 1_000);
    local.set("/1", entry("v", 1));
    local.set("/2", entry("v", 1));
    local.set("/3", entry("v", 1));
    expect(local.get("/1", "v")).toBeUndefined();
    expect(local.get("/3", "v")).toBeDefined();
    expect(local.size).toEqual({ entries: 2, chars: 2 });
  });

  it("bounds the bodies' total size, replaces a URL's copy without counting it twice, never keeps one larger than the bound", () => {
    const local = new LocalEntries<{ v?: string; b: string }>(100, 10);
    local.set("/a", entry("1", 4));
    local.set("/a", entry("2", 4));
    expect(local.size).toEqual({ entries: 1, chars: 4 });
    local.set("/b", entry("1", 4));
    local.set("/c", entry("1", 4)); // 12 > 10: the oldest (/a) goes
    expect(local.get("/a", "2")).toBeUndefined();
    expect(local.size).toEqual({ entries: 2, chars: 8 });
    local.set("/huge", entry("1", 11));
    expect(local.get("/huge", "1")).toBeUndefined();
    expect(local.size.chars).toBeLessThanOrEqual(10);
    local.clear();
    expect(local.size).toEqual({ entries: 0, chars: 0 });
  });
});
