/**
 * `tina4 migrate:fresh [--seed]` through the built CLI on SQLite, PostgreSQL and MariaDB: it
 * leaves exactly the schema `tina4 migrate` makes on an empty database (a table made by hand, a
 * view, rows and the old migration records are gone, foreign keys are no obstacle), --seed fills
 * it, and each guard (production, not a terminal) refuses without touching anything.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { listAppObjects } from "../../runtime/migrate/index.js";
import { bin, cliEnv } from "../support/cli.js";
import { ENGINES, engineAvailable, freshDatabase, runCliAsync, SQL, type FreshDatabase } from "./engines.js";
import { contents, seedApp, seederSource, writeSeeders } from "../seed/fixture.js";

const engines = ENGINES.filter((e) => engineAvailable(e));

async function objects(url: string): Promise<string[]> {
  const db = await Database.connect(url);
  try {
    // a foreign key by its table: Firebird names them itself (INTEG_14), differently in each database
    return (await listAppObjects(db)).map((o) => (o.kind === "foreign key" ? `foreign key on ${o.args!.toLowerCase()}` : `${o.kind} ${o.name.toLowerCase()}`)).sort();
  } finally {
    await db.close();
  }
}

async function run(url: string, sql: string[]): Promise<void> {
  const db = await Database.connect(url);
  try {
    for (const statement of sql) await db.execute(statement);
  } finally {
    await db.close();
  }
}

describe.each(engines)("tina4 migrate:fresh on %s", (engine) => {
  const s = SQL[engine];
  let fresh: FreshDatabase;
  let reference: FreshDatabase;
  let root: string;
  let env: Record<string, string>;
  let migrated: string[];
  beforeAll(async () => {
    fresh = await freshDatabase(engine, "fresh");
    reference = await freshDatabase(engine, "freshref");
    root = seedApp(engine);
    env = { TINA4_DATABASE_URL: fresh.url };
    writeSeeders(root, { "01_family.ts": seederSource("seeded") });
    // the schema `tina4 migrate` makes on an empty database: what fresh must leave
    const up = await runCliAsync(["migrate"], root, { TINA4_DATABASE_URL: reference.url });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    migrated = await objects(reference.url);
    expect(migrated).toEqual(expect.arrayContaining(["table child", "table parent", "table tina4_migration"]));
  });
  afterAll(async () => {
    await fresh?.drop();
    await reference?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  /** Migrated twice (two batches), seeded, plus a table and a view made by hand. */
  async function lived(): Promise<void> {
    expect((await runCliAsync(["migrate"], root, env)).code).toBe(0);
    await run(fresh.url, [`CREATE TABLE scratch (id ${s.int})${s.suffix}`, "INSERT INTO scratch (id) VALUES (1)", "CREATE VIEW family AS SELECT p.name FROM parent p JOIN child c ON c.parent_id = p.id"]);
    expect((await runCliAsync(["db:seed"], root, env)).code).toBe(0);
    expect(await objects(fresh.url)).toEqual(expect.arrayContaining(["table scratch", "view family"]));
  }

  it("leaves exactly the migrated schema: hand-made tables, views, rows and old records are gone", async () => {
    await lived();
    const result = await runCliAsync(["migrate:fresh", "--yes"], root, env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Dropped \d+ objects of .*scratch/i);
    expect(result.stdout).toContain("Applied 2 migrations (batch 1)");
    expect(result.stdout).toContain("Fill it with sample data: tina4 db:seed");
    expect(await objects(fresh.url)).toEqual(migrated);
    expect(await contents(fresh.url)).toEqual({ parents: [], children: 0 });
    const db = await Database.connect(fresh.url);
    try {
      const batches = (await db.fetch("SELECT DISTINCT batch FROM tina4_migration", [], { cache: false })).records.map((r) => Number(r.batch));
      expect(batches).toEqual([1]);
    } finally {
      await db.close();
    }
  });

  it("--seed runs the seeders after migrating", async () => {
    await run(fresh.url, ["INSERT INTO parent (name) VALUES ('old')"]);
    const result = await runCliAsync(["migrate:fresh", "--yes", "--seed"], root, env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/seed 01_family \(1\/1\) ✔/);
    expect(await contents(fresh.url)).toEqual({ parents: ["seeded"], children: 1 });
  });

  it("refuses under NODE_ENV=production without --force, changing nothing; --force runs", async () => {
    await run(fresh.url, [`CREATE TABLE keepme (id ${s.int})${s.suffix}`]);
    const refused = await runCliAsync(["migrate:fresh", "--yes", "--seed"], root, { ...env, NODE_ENV: "production" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Refusing to run tina4 migrate:fresh in production (NODE_ENV=production, from the environment)");
    expect(refused.stderr).toContain("tina4 migrate:fresh --force");
    expect(await objects(fresh.url)).toContain("table keepme");
    expect(await contents(fresh.url)).toEqual({ parents: ["seeded"], children: 1 });

    const forced = await runCliAsync(["migrate:fresh", "--force"], root, { ...env, NODE_ENV: "production" });
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(await objects(fresh.url)).toEqual(migrated);
  });

  it("refuses off a terminal without --yes, changing nothing", async () => {
    await run(fresh.url, ["INSERT INTO parent (name) VALUES ('kept')"]);
    const refused = await runCliAsync(["migrate:fresh"], root, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("this is not a terminal: nobody can answer. Nothing was changed. Confirm on the command line: tina4 migrate:fresh --yes");
    expect((await contents(fresh.url)).parents).toEqual(["kept"]);
  });
});

describe("tina4 migrate:fresh refusals on a SQLite file that does not exist", () => {
  it("create no database file (production from the environment or .env, not a terminal)", async () => {
    const root = seedApp("sqlite");
    const file = join(root, "data", "nothing-yet.db");
    const env = { TINA4_DATABASE_URL: `sqlite:${file}` };
    const production = await runCliAsync(["migrate:fresh", "--yes"], root, { ...env, NODE_ENV: "production" });
    expect(production.code).toBe(1);
    expect(production.stderr).toContain("Refusing to run tina4 migrate:fresh in production");
    // NODE_ENV from the app's .env counts too (vitest's own NODE_ENV=test is left out of this run)
    writeFileSync(join(root, ".env"), "NODE_ENV=production\n");
    const childEnv = cliEnv(env);
    delete childEnv.NODE_ENV;
    const fromDotEnv = spawnSync(process.execPath, [bin, "migrate:fresh", "--yes"], { cwd: root, env: childEnv, encoding: "utf8", timeout: 60_000 });
    expect(fromDotEnv.status).toBe(1);
    expect(fromDotEnv.stderr).toContain("(NODE_ENV=production, from .env)");
    rmSync(join(root, ".env"));
    const noTerminal = await runCliAsync(["migrate:fresh"], root, env);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stderr).toContain("this is not a terminal");
    expect(existsSync(file)).toBe(false);
    // and with --yes it makes the database from the migrations
    const made = await runCliAsync(["migrate:fresh", "--yes"], root, env);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    expect(made.stdout).toContain("Nothing to drop");
    expect(await objects(`sqlite:${file}`)).toEqual(expect.arrayContaining(["table child", "table parent"]));
    rmSync(root, { recursive: true, force: true });
  });
});
