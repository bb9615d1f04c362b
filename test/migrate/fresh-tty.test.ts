/**
 * `tina4 migrate:fresh` on a terminal (a pty, test/support/drive_tty.py) asks before dropping:
 * "no" keeps every table and row and exits 1; "yes" rebuilds.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { bin, cliEnv } from "../support/cli.js";
import { freshDatabase, runCliAsync, type FreshDatabase } from "./engines.js";
import { contents, seedApp, seederSource, writeSeeders } from "../seed/fixture.js";

function onTerminal(cwd: string, steps: Array<[string, string]>, args: string[], env: Record<string, string>) {
  const result = spawnSync("python3", [join(import.meta.dirname, "..", "support", "drive_tty.py"), JSON.stringify(steps), process.execPath, bin, ...args], {
    cwd,
    env: cliEnv(env),
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe("tina4 migrate:fresh on a terminal", () => {
  let fresh: FreshDatabase;
  let root: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    fresh = await freshDatabase("sqlite", "freshtty");
    root = seedApp("sqlite");
    env = { TINA4_DATABASE_URL: fresh.url };
    writeSeeders(root, { "01_family.ts": seederSource("precious") });
    expect((await runCliAsync(["migrate"], root, env)).code).toBe(0);
    expect((await runCliAsync(["db:seed"], root, env)).code).toBe(0);
  });
  afterAll(async () => {
    await fresh?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it("asks, naming what it would drop; answering no keeps the data and exits 1", async () => {
    const result = onTerminal(root, [["and run every migration again?", "n"]], ["migrate:fresh"], env);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/Drop everything in sqlite:.*\(\d+ objects: .*parent/);
    expect(result.output).toContain("Cancelled: nothing was dropped");
    expect(await contents(fresh.url)).toEqual({ parents: ["precious"], children: 1 });
  });

  it("on a SQLite file that does not exist yet, asks without creating it; no leaves no file behind", () => {
    const file = join(root, "data", "not-yet.db");
    const result = onTerminal(root, [["create it and run every migration?", "n"]], ["migrate:fresh"], { TINA4_DATABASE_URL: `sqlite:${file}` });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain("There is no database at sqlite:");
    expect(result.output).toContain("Cancelled: nothing was dropped");
    expect(existsSync(file)).toBe(false);
  });

  it("answering yes drops (the extra row goes), migrates and (with --seed) seeds", async () => {
    const db = await Database.connect(fresh.url);
    await db.insert("parent", { name: "extra" });
    await db.close();
    const result = onTerminal(root, [["and run every migration again?", "y"]], ["migrate:fresh", "--seed"], env);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("Applied 2 migrations (batch 1)");
    expect(await contents(fresh.url)).toEqual({ parents: ["precious"], children: 1 });
  });
});
