/**
 * A plain script (or a `node --test` file) using testClient() must end on its own after
 * `await client.close()`: close() releases what the app opened — the PostgreSQL pool of a route
 * file's `Database.connect()`, the Redis connection of the KV cache — as a graceful shutdown
 * does. vitest hides a leak (it kills its workers), so the script runs in a child `node`.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, repoRoot, runCli, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";

const postgres = serviceUrl("POSTGRES");
const redis = serviceUrl("REDIS");

function runScript(cwd: string, file: string, env: Record<string, string>, limitMs: number): Promise<{ code: number | null; exitedInTime: boolean; output: string }> {
  const child = spawn(process.execPath, [file], { cwd, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
    }, limitMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, exitedInTime: signal === null, output });
    });
  });
}

describe.skipIf(!postgres || !redis)("testClient().close() lets the process exit", () => {
  it("a script that requests a PostgreSQL route and a Redis-cache route, then closes, exits by itself with code 0", async () => {
    const app = join(tempDir("tina4-tc-exit-"), "app");
    const init = runCli(["init", app, "--yes"], process.cwd());
    expect(init.code, init.stderr).toBe(0);
    // a plain `node` resolves the app's `tina4` import from node_modules (init links it when it can)
    mkdirSync(join(app, "node_modules"), { recursive: true });
    if (!existsSync(join(app, "node_modules", "tina4"))) symlinkSync(repoRoot, join(app, "node_modules", "tina4"), "dir");
    writeFileSync(join(app, "src", "routes", "db.ts"), [
      'import { get, Database, cacheGet, cacheSet } from "tina4";',
      "const db = await Database.connect();",
      'get("/db", async () => (await db.fetchOne("SELECT 41 + 1 AS answer")) ?? {});',
      'get("/cache", async () => { await cacheSet("tc-exit", 7); return { cached: await cacheGet("tc-exit") }; });',
      "",
    ].join("\n"));
    writeFileSync(join(app, "script.mjs"), [
      'import { testClient } from "tina4";',
      "const client = await testClient();",
      'console.log("db", (await client.get("/db")).text());',
      'console.log("cache", (await client.get("/cache")).text());',
      "await client.close();",
      'console.log("closed");',
      "",
    ].join("\n"));
    const result = await runScript(app, "script.mjs", {
      TINA4_DATABASE_URL: postgres!,
      TINA4_CACHE_BACKEND: "redis",
      TINA4_CACHE_URL: redis!,
    }, 5_000);
    expect(result.output).toContain('db {"answer":42}');
    expect(result.output).toContain('cache {"cached":7}');
    expect(result.output).toContain("closed");
    expect(result.exitedInTime, `still running 5 s later:\n${result.output}`).toBe(true);
    expect(result.code, result.output).toBe(0);
  }, 60_000);
});
