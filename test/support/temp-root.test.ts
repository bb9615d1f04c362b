/**
 * The suite cleans up after itself (test/support/temp-root.ts): run through the suite's own
 * vitest config, test files leave nothing in TMPDIR, a failed file's directory is kept and its
 * path printed, and TINA4_TEST_KEEP_TMP=1 keeps everything.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FAILED_MARKER, KEEP_FAILED_MS } from "./temp-root.js";
import { repoRoot } from "./cli.js";

const fixtures = "test/support/fixtures/temp-cleanup";
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "temp-root-"));
  scratch.push(dir);
  return dir;
}

/** Runs the fixture files under vitest with TMPDIR set to a fresh, empty directory. */
function runFixtures(env: Record<string, string> = {}, tmp = emptyDir()): { tmp: string; code: number | null; output: string } {
  const vitest = join(repoRoot, "node_modules", "vitest", "vitest.mjs");
  const result = spawnSync(process.execPath, [vitest, "run", "--config", `${fixtures}/vitest.config.ts`], {
    cwd: repoRoot,
    env: { ...process.env, TMPDIR: tmp, TINA4_TEST_TMP_ROOT: "", TINA4_TEST_KEEP_TMP: "", NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { tmp, code: result.status, output: result.stdout + result.stderr };
}

describe("temporary files of the test suite", () => {
  it("leaves TMPDIR as it found it when the tests pass (files and spawned processes included)", () => {
    const run = runFixtures();
    expect(run.output).toMatch(/2 passed/);
    expect(run.code).toBe(0);
    expect(readdirSync(run.tmp)).toEqual([]);
  });

  it("keeps the directory of a failed test file, says where, and removes the others", () => {
    const run = runFixtures({ TINA4_TEMP_FIXTURE_FAIL: "1" });
    expect(run.code).not.toBe(0);
    const [root, ...others] = readdirSync(run.tmp);
    expect(others).toEqual([]);
    expect(root).toMatch(/^tina4-test-\d+-/);
    const kept = readdirSync(join(run.tmp, root!));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^failing-/);
    const dir = join(run.tmp, root!, kept[0]!);
    expect(readFileSync(join(dir, FAILED_MARKER), "utf8")).toContain("failing.fixture.ts");
    expect(readdirSync(dir).some((name) => name.startsWith("evidence-"))).toBe(true);
    expect(run.output).toContain(`its temporary files are kept in ${dir}`);
  });

  it("keeps everything with TINA4_TEST_KEEP_TMP=1", () => {
    const run = runFixtures({ TINA4_TEST_KEEP_TMP: "1" });
    expect(run.code).toBe(0);
    const [root] = readdirSync(run.tmp);
    const files = readdirSync(join(run.tmp, root!)).sort();
    expect(files.map((name) => name.replace(/-\w+$/, ""))).toEqual(["failing", "passing"]);
    const passing = join(run.tmp, root!, files[1]!);
    expect(readdirSync(passing).map((name) => name.replace(/-\w+$/, "")).sort()).toEqual(["child", "fixture"]);
    expect(existsSync(join(passing, FAILED_MARKER))).toBe(false);
    expect(run.output).toContain(`[tmp] kept ${join(run.tmp, root!)}`);
  });

  it("removes what earlier, finished runs left: at once when unmarked, a failed file's directory after an hour", () => {
    const tmp = emptyDir();
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!; // a process that has exited
    const leave = (root: string, dir: string, failedAgoMs: number | null): string => {
      const path = join(tmp, root, dir);
      mkdirSync(path, { recursive: true });
      if (failedAgoMs !== null) {
        const marker = join(path, FAILED_MARKER);
        writeFileSync(marker, "x.test.ts\n");
        const when = new Date(Date.now() - failedAgoMs);
        utimesSync(marker, when, when);
      }
      return path;
    };
    const oldFailure = leave(`tina4-test-${gone}-aaaaaa`, "old-AAAAAA", KEEP_FAILED_MS + 60_000);
    const recentFailure = leave(`tina4-test-${gone}-bbbbbb`, "recent-BBBBBB", 60_000);
    const killedRun = leave(`tina4-test-${gone}-cccccc`, "killed-CCCCCC", null);
    const runningRun = leave(`tina4-test-${process.pid}-dddddd`, "running-DDDDDD", null);
    const run = runFixtures({}, tmp);
    expect(run.code).toBe(0);
    expect([oldFailure, recentFailure, killedRun, runningRun].map(existsSync)).toEqual([false, true, false, true]);
    expect(readdirSync(tmp).sort()).toEqual([`tina4-test-${gone}-bbbbbb`, `tina4-test-${process.pid}-dddddd`].sort());
  });
});
