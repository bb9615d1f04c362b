import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../support/cli.js";

const repoRoot = resolve(import.meta.dirname, "..", "..");

/** What `npm install` would give the app's devDependencies, linked from this repo instead of downloaded. */
function linkDevDependencies(app: string): void {
  for (const pkg of ["typescript", "vitest", "@types/node"]) {
    const target = join(app, "node_modules", pkg);
    mkdirSync(join(target, ".."), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", pkg), target, "dir");
  }
}

describe("a generated app's own tests", () => {
  it("pass with vitest through testClient(), and open no port", () => {
    const app = join(mkdtempSync(join(tmpdir(), "tina4-ops-app-")), "app");
    const init = runCli(["init", app, "--yes"], process.cwd());
    expect(init.code, init.stderr).toBe(0);
    linkDevDependencies(app);
    // any listen() in the test process fails the run: the client must not need a port
    const guard = join(app, "no-listen.mjs");
    writeFileSync(guard, 'import net from "node:net";\nnet.Server.prototype.listen = function () { throw new Error("a port was opened"); };\n');
    const vitest = spawnSync(process.execPath, [join(app, "node_modules", "vitest", "vitest.mjs"), "run", "--pool", "forks"], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: `--import ${guard}`, NO_COLOR: "1", CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "", NODE_ENV: "" },
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/2 passed/);
    const tsc = spawnSync(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", join(app, "tsconfig.json")], { cwd: app, encoding: "utf8" });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  }, 120_000);
});
