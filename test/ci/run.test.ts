/**
 * .ci/run's last line and exit code agree on every way out: npm ci, tsc or the services
 * failing, vitest dying without a report, failures in the report, and a clean run. The real
 * script runs from a copy of .ci/ with stand-ins for npm, npx and the services script on PATH
 * (so nothing is installed, type-checked or started here).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";

const root = mkdtempSync(join(tmpdir(), "t4-ci-run-"));
const fakeBin = join(root, "fake-bin");
afterAll(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(join(root, ".ci"));
mkdirSync(fakeBin);
for (const file of ["run", "summary.mjs"]) copyFileSync(join(repoRoot, ".ci", file), join(root, ".ci", file));
const script = (name: string, body: string) => {
  writeFileSync(join(fakeBin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(fakeBin, name), 0o755);
};
script("npm", [
  'if [ "$1" = ci ]; then echo "fake npm ci"; exit "${FAKE_NPM_CI:-0}"; fi',
  'if [ "$1 $2" = "run test:full" ]; then',
  '  if [ -n "${FAKE_REPORT:-}" ]; then printf "%s" "$FAKE_REPORT" > .ci/vitest-results.json; fi',
  '  exit "${FAKE_TEST_STATUS:-0}"',
  "fi",
  "exit 99",
].join("\n"));
script("npx", 'echo "fake tsc"; exit "${FAKE_TSC:-0}"');
script("bash", [
  'if [ "$1" = .ci/services.sh ]; then echo "[services] fake start"; exit "${FAKE_SERVICES:-0}"; fi',
  'exec /bin/bash "$@"',
].join("\n"));

function ciRun(env: Record<string, string>) {
  const result = spawnSync("/bin/bash", [join(root, ".ci", "run")], {
    env: { PATH: `${fakeBin}:${process.env.PATH}`, HOME: root, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  const lines = result.stdout.trim().split("\n");
  return { code: result.status, output: result.stdout, last: lines[lines.length - 1] };
}

const report = (passed: number, failures: Array<{ where: string; message: string }> = []) =>
  JSON.stringify({ reason: failures.length ? "failed" : "passed", passed, failed: failures.length, skipped: 0, failures, skips: [], skipReasons: [] });

describe(".ci/run ends with a line that agrees with its exit code", () => {
  it.each([
    ["npm ci fails", { FAKE_NPM_CI: "1" }, "FAILED: npm ci exited with status 1"],
    ["tsc fails", { FAKE_TSC: "2" }, "FAILED: type-check (tsc) exited with status 2"],
    ["the services do not start", { FAKE_SERVICES: "1" }, "FAILED: the database and cache servers did not start"],
    ["vitest dies without a report", { FAKE_TEST_STATUS: "137" }, "FAILED: no test report"],
  ])("%s: 0 passed, 1 failed, exit 1, with the reason", (_name, env, reason) => {
    const run = ciRun(env);
    expect(run.last).toBe("0 passed, 1 failed, 0 skipped");
    expect(run.code).toBe(1);
    expect(run.output).toContain(reason);
  });

  it("an unhandled error in the report: counted, printed, exit 1", () => {
    const run = ciRun({ FAKE_TEST_STATUS: "1", FAKE_REPORT: report(4, [{ where: "unhandled Error (during test/x.test.ts)", message: "late boom" }]) });
    expect(run.last).toBe("4 passed, 1 failed, 0 skipped");
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/FAILED: unhandled Error \(during test\/x\.test\.ts\)\n\s+late boom/);
  });

  it("vitest exits non-zero although the report shows no failure: 1 failed, exit 1", () => {
    const run = ciRun({ FAKE_TEST_STATUS: "1", FAKE_REPORT: report(4) });
    expect(run.last).toBe("4 passed, 1 failed, 0 skipped");
    expect(run.code).toBe(1);
  });

  it("a clean run: N passed, 0 failed, exit 0", () => {
    const run = ciRun({ FAKE_REPORT: report(4) });
    expect(run.last).toBe("4 passed, 0 failed, 0 skipped");
    expect(run.code).toBe(0);
  });
});
