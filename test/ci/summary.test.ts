/**
 * The CI's last line ("N passed, N failed, N skipped") from .ci/vitest-reporter.mjs and
 * .ci/summary.mjs: a real vitest runs small fixture projects, and the line, its exit code and
 * vitest's exit status must agree, with each failure's reason printed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";
import { runVitestFixture } from "../support/vitest-fixture.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Runs vitest with the CI reporter on `files` (name → source), then the summary; returns both. */
function runFixture(files: Record<string, string>) {
  const vitest = runVitestFixture(files, { reporter: join(repoRoot, ".ci", "vitest-reporter.mjs") });
  made.push(vitest.dir);
  const summary = summarize(join(vitest.dir, "results.json"), vitest.status ?? 1);
  return { vitestStatus: vitest.status, ...summary };
}

function summarize(report: string, status: number) {
  const run = spawnSync(process.execPath, [join(repoRoot, ".ci", "summary.mjs"), report, String(status)], { encoding: "utf8" });
  const lines = run.stdout.trim().split("\n");
  return { code: run.status, output: run.stdout, last: lines[lines.length - 1] };
}

const passing = 'import { it, expect } from "vitest";\nit("adds", () => expect(1 + 1).toBe(2));\n';

describe("CI summary line", () => {
  it("an unhandled rejection after a passing test is a failure, with its message", () => {
    const result = runFixture({
      "late.test.mjs": [
        'import { it, expect } from "vitest";',
        'it("passes, then rejects", async () => {',
        '  setTimeout(() => Promise.reject(new Error("late boom from a timer")), 5);',
        "  await new Promise((r) => setTimeout(r, 50));",
        "  expect(1).toBe(1);",
        "});",
        "",
      ].join("\n"),
    });
    expect(result.vitestStatus).toBe(1);
    expect(result.last).toBe("1 passed, 1 failed, 0 skipped");
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/FAILED: unhandled Error \(during test\/late\.test\.mjs › passes, then rejects\)\n\s+late boom from a timer/);
  }, 60_000);

  it("a failing beforeAll in a describe prints its reason; its tests are skipped with a note", () => {
    const result = runFixture({
      "hook.test.mjs": [
        'import { beforeAll, describe, it, expect } from "vitest";',
        'describe("needs a server", () => {',
        '  beforeAll(() => { throw new Error("server not reachable in beforeAll"); });',
        '  it("never runs", () => expect(1).toBe(1));',
        "});",
        'it("runs", () => expect(1).toBe(1));',
        "",
      ].join("\n"),
    });
    expect(result.vitestStatus).toBe(1);
    expect(result.last).toBe("1 passed, 1 failed, 1 skipped");
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/FAILED: test\/hook\.test\.mjs › needs a server \(hook\)\n\s+server not reachable in beforeAll/);
    expect(result.output).toContain("SKIPPED: test/hook.test.mjs › needs a server > never runs (not run: a hook of its suite failed)");
  }, 60_000);

  it("a file that does not load is a failure with its message", () => {
    const result = runFixture({ "ok.test.mjs": passing, "broken.test.mjs": 'throw new Error("cannot load: missing module foo");\n' });
    expect(result.last).toBe("1 passed, 1 failed, 0 skipped");
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/FAILED: test\/broken\.test\.mjs \(file or top-level hook\)\n\s+cannot load: missing module foo/);
  }, 60_000);

  it("a clean run passes and every skip says why", () => {
    const result = runFixture({
      "ok.test.mjs": passing,
      "skips.test.mjs": [
        'import { it } from "vitest";',
        'console.warn("[skip] no frobnicator server on this machine");',
        'it.skip("static skip", () => undefined);',
        'it("dynamic skip", ({ skip }) => skip("needs a frobnicator"));',
        "",
      ].join("\n"),
    });
    expect(result.vitestStatus).toBe(0);
    expect(result.last).toBe("1 passed, 0 failed, 2 skipped");
    expect(result.code).toBe(0);
    expect(result.output).toContain("SKIPPED: test/skips.test.mjs › dynamic skip (needs a frobnicator)");
    expect(result.output).toMatch(/skip reasons printed by the tests:\n\s+no frobnicator server on this machine/);
  }, 60_000);

  it("no report, or a non-zero vitest status no failure explains, is one failure", () => {
    const dir = mkdtempSync(join(tmpdir(), "t4-ci-summary-"));
    made.push(dir);
    const missing = summarize(join(dir, "absent.json"), 1);
    expect(missing.last).toBe("0 passed, 1 failed, 0 skipped");
    expect(missing.code).toBe(1);
    expect(missing.output).toContain("FAILED: no test report");

    const clean = join(dir, "clean.json");
    writeFileSync(clean, JSON.stringify({ reason: "passed", passed: 3, failed: 0, skipped: 0, failures: [], skips: [], skipReasons: [] }));
    expect(summarize(clean, 0)).toMatchObject({ last: "3 passed, 0 failed, 0 skipped", code: 0 });
    const crashed = summarize(clean, 137);
    expect(crashed).toMatchObject({ last: "3 passed, 1 failed, 0 skipped", code: 1 });
    expect(crashed.output).toContain("exited with status 137");

    const empty = join(dir, "empty.json");
    writeFileSync(empty, JSON.stringify({ reason: "passed", passed: 0, failed: 0, skipped: 0, failures: [], skips: [], skipReasons: [] }));
    expect(summarize(empty, 0)).toMatchObject({ last: "0 passed, 1 failed, 0 skipped", code: 1 });
  });
});
