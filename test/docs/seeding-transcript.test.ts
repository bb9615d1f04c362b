/**
 * docs/seeding.md shows a `tina4 migrate:fresh --seed` session: its lines must be what the
 * command prints (on a terminal, for the app the page's first block makes), times and the
 * migration's timestamp aside. It showed "Dropped 4 objects" naming three, in another order.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bin, cliEnv, runCli, tempDir } from "../support/cli.js";

const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "seeding.md"), "utf8");

const normalise = (text: string) =>
  text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
    .replace(/\d+ ms/g, "N ms")
    .replace(/\b\d{14}_/g, "TIMESTAMP_");

describe("docs/seeding.md's migrate:fresh session", () => {
  it("is what tina4 migrate:fresh --seed prints on a terminal", () => {
    const fence = doc.indexOf("```\n$ tina4 migrate:fresh --seed\n");
    expect(fence).toBeGreaterThan(0);
    const shown = doc.slice(fence + 4, doc.indexOf("```", fence + 4)).split("\n").slice(1, -1);

    const app = join(tempDir(), "shop");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    for (const args of [["generate", "model", "Product", "name:string:required", "price:float"], ["generate", "seeder", "01_products", "--model", "Product"], ["migrate"]]) {
      const step = runCli(args, app);
      expect(step.code, step.stdout + step.stderr).toBe(0);
    }
    const run = spawnSync("python3", [join(import.meta.dirname, "..", "support", "drive_tty.py"), JSON.stringify([["(y/N)", "y"]]), process.execPath, bin, "migrate:fresh", "--seed"], {
      cwd: app,
      env: cliEnv({}),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stdout).toBe(0);
    const printed = normalise(run.stdout).split(/\r?\n/).map((line) => line.trimEnd());
    // the prompt line is redrawn with the answer after it: compare up to the question's end
    let at = 0;
    for (const line of shown.map(normalise)) {
      const want = line.startsWith("? ") ? line.slice(0, line.indexOf(" › ")) : line;
      const found = printed.findIndex((candidate, index) => index >= at && (line.startsWith("? ") ? candidate.includes(want) : candidate === want));
      expect(found, `docs line not printed (in order): ${JSON.stringify(line)}\n--- printed:\n${printed.join("\n")}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  }, 90_000);
});
