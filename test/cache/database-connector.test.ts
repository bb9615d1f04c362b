/**
 * The `database` cache backend reaches SQL only through the connector the database layer
 * provides when it loads (runtime/cache never imports runtime/db). This file imports the
 * cache alone first, so the connector is missing until the database layer is imported.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { log } from "../../runtime/log.js";
import { closeAllCaches, createCache } from "../../runtime/cache/index.js";

const dir = mkdtempSync(join(tmpdir(), "tina4-cache-connector-"));
afterAll(async () => {
  await closeAllCaches();
  rmSync(dir, { recursive: true, force: true });
});

describe("database cache backend without and with the database layer", () => {
  it("falls back to file with a warning naming the missing layer, then works once runtime/db is loaded", async () => {
    const warn = vi.spyOn(log, "warn");
    const before = await createCache({ backend: "database", url: `sqlite:${join(dir, "a.db")}`, namespace: "kv", dir });
    expect(before.backend).toBe("file");
    const warnings = warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes("falling back to the file cache"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("needs tina4's database layer");
    warn.mockRestore();

    await import("../../runtime/db/index.js");
    const after = await createCache({ backend: "database", url: `sqlite:${join(dir, "b.db")}`, namespace: "kv", dir });
    expect(after.backend).toBe("database");
    await after.set("k", { n: 1 });
    expect(await after.get("k")).toEqual({ hit: true, value: { n: 1 } });
  });
});
