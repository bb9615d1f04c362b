/**
 * Runs a real, nested vitest on a small fixture project (files: name under test/ → source),
 * for tests of the test tooling itself (CI reporter, stress log). The fixture shares the
 * repository's node_modules; `reporter` is an absolute reporter path (or "default").
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./cli.js";

export interface FixtureRun {
  dir: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Env for a nested vitest: none of the calling worker's VITEST_* state. */
function nestedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  for (const key of Object.keys(env)) if (key.startsWith("VITEST") || key === "NODE_OPTIONS") delete env[key];
  return env;
}

export function runVitestFixture(files: Record<string, string>, options: { reporter?: string; env?: Record<string, string> } = {}): FixtureRun {
  const dir = mkdtempSync(join(tmpdir(), "t4-vitest-fixture-"));
  mkdirSync(join(dir, "test"));
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  const reporters = options.reporter ? `[[${JSON.stringify(options.reporter)}, { outputFile: "results.json" }]]` : `["default"]`;
  writeFileSync(join(dir, "vitest.config.mjs"),
    `export default { test: { include: ["test/*.test.{mjs,ts}"], pool: "forks", reporters: ${reporters} } };\n`);
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, "test", name), source);
  const run = spawnSync(process.execPath, [join(repoRoot, "node_modules", "vitest", "vitest.mjs"), "run"], {
    cwd: dir, env: nestedEnv(options.env ?? {}), encoding: "utf8", timeout: 60_000,
  });
  return { dir, status: run.status, stdout: run.stdout, stderr: run.stderr };
}
