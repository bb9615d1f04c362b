/**
 * Dev `tina4 serve` names migrations the database has not applied (after `generate model`
 * without `tina4 migrate`, the first sign was a "no such table" 500); once applied, it is quiet.
 */
import { afterEach, describe, expect, it } from "vitest";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { runCli, startServe, tempDir } from "../support/cli.js";

let running: { child: ChildProcess; exited: Promise<number | null> } | null = null;
afterEach(async () => {
  if (running && running.child.exitCode === null) running.child.kill("SIGTERM");
  await running?.exited;
  running = null;
});

async function serveOutput(app: string, until: RegExp): Promise<string> {
  const served = await startServe(app);
  running = served;
  const deadline = Date.now() + 5_000;
  while (!until.test(served.output()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 300)); // the check runs alongside the start
  served.child.kill("SIGTERM");
  await served.exited;
  return served.output();
}

describe("tina4 serve (dev) and pending migrations", () => {
  it("warns with the pending names and the command, then says nothing once they are applied", async () => {
    const app = join(tempDir("tina4-pending-"), "app");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    expect(runCli(["generate", "model", "Note", "--fields", "body:string"], app).code).toBe(0);

    const before = await serveOutput(app, /not applied yet/);
    expect(before).toMatch(/1 migration is not applied yet \(\d{14}_create_notes\): run tina4 migrate/);

    expect(runCli(["migrate"], app).code).toBe(0);
    const after = await serveOutput(app, /dev server on/);
    expect(after).toContain("dev server on");
    expect(after).not.toContain("not applied yet");
  }, 60_000);

  it("a deleted migration file is reported as removed, with a warning when the database had applied it", async () => {
    const app = join(tempDir("tina4-pending-"), "app");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    expect(runCli(["generate", "model", "Note", "--fields", "body:string"], app).code).toBe(0);
    expect(runCli(["migrate"], app).code).toBe(0);
    expect(runCli(["generate", "migration", "draft"], app).code).toBe(0);
    const file = (suffix: string) => readdirSync(join(app, "migrations")).find((name) => name.endsWith(suffix))!;
    const draft = file("_draft.sql");
    const notes = file("_create_notes.sql");

    const served = await startServe(app);
    running = served;
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(served.output()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(served.output()).toMatch(pattern);
    };
    await waitFor(/dev server on/);
    rmSync(join(app, "migrations", draft));
    await waitFor(/migration removed \(migrations\/\d{14}_draft\.sql\): it was not applied, nothing to undo/);
    rmSync(join(app, "migrations", notes));
    await waitFor(/migration removed \(migrations\/\d{14}_create_notes\.sql\), but the database applied \d{14}_create_notes: deleting the file does not undo it\. Restore the file and run tina4 migrate:rollback/);
    expect(served.output()).not.toMatch(/migration changed/);
  }, 60_000);

  it("says nothing for an app without migrations", async () => {
    const app = join(tempDir("tina4-pending-"), "app");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    const output = await serveOutput(app, /dev server on/);
    expect(output).toContain("dev server on");
    expect(output).not.toContain("not applied yet");
  }, 60_000);
});
