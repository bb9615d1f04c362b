/** stressLog(): a stress test's figures go to the log file, and to the output only when that test fails. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runVitestFixture } from "../support/vitest-fixture.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it("keeps a passing test's figures out of the output, prints a failing test's, and files both", () => {
  const logDir = mkdtempSync(join(tmpdir(), "t4-stress-log-"));
  dirs.push(logDir);
  const logFile = join(logDir, "stress.log");
  const helper = JSON.stringify(join(import.meta.dirname, "support", "log.ts"));
  const run = runVitestFixture({
    "figures.test.ts": [
      'import { expect, it } from "vitest";',
      `import { stressLog } from ${helper};`,
      'it("quiet when passing", () => { stressLog("figures-of-the-passing-test"); expect(1).toBe(1); });',
      'it("loud when failing", () => { stressLog("figures-of-the-failing-test"); expect(1).toBe(2); });',
      "",
    ].join("\n"),
  }, { env: { TINA4_STRESS_LOG: logFile } });
  dirs.push(run.dir);
  const output = run.stdout + run.stderr;
  expect(run.status).toBe(1);
  expect(output).toContain("figures-of-the-failing-test");
  expect(output).not.toContain("figures-of-the-passing-test");
  const file = readFileSync(logFile, "utf8");
  expect(file).toContain("figures-of-the-passing-test");
  expect(file).toContain("figures-of-the-failing-test");
}, 60_000);
