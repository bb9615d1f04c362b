/**
 * The dist/ build lock (cli/bundle/build-lock.ts): builds wait for each other, a lock whose
 * holder died or stopped refreshing it is taken over, and the lock goes away after a build
 * whether it succeeded or threw.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUILD_LOCK_FILE, withBuildLock } from "../../cli/bundle/build-lock.js";
import { tempDir as makeTempDir } from "../support/cli.js";

const roots: string[] = [];
const tempDir = (prefix: string) => {
  roots.push(makeTempDir(prefix));
  return roots.at(-1)!;
};
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function plantLock(root: string, holder: { pid: number; host: string }, ageMs = 0): string {
  const file = join(root, "dist", BUILD_LOCK_FILE);
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(file, JSON.stringify(holder));
  const at = new Date(Date.now() - ageMs);
  utimesSync(file, at, at);
  return file;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("dist/ build lock", () => {
  it("runs one build at a time: the second waits, says for whom, then runs", async () => {
    const root = tempDir("tina4-lock-");
    const events: string[] = [];
    const waits: string[] = [];
    const build = (name: string) => async () => {
      events.push(`${name} start`);
      await sleep(300);
      events.push(`${name} end`);
      return name;
    };
    const first = withBuildLock(root, (h) => waits.push(`a:${h}`), build("a"));
    await sleep(20);
    const second = withBuildLock(root, (h) => waits.push(`b:${h}`), build("b"));
    expect(await Promise.all([first, second])).toEqual(["a", "b"]);
    expect(events).toEqual(["a start", "a end", "b start", "b end"]);
    expect(waits).toEqual([`b:pid ${process.pid}`]);
    expect(existsSync(join(root, "dist", BUILD_LOCK_FILE))).toBe(false);
  });

  it("removes the lock when the build throws, and passes the error on", async () => {
    const root = tempDir("tina4-lock-");
    await expect(withBuildLock(root, () => undefined, async () => {
      throw new Error("bundle failed");
    })).rejects.toThrow("bundle failed");
    expect(existsSync(join(root, "dist", BUILD_LOCK_FILE))).toBe(false);
    expect(await withBuildLock(root, () => undefined, async () => "next")).toBe("next");
  });

  it("takes over at once a lock whose holder on this machine is dead", async () => {
    const root = tempDir("tina4-lock-");
    plantLock(root, { pid: deadPid(), host: hostname() });
    const waits: string[] = [];
    const started = Date.now();
    expect(await withBuildLock(root, (h) => waits.push(h), async () => "built")).toBe("built");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(waits).toEqual([]);
  });

  it("waits on a fresh lock of another machine, and takes it over once it stops being refreshed", async () => {
    const root = tempDir("tina4-lock-");
    const file = plantLock(root, { pid: process.pid, host: "elsewhere.example" });
    const waits: string[] = [];
    let built = false;
    const done = withBuildLock(root, (h) => waits.push(h), async () => (built = true));
    await sleep(600);
    expect(built).toBe(false);
    expect(waits).toEqual([`pid ${process.pid} on elsewhere.example`]);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old); // its holder stopped refreshing it a minute ago
    await done;
    expect(built).toBe(true);
  });

  it("keeps the lock fresh while a long build runs, so no one takes it over", async () => {
    const root = tempDir("tina4-lock-");
    const file = join(root, "dist", BUILD_LOCK_FILE);
    let mtimeDuring = 0;
    await withBuildLock(root, () => undefined, async () => {
      const old = new Date(Date.now() - 60_000);
      utimesSync(file, old, old);
      await sleep(2_600); // past one heartbeat
      mtimeDuring = statSync(file).mtimeMs;
    });
    expect(Date.now() - mtimeDuring).toBeLessThan(5_000);
  });
});
