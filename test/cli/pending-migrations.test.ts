/**
 * Dev `tina4 serve` names migrations the database has not applied (after `generate model`
 * without `tina4 migrate`, the first sign was a "no such table" 500); once applied, it is quiet.
 */
import { afterEach, describe, expect, it } from "vitest";
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

  it("says nothing for an app without migrations", async () => {
    const app = join(tempDir("tina4-pending-"), "app");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    const output = await serveOutput(app, /dev server on/);
    expect(output).toContain("dev server on");
    expect(output).not.toContain("not applied yet");
  }, 60_000);
});
