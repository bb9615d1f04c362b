import { defineConfig } from "vitest/config";

// In CI a JSON report is written too, so .ci/run can print the plain "N passed, N failed" line.
const ciReporters = process.env.CI ? [["json", { outputFile: ".ci/vitest-results.json" }] as const] : [];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", ...ciReporters],
  },
});
