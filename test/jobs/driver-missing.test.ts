/**
 * The redis/valkey queue needs two packages (bullmq and the redis client): when both are
 * missing, one message names both, so one `npm install` fixes it. A child process runs the
 * built runtime with a resolve hook that makes those two packages not installed (from its
 * temporary cwd the app has none either).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot, tempDir } from "../support/cli.js";

function addJob(hidden: string[]): { code: string; message: string } {
  const dir = tempDir("tina4-queue-driver-");
  writeFileSync(
    join(dir, "hide.mjs"),
    `const hidden = ${JSON.stringify(hidden)};
export async function resolve(specifier, context, next) {
  if (hidden.includes(specifier)) throw Object.assign(new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL), { code: "ERR_MODULE_NOT_FOUND" });
  return next(specifier, context);
}
`,
  );
  writeFileSync(join(dir, "register.mjs"), 'import { register } from "node:module";\nregister("./hide.mjs", import.meta.url);\n');
  const runtime = pathToFileURL(join(repoRoot, "dist", "runtime", "index.js")).href;
  const script = `import(${JSON.stringify(runtime)}).then((m) => m.queue("mail").add({ to: "a" })).then(
    () => console.log(JSON.stringify({ code: "none", message: "added" })),
    (e) => console.log(JSON.stringify({ code: e.code, message: e.message })),
  ).finally(() => process.exit(0));`;
  const env = { ...process.env, TINA4_QUEUE_BACKEND: "redis", TINA4_QUEUE_URL: "redis://127.0.0.1:1" };
  const result = spawnSync(process.execPath, ["--import", "./register.mjs", "--input-type=module", "-e", script], { cwd: dir, env, encoding: "utf8", timeout: 30_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as { code: string; message: string };
}

describe("queue: the redis backend's packages", () => {
  it("names bullmq and redis in one npm install when both are missing", () => {
    const both = addJob(["bullmq", "redis"]);
    expect(both.code).toBe("T4_ERR_QUEUE_DRIVER_MISSING");
    expect(both.message).toContain("run `npm install bullmq redis`");
  });

  it("names only the one that is missing", () => {
    expect(addJob(["redis"]).message).toContain("run `npm install redis`");
    expect(addJob(["bullmq"]).message).toContain("run `npm install bullmq`");
  });
});
