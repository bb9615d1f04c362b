// Prints the plain "N passed, N failed, N skipped" line the CI reads, from the report written by
// .ci/vitest-reporter.mjs, after one line per failure (with its message) and per skip (with why).
//   node .ci/summary.mjs [report.json] [vitest exit status]
// The exit code always agrees with the line: 1 exactly when it says "N failed" with N > 0.
// A missing report, a run where no test ran, and a non-zero vitest exit status that no
// reported failure explains each count as one failure.
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? ".ci/vitest-results.json";
const status = process.argv[3] === undefined ? 0 : Number(process.argv[3]);

const indent = (text) => String(text).split("\n").map((line) => `    ${line}`).join("\n");

function finish(passed, failed, skipped) {
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 ? 1 : 0);
}

let report;
try {
  report = JSON.parse(readFileSync(path, "utf8"));
} catch (error) {
  console.log(`FAILED: no test report (${error.message}): the build or vitest failed before reporting (see above)`);
  finish(0, 1, 0);
}

const failures = [...(report.failures ?? [])];
if (report.passed === 0 && failures.length === 0) failures.push({ where: "vitest", message: "no test ran" });
if (status !== 0 && failures.length === 0) {
  failures.push({ where: "vitest", message: `exited with status ${status} although no test failed (see its output above)` });
}

for (const skip of report.skips ?? []) console.log(`SKIPPED: ${skip.where}${skip.note ? ` (${skip.note})` : ""}`);
if ((report.skipReasons ?? []).length > 0) {
  console.log("skip reasons printed by the tests:");
  for (const reason of report.skipReasons) console.log(indent(reason));
}
for (const failure of failures) console.log(`FAILED: ${failure.where}\n${indent(failure.message)}`);
finish(report.passed ?? 0, failures.length, report.skipped ?? 0);
