/** A configured backend whose npm driver is not installed → one warning, file cache. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";

vi.mock("../../runtime/drivers.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../runtime/drivers.js")>();
  return { ...actual, loadDriver: async () => null };
});

const { log } = await import("../../runtime/log.js");
const { closeAllCaches, createCache } = await import("../../runtime/cache/index.js");
const dir = mkdtempSync(join(tmpdir(), "tina4-cache-nodriver-"));
afterAll(async () => {
  await closeAllCaches();
  rmSync(dir, { recursive: true, force: true });
});

it.each([
  ["redis", "redis://127.0.0.1:6379", "redis"],
  ["memcached", "memcached://127.0.0.1:11211", "memjs"],
  ["mongodb", "mongodb://127.0.0.1:27017/x", "mongodb"],
] as const)("%s without its driver falls back to file, naming the package", async (backend, url, pkg) => {
  const warn = vi.spyOn(log, "warn");
  const cache = await createCache({ backend, url, dir, namespace: `nodriver-${backend}` });
  expect(cache.backend).toBe("file");
  const messages = warn.mock.calls.map(([m]) => String(m));
  expect(messages).toHaveLength(1);
  expect(messages[0]).toContain(`npm install ${pkg}`);
  await cache.set("k", 0);
  expect(await cache.get("k")).toEqual({ hit: true, value: 0 });
  warn.mockRestore();
});
