import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { makeTempDir } from "./support.js";

// testClient() boots a folder with the TypeScript loader, which runs from the build (dist/), as
// an app's own vitest run uses it: node scripts/build.mjs first.
const runtime = pathToFileURL(resolve(import.meta.dirname, "..", "..", "dist", "runtime", "index.js")).href;
const root = makeTempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("testClient() and the app's .env files", () => {
  it("loads .env.test over .env.local and .env, never over the real environment", () => {
    mkdirSync(join(root, "src", "routes", "env"), { recursive: true });
    const names = ["QA_FROM", "QA_PLAIN", "QA_LOCAL", "QA_REAL"];
    writeFileSync(join(root, "src", "routes", "env", "get.ts"), `export default () => ({ ${names.map((name) => `${name}: process.env.${name} ?? null`).join(", ")} });\n`);
    writeFileSync(join(root, ".env"), "QA_FROM=dotenv\nQA_PLAIN=dotenv\nQA_REAL=dotenv\n");
    writeFileSync(join(root, ".env.local"), "QA_FROM=local\nQA_LOCAL=local\n");
    writeFileSync(join(root, ".env.test"), "QA_FROM=test\nQA_REAL=test\n");
    const script = `const { testClient } = await import(${JSON.stringify(runtime)});
const client = await testClient();
process.stdout.write((await client.get("/env")).text());
await client.close();`;
    const env = { ...process.env, QA_REAL: "real", TINA4_SECRET: "a-test-secret-0123456789abcdef0123456789" };
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8", env, timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ QA_FROM: "test", QA_PLAIN: "dotenv", QA_LOCAL: "local", QA_REAL: "real" });
  });
});
