/**
 * `--force` names every file it replaces, and `npm run demo` creates the demo only once, so
 * the edits the README invites are never reverted by the next `npm run demo`.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, repoRoot, runCli, tempDir } from "../support/cli.js";

describe("--force", () => {
  it("init --force lists each file it replaces and leaves other files alone", () => {
    const dir = join(tempDir(), "forced");
    mkdirSync(join(dir, "src", "routes", "api", "hello"), { recursive: true });
    writeFileSync(join(dir, "src", "routes", "api", "hello", "get.ts"), "// mine\n");
    writeFileSync(join(dir, "notes.txt"), "keep me");
    const result = runCli(["init", dir, "--yes", "--force"], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("replacing src/routes/api/hello/get.ts");
    expect(result.stderr).not.toContain("package.json"); // created, not replaced
    expect(result.stderr).not.toContain("notes.txt");
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("keep me");
  });

  it("generate --force names the replaced file", () => {
    const app = join(tempDir(), "gen-force");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    expect(runCli(["g", "middleware", "Audit"], app).code).toBe(0);
    const again = runCli(["g", "middleware", "Audit", "--force"], app);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("replaced src/middleware/Audit.ts");
  });
});

/** `npm run demo -- --port 0` in its own process group; resolves with the served URL. */
function runDemo(demoDir: string): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const child = spawn("npm", ["run", "--silent", "demo", "--", "--port", "0"], {
    cwd: repoRoot,
    env: cliEnv({ TINA4_DEMO_DIR: demoDir }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`demo did not start:\n${output}`))), 40_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /server on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, output: () => output, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`demo exited:\n${output}`));
    });
  });
}

describe("npm run demo", () => {
  it("creates the demo once, serves it, and keeps the user's edits on the next run", { timeout: 120_000 }, async () => {
    const demo = join(tempDir(), "demo");
    const first = await runDemo(demo);
    try {
      expect(await (await fetch(`${first.url}/api/hello`)).json()).toEqual({ message: "Hello from tina4!" });
      // init's next steps (cd demo, tina4 serve, :7148) do not apply to an app already served on another port
      expect(first.output()).toMatch(/Created demo in /);
      expect(first.output()).toContain("src/routes/api/hello/get.ts");
      expect(first.output()).not.toContain("Next steps");
      expect(first.output()).not.toContain(":7148");
    } finally {
      await first.stop();
    }
    const route = join(demo, "src", "routes", "api", "hello", "get.ts");
    writeFileSync(route, readFileSync(route, "utf8").replace("Hello from tina4!", "Edited by me"));

    const second = await runDemo(demo);
    try {
      expect(await (await fetch(`${second.url}/api/hello`)).json()).toEqual({ message: "Edited by me" });
      expect(second.output()).toContain("existing demo");
    } finally {
      await second.stop();
    }
    expect(readFileSync(route, "utf8")).toContain("Edited by me");
  });
});
