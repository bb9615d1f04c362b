import { defineConfig } from "vitest/config";

// In CI .ci/vitest-reporter.mjs also writes every outcome (unhandled errors and failed hooks
// included) to a file, so .ci/run can print the plain "N passed, N failed" line.
const ciReporters: [string, { outputFile: string }][] = process.env.CI ? [["./.ci/vitest-reporter.mjs", { outputFile: ".ci/vitest-results.json" }]] : [];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // each test file writes its temporary files under one per-run parent, removed when the run ends
    // (kept for a failed file, or all with TINA4_TEST_KEEP_TMP=1): test/support/temp-root.ts
    globalSetup: ["./test/support/temp-global.ts"],
    setupFiles: ["./test/support/temp-per-file.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", ...ciReporters],
  },
});
