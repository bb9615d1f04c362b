/** The file backend never crashes on bad files and never exposes half-written entries. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { log } from "../../runtime/log.js";
import { StoreBackend } from "../../runtime/cache/backend.js";
import { FileStore } from "../../runtime/cache/backends/file.js";
import { ResilientStore } from "../../runtime/cache/resilient.js";
import { closeAllCaches, createCache } from "../../runtime/cache/index.js";

const dir = mkdtempSync(join(tmpdir(), "tina4-cache-file-"));
afterAll(async () => {
  await closeAllCaches();
  rmSync(dir, { recursive: true, force: true });
});

function open(namespace: string): { cache: StoreBackend; store: FileStore } {
  const store = new FileStore({ namespace, dir });
  return { cache: new StoreBackend(store, 60), store };
}

describe("file backend damage", () => {
  it("peek() declines (a file read is I/O) and get() still answers", async () => {
    const { cache } = open("peek");
    await cache.set("k", 1);
    expect(cache.peek("k")).toBeUndefined();
    expect(await cache.get("k")).toEqual({ hit: true, value: 1 });
  });

  it("a corrupt file is a miss and is removed", async () => {
    const { cache, store } = open("corrupt");
    await cache.set("k", { a: 1 });
    writeFileSync(store.pathFor("k"), "\u0000\u0001garbage that is not an entry");
    expect(await cache.get("k")).toEqual({ hit: false, value: undefined });
    expect(existsSync(store.pathFor("k"))).toBe(false);
  });

  it("a truncated file is a miss, even when the cut leaves valid JSON", async () => {
    const { cache, store } = open("truncated");
    await cache.set("n", 1234567);
    truncateSync(store.pathFor("n"), readFileSync(store.pathFor("n")).length - 3); // value "1234"
    expect((await cache.get("n")).hit).toBe(false);

    await cache.set("big", "x".repeat(100_000));
    truncateSync(store.pathFor("big"), 50_000);
    expect((await cache.get("big")).hit).toBe(false);

    await cache.set("empty", "v");
    truncateSync(store.pathFor("empty"), 0);
    expect((await cache.get("empty")).hit).toBe(false);
  });

  it("a valid entry with a body that is not JSON is a miss", async () => {
    const { cache, store } = open("badjson");
    const key = "k";
    const body = "{not json";
    mkdirSync(store.directory, { recursive: true });
    writeFileSync(store.pathFor(key), `T4C1 0 ${Buffer.byteLength(key)} ${Buffer.byteLength(body)}\n${key}\n${body}`);
    expect((await cache.get(key)).hit).toBe(false);
    await cache.set(key, "fine");
    expect(await cache.get(key)).toEqual({ hit: true, value: "fine" });
  });

  it("size ignores temp files and sweeps expired and damaged ones", async () => {
    const { cache, store } = open("sweep");
    await cache.set("live", 1);
    await cache.set("gone", 2, 0.05);
    await cache.set("bad", 3);
    writeFileSync(store.pathFor("bad"), "nope");
    writeFileSync(`${store.pathFor("x")}.123.abc.tmp`, "half");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await cache.stats()).size).toBe(1);
    expect(readdirSync(store.directory).filter((name) => name.endsWith(".c"))).toHaveLength(1);
  });

  it("writes are atomic under concurrent writers and readers", async () => {
    const { cache } = open("atomic");
    const big = (i: number) => ({ i, pad: String(i).repeat(50_000) });
    const writers = Array.from({ length: 20 }, (_, i) => cache.set("hot", big(i)));
    const readers = Array.from({ length: 40 }, () => cache.get<{ i: number; pad: string }>("hot"));
    const [, reads] = await Promise.all([Promise.all(writers), Promise.all(readers)]);
    for (const read of reads) {
      if (read.hit) expect(read.value.pad).toBe(String(read.value.i).repeat(50_000));
    }
    const final = await cache.get<{ i: number; pad: string }>("hot");
    expect(final.hit).toBe(true);
  });

  it("clear while writing leaves a usable namespace", async () => {
    const { cache } = open("clearrace");
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => cache.set(`k${i}`, i)),
      cache.clear(),
      cache.clear(),
    ]);
    await cache.set("after", true);
    expect(await cache.get("after")).toEqual({ hit: true, value: true });
  });

  it("an unusable folder degrades to misses with a warning instead of throwing", async () => {
    const blocker = join(dir, "not-a-dir");
    writeFileSync(blocker, "a file where the cache folder should be");
    const warn = vi.spyOn(log, "warn");
    const cache = await createCache({ backend: "file", dir: blocker, namespace: "blocked" });
    await expect(cache.set("k", 1)).resolves.toBeUndefined();
    expect((await cache.get("k")).hit).toBe(false);
    expect((await cache.stats()).errors).toBeGreaterThan(0);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("a read-only folder is survivable (root may bypass permissions)", async () => {
    const ro = join(dir, "ro");
    mkdirSync(join(ro, "kv"), { recursive: true });
    chmodSync(join(ro, "kv"), 0o500);
    const cache = new StoreBackend(new ResilientStore(new FileStore({ namespace: "kv", dir: ro }), { timeoutMs: 5000, label: ro, breakerMs: 0 }), 60);
    await expect(cache.set("k", 1)).resolves.toBeUndefined();
    await expect(cache.get("k")).resolves.toBeDefined();
    chmodSync(join(ro, "kv"), 0o700);
  });
});
