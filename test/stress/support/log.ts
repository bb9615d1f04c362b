/**
 * Stress tests produce figures (throughput, latencies, recovery times) and server output that
 * explain a failure but flood the test output when all is well. stressLog() appends them to a
 * file (.ci/stress.log, or TINA4_STRESS_LOG) and prints them only if the running test fails.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, onTestFailed } from "vitest";
import { repoRoot } from "../../support/cli.js";

export const stressLogFile = process.env.TINA4_STRESS_LOG ?? join(repoRoot, ".ci", "stress.log");

/** Lines logged by each test that is still running, printed by its failure handler. */
const byTest = new Map<string, string[]>();

export function stressLog(text: string): void {
  const test = expect.getState().currentTestName ?? "(outside a test)";
  mkdirSync(dirname(stressLogFile), { recursive: true });
  appendFileSync(stressLogFile, `[${new Date().toISOString()}] ${expect.getState().testPath ?? ""} › ${test}\n${text.trimEnd()}\n\n`);
  let lines = byTest.get(test);
  if (!lines) {
    const collected: string[] = [];
    lines = collected;
    byTest.set(test, collected);
    try {
      onTestFailed(() => console.log(`${test} failed; its stress log (also in ${stressLogFile}):\n${collected.join("\n")}`));
    } catch {
      // not inside a running test (a hook): the file has it
    }
  }
  lines.push(text.trimEnd());
}
