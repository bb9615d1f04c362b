/**
 * Expired entries of the file backend leave the disk even when nobody reads their key again:
 * before, get() was the only thing removing them (and stats' size()), so the session of every
 * visitor who left, and of every bot that loaded a login page (TINA4_SESSION_BACKEND=file is what
 * `tina4 init` writes), stayed on disk for ever. A write sweeps the folder, at most once per interval.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileStore } from "../../runtime/cache/backends/file.js";

const dir = mkdtempSync(join(tmpdir(), "tina4-sweep-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files = (store: FileStore) => readdirSync(store.directory).filter((name) => name.endsWith(".c")).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("file backend sweep", () => {
  it("a write removes the expired files of keys nobody reads again; live entries stay", async () => {
    const store = new FileStore({ namespace: "sessions", dir, sweepIntervalMs: 0 });
    for (let i = 0; i < 40; i++) await store.set(`visitor-${i}`, "{}", 50);
    await store.set("forever", "{}", 0);
    await store.set("later", "{}", 60_000);
    await store.close();
    await sleep(80);
    await store.set("one-more", "{}", 60_000);
    await store.close(); // waits for the sweep that write started
    expect(files(store)).toBe(3);
    expect(await store.get("forever")).toBe("{}");
    expect(await store.get("later")).toBe("{}");
  });

  it("sweeps on the first write, then at most once per interval (60 s by default)", async () => {
    const first = new FileStore({ namespace: "leftovers", dir, sweepIntervalMs: 0 });
    for (let i = 0; i < 10; i++) await first.set(`old-${i}`, "{}", 20);
    await first.close();
    await sleep(40);
    // a new process (a restart) cleans what the last one left at its first write
    const store = new FileStore({ namespace: "leftovers", dir });
    await store.set("a", "{}", 20);
    await store.close();
    expect(files(store)).toBe(1);
    await sleep(40);
    await store.set("b", "{}", 60_000);
    await store.close();
    expect(files(store)).toBe(2); // "a" expired, but the next sweep is a minute away
  });
});
