// A vitest reporter for CI: writes every outcome .ci/summary.mjs needs to count, to one JSON file.
// vitest's own JSON report leaves out unhandled errors (a rejection after a test passed makes
// vitest exit 1 while every test "passed") and the reason a suite's beforeAll/afterAll failed;
// here each of those is a failure with its message. Skips keep the reason the test printed
// ("[skip] ..." lines, see test/support/services.ts) or the ctx.skip(note).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const firstLines = (text, count = 3) => String(text ?? "").split("\n").map((line) => line.trimEnd()).filter(Boolean).slice(0, count).join("\n");
/** True when a beforeAll/afterAll of the test's suite (or of its file) failed. */
const hookFailed = (test) => {
  for (let parent = test.parent; parent; parent = parent.type === "module" ? undefined : parent.parent) {
    if (parent.errors().length > 0) return true;
  }
  return false;
};
const describeError = (error) => firstLines(error?.message || error?.stack || String(error)) || "(no message)";

export default class CiReporter {
  #outputFile;
  #root = process.cwd();
  #skipReasons = [];

  constructor(options = {}) {
    this.#outputFile = options.outputFile ?? ".ci/vitest-results.json";
  }

  onInit(vitest) {
    this.#root = vitest.config.root;
  }

  onUserConsoleLog(log) {
    for (const line of String(log.content).split("\n")) {
      const reason = /^\[skip\]\s*(.+)$/.exec(line.trim())?.[1];
      if (reason && !this.#skipReasons.includes(reason)) this.#skipReasons.push(reason);
    }
  }

  onTestRunEnd(testModules, unhandledErrors, reason) {
    const result = { reason, passed: 0, failed: 0, skipped: 0, failures: [], skips: [], skipReasons: this.#skipReasons };
    const fail = (where, message) => {
      result.failed++;
      result.failures.push({ where, message });
    };
    for (const module of testModules) {
      const file = relative(this.#root, module.moduleId);
      // errors outside any test: the file did not load, or a top-level hook failed
      for (const error of module.errors()) fail(`${file} (file or top-level hook)`, describeError(error));
      // a describe block's beforeAll/afterAll failed: its tests are reported as skipped, the reason lives here
      for (const suite of module.children.allSuites()) {
        for (const error of suite.errors()) fail(`${file} › ${suite.fullName} (hook)`, describeError(error));
      }
      for (const test of module.children.allTests()) {
        const outcome = test.result();
        const where = `${file} › ${test.fullName}`;
        if (outcome.state === "passed") result.passed++;
        else if (outcome.state === "failed") fail(where, describeError(outcome.errors?.[0]));
        else if (outcome.state === "skipped") {
          result.skipped++;
          result.skips.push({ where, note: outcome.note ?? (hookFailed(test) ? "not run: a hook of its suite failed" : null) });
        } else fail(where, "did not finish (the run was interrupted or the worker died)");
      }
    }
    for (const error of unhandledErrors) {
      const origin = [error.VITEST_TEST_PATH && relative(this.#root, String(error.VITEST_TEST_PATH)), error.VITEST_TEST_NAME].filter(Boolean).join(" › ");
      fail(`unhandled ${error.name ?? "error"}${origin ? ` (during ${origin})` : ""}`, describeError(error));
    }
    if (reason === "interrupted") fail("vitest", "the run was interrupted");
    const path = resolve(this.#root, this.#outputFile);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(result, null, 2));
  }
}
