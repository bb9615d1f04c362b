import { defineConfig } from "vitest/config";

// In CI .ci/vitest-reporter.mjs also writes every outcome (unhandled errors and failed hooks
// included) to a file, so .ci/run can print the plain "N passed, N failed" line.
const ciReporters = process.env.CI ? [["./.ci/vitest-reporter.mjs", { outputFile: ".ci/vitest-results.json" }] as const] : [];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", ...ciReporters],
  },
});
