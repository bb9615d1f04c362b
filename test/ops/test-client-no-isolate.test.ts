/**
 * A generated app whose test files each create their own testClient(), run by vitest in ONE
 * process with a shared module cache (`--no-isolate`, one worker): the route module's
 * `Database.connect()` runs once, the first file's `client.close()` releases its PostgreSQL
 * pool, and the next file's requests must find it working again (T4_ERR_DB_CLOSED before).
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/cli.js";
import { initLinkedApp } from "../support/script-app.js";
import { serviceUrl } from "../support/services.js";
import { Database } from "../../runtime/db/index.js";

const postgres = serviceUrl("POSTGRES");
const table = `tc_noiso_${process.pid}_${Date.now()}`;

/** What `npm install` would give the app's devDependencies, linked from this repo instead of downloaded. */
function linkDevDependencies(app: string): void {
  for (const pkg of ["typescript", "vitest", "@types/node"]) {
    const target = join(app, "node_modules", pkg);
    mkdirSync(join(target, ".."), { recursive: true });
    if (!existsSync(target)) symlinkSync(join(repoRoot, "node_modules", pkg), target, "dir");
  }
}

function testFile(name: string): string {
  return [
    'import { afterAll, expect, it } from "vitest";',
    'import { testClient } from "tina4";',
    "const client = await testClient();",
    "afterAll(() => client.close());",
    `it("${name}: reads and writes PostgreSQL through a route's module-level Database.connect()", async () => {`,
    `  const response = await client.get("/rows/${name}");`,
    "  expect(response.status, response.text()).toBe(200);",
    `  expect(response.json()).toEqual({ bodies: ["${name}"] });`,
    "});",
    "",
  ].join("\n");
}

afterAll(async () => {
  if (!postgres) return;
  const db = await Database.connect(postgres);
  await db.execute(`DROP TABLE IF EXISTS ${table}`);
  await db.close();
});

describe.skipIf(!postgres)("test files sharing one process (vitest --no-isolate)", () => {
  it("each file's own testClient() works after the previous file closed its client", () => {
    const app = initLinkedApp("tina4-tc-noiso-");
    linkDevDependencies(app);
    writeFileSync(join(app, "src", "routes", "rows.ts"), [
      'import { get, Database } from "tina4";',
      "const db = await Database.connect();",
      "const table = process.env.NOISO_TABLE!;",
      "await db.execute(`CREATE TABLE IF NOT EXISTS ${table} (id SERIAL PRIMARY KEY, body TEXT NOT NULL)`);",
      'get("/rows/{body}", async (req) => {',
      "  await db.insert(table, { body: req.params.body });",
      "  return { bodies: (await db.fetch(`SELECT body FROM ${table} WHERE body = ?`, [req.params.body])).records.map((r) => r.body) };",
      "});",
      "",
    ].join("\n"));
    writeFileSync(join(app, "test", "first.test.ts"), testFile("first"));
    writeFileSync(join(app, "test", "second.test.ts"), testFile("second"));
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TINA4_DATABASE_URL: postgres!, NOISO_TABLE: table };
    for (const key of Object.keys(env)) if (key.startsWith("VITEST") || key === "NODE_OPTIONS" || key === "NODE_ENV") delete env[key];
    // one worker, no isolation: every file shares the module cache (and the route module's db)
    const run = spawnSync(process.execPath, [join(app, "node_modules", "vitest", "vitest.mjs"), "run", "--no-isolate", "--maxWorkers", "1", "--pool", "forks"], {
      cwd: app, env, encoding: "utf8", timeout: 120_000,
    });
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/Test Files\s+3 passed/);
    expect(output).toMatch(/Tests\s+4 passed/);
  }, 150_000);
});
