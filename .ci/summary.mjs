// Prints the plain "N passed, N failed, N skipped" line the CI reads, from vitest's JSON report.
// A test file that failed to load counts as one failure. Exits non-zero on any failure or when no test ran.
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? ".ci/vitest-results.json";
let report;
try {
  report = JSON.parse(readFileSync(path, "utf8"));
} catch (error) {
  console.log(`vitest report missing (${error.message})`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
// A file can fail without a failing test (it did not load, or a beforeAll/afterAll hook failed).
const fileFailures = (report.testResults ?? []).filter((file) => file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed"));
const loadFailures = fileFailures.length;
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + loadFailures;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    if (test.status === "failed") console.log(`FAILED: ${file.name.replace(process.cwd() + "/", "")} › ${test.fullName}`);
  }
  if (fileFailures.includes(file)) console.log(`FAILED (file or hook): ${file.name.replace(process.cwd() + "/", "")}: ${(file.message ?? "").split("\n")[0]}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
