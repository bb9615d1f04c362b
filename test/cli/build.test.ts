import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../support/cli.js";

describe("tina4 build", () => {
  it("bundles a fresh app and says how to start it", () => {
    const app = join(tempDir("tina4-build-"), "app");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    const built = runCli(["build"], app);
    expect(built.code, built.stderr).toBe(0);
    expect(existsSync(join(app, "dist", "server.mjs"))).toBe(true);
    expect(built.stdout).toMatch(/built dist\/server\.mjs/);
    expect(built.stdout).toMatch(/Start it:\s+tina4 serve --production/);
  });
});
