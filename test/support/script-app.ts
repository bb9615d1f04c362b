import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { cliEnv, repoRoot, runCli, tempDir } from "./cli.js";

/** Links `node_modules/tina4` of `app` to this repo, so that a plain `node` resolves the app's `tina4` import. */
export function linkTina4(app: string): void {
  mkdirSync(join(app, "node_modules"), { recursive: true });
  if (!existsSync(join(app, "node_modules", "tina4"))) symlinkSync(repoRoot, join(app, "node_modules", "tina4"), "dir");
}

/** `tina4 init` of a fresh app in a temporary folder named `<prefix>*`, its `tina4` import linked to this repo. */
export function initLinkedApp(prefix: string): string {
  const app = join(tempDir(prefix), "app");
  const init = runCli(["init", app, "--yes"], process.cwd());
  expect(init.code, init.stderr).toBe(0);
  linkTina4(app);
  return app;
}

export interface ScriptRun {
  code: number | null;
  /** False when the script was still running after the limit (then killed). */
  exitedInTime: boolean;
  /** stdout and stderr as they came. */
  output: string;
}

/**
 * Runs `node <file>` in `cwd` with the CLI tests' env plus `env`, killed after `limitMs`: for a
 * script that must end by itself (vitest kills its workers, so it would hide a leak).
 */
export function runNodeScript(cwd: string, file: string, env: Record<string, string>, limitMs: number): Promise<ScriptRun> {
  const child = spawn(process.execPath, [file], { cwd, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, exitedInTime: signal === null, output });
    });
  });
}
