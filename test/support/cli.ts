import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "..", "..");
export const bin = join(repoRoot, "bin", "tina4");

/** Env for child CLIs: no colour codes, no inherited app settings. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...extra };
  for (const key of Object.keys(env)) if (key.startsWith("TINA4_") && !(key in extra) && !key.startsWith("TINA4_TEST")) delete env[key];
  return env;
}

export function tempDir(prefix = "tina4-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the CLI to completion. */
export function runCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, env: cliEnv(env), encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `tina4 serve` and resolves once it prints its URL. */
export function startServe(cwd: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", ...args], { cwd, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/[\d.:[\]a-z]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output, exited });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
}
