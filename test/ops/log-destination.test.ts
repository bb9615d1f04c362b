import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { batchedDestination } from "../../runtime/ops/log-destination.js";
import { makeTempDir } from "./support.js";

async function waitForFile(file: string, length: number): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    if (Buffer.byteLength(text) >= length || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("batched log destination", () => {
  it("writes every line whole and in order: many small ones, multi-byte text, and one longer than a batch", async () => {
    const file = join(makeTempDir(), "app.log");
    const destination = batchedDestination(file);
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) expected.push(`{"n":${i},"route":"/caf\u00e9/\u{1F600}/${i}"}\n`);
    expected.splice(1500, 0, `{"big":"${"x".repeat(200_000)}"}\n`);
    for (const line of expected) destination.write(line);
    const text = await waitForFile(file, Buffer.byteLength(expected.join("")));
    expect(text.split("\n").length - 1).toBe(expected.length);
    expect(text).toBe(expected.join(""));
  });

  it("writes a line within the flush interval, not only once a batch is full", async () => {
    const file = join(makeTempDir(), "app.log");
    batchedDestination(file).write("one line\n");
    expect(await waitForFile(file, 9)).toBe("one line\n");
  });

  it("writes what is still gathered when the process exits", () => {
    const built = join(process.cwd(), "dist", "runtime", "ops", "log-destination.js");
    expect(existsSync(built), "needs a build: node scripts/build.mjs").toBe(true);
    const file = join(makeTempDir(), "app.log");
    const script = `const { batchedDestination } = await import(${JSON.stringify(pathToFileURL(built).href)});
      const out = batchedDestination(${JSON.stringify(file)});
      for (let i = 0; i < 5; i++) out.write("line " + i + "\\n");
      process.exit(0);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(readFileSync(file, "utf8")).toBe("line 0\nline 1\nline 2\nline 3\nline 4\n");
  });

  it("writes many batches whole and in order when the process exits right after them (no write left in flight)", () => {
    const built = join(process.cwd(), "dist", "runtime", "ops", "log-destination.js");
    expect(existsSync(built), "needs a build: node scripts/build.mjs").toBe(true);
    const file = join(makeTempDir(), "app.log");
    // ~100 batches: a writer with a write still under way at exit would lose or reorder lines
    const script = `const { batchedDestination } = await import(${JSON.stringify(pathToFileURL(built).href)});
      const out = batchedDestination(${JSON.stringify(file)});
      for (let i = 0; i < 200000; i++) out.write("line " + i + " " + "x".repeat(24) + "\\n");
      process.exit(0);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBe(200000);
    const outOfPlace = lines.findIndex((line, i) => line !== `line ${i} ${"x".repeat(24)}`);
    expect(outOfPlace).toBe(-1);
  });

  it("writes every line to a non-blocking pipe whose reader falls behind (EAGAIN), whole and in order", async () => {
    const built = join(process.cwd(), "dist", "runtime", "ops", "log-destination.js");
    expect(existsSync(built), "needs a build: node scripts/build.mjs").toBe(true);
    // net.Socket on fd 1 makes the pipe non-blocking (as a parent that shares it may): a full
    // pipe then answers write(2) with EAGAIN instead of waiting
    const script = `const { Socket } = await import("node:net");
      new Socket({ fd: 1, readable: false, writable: true });
      const { batchedDestination } = await import(${JSON.stringify(pathToFileURL(built).href)});
      const out = batchedDestination(1);
      for (let i = 0; i < 50000; i++) out.write("line " + i + " " + "x".repeat(24) + "\\n");
      process.exit(0);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    // read nothing for a while: the ~2 MB of lines fill the pipe many times over
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.stdout.resume();
    const [code] = (await once(child, "close")) as [number | null];
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = Buffer.concat(chunks).toString().split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBe(50000);
    expect(lines.findIndex((line, i) => line !== `line ${i} ${"x".repeat(24)}`)).toBe(-1);
  });

  it("keeps the process running when stdout is closed (EPIPE), saying so once on stderr", () => {
    const built = join(process.cwd(), "dist", "runtime", "ops", "log-destination.js");
    expect(existsSync(built), "needs a build: node scripts/build.mjs").toBe(true);
    // stdout is a pipe whose reading end is closed before anything is written
    const script = `const { batchedDestination } = await import(${JSON.stringify(pathToFileURL(built).href)});
      const out = batchedDestination(1);
      for (let i = 0; i < 20000; i++) out.write("line " + i + "\\n");
      out.flush();
      out.write("one more\\n");
      out.flush();
      process.stderr.write("still running\\n");
      process.exit(0);`;
    const run = spawnSync("bash", ["-c", `"$0" --input-type=module -e "$1" | true; exit "\${PIPESTATUS[0]}"`, process.execPath, script], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stderr.match(/tina4: writing the log failed: .*EPIPE/g)?.length).toBe(1);
    expect(run.stderr).toContain("still running");
  });
});
