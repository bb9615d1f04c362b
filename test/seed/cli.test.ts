/**
 * `tina4 db:seed` through the built CLI on SQLite, PostgreSQL and MariaDB: seeders insert rows
 * (through a model and through `db`), run in file-name order, each in its own transaction (a
 * failing one is rolled back alone and the run exits 1 naming its file), --only runs one, and
 * `generate seeder --model` writes a seeder that runs.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { ENGINES, engineAvailable, freshDatabase, runCliAsync, type FreshDatabase } from "../migrate/engines.js";
import { contents, seedApp, seederSource, writeSeeders } from "./fixture.js";

const engines = ENGINES.filter((e) => engineAvailable(e));

describe.each(engines)("tina4 db:seed on %s", (engine) => {
  let fresh: FreshDatabase;
  let root: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    fresh = await freshDatabase(engine, "seed");
    root = seedApp(engine);
    env = { TINA4_DATABASE_URL: fresh.url };
    const up = await runCliAsync(["migrate"], root, env);
    expect(up.code, up.stdout + up.stderr).toBe(0);
  });
  afterAll(async () => {
    await fresh?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it("runs every seeder in file-name order (2 before 10), inserting through the model and db", async () => {
    writeSeeders(root, { "10_last.ts": seederSource("last"), "2_first.ts": seederSource("first") });
    const run = await runCliAsync(["db:seed"], root, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/seed 2_first \(1\/2\) ✔ .*\n.*seed 10_last \(2\/2\) ✔/);
    expect(run.stdout).toContain("Ran 2 seeders");
    expect(run.stdout).toContain("tina4 migrate:fresh --seed");
    expect(await contents(fresh.url)).toEqual({ parents: ["first", "last"], children: 2 });
  });

  it("rolls back a failing seeder's own rows, keeps the earlier seeder's, stops, and exits 1 naming the file", async () => {
    const before = await contents(fresh.url);
    writeSeeders(root, { "01_good.ts": seederSource("good"), "02_broken.ts": seederSource("doomed", true), "03_never.ts": seederSource("never") });
    const run = await runCliAsync(["db:seed"], root, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("src/seeds/02_broken.ts failed: broken on purpose (at src/seeds/02_broken.ts:7:");
    expect(run.stderr).toContain("its changes were rolled back and the seeders after it did not run (01_good ran before it and stays)");
    expect(run.stdout).toMatch(/seed 02_broken \(2\/3\) ✖/);
    expect(run.stdout).not.toContain("03_never");
    const after = await contents(fresh.url);
    expect(after.parents).toEqual([...before.parents, "good"]); // no "doomed" (model write), no "never"
    expect(after.children).toBe(before.children + 1); // the broken seeder's db.insert was rolled back too
  });

  it("--only runs one seeder; an unknown name exits 1 listing the seeders, running none", async () => {
    const before = await contents(fresh.url);
    writeSeeders(root, { "01_users.ts": seederSource("users"), "02_orders.ts": seederSource("orders") });
    const one = await runCliAsync(["db:seed", "--only", "02_orders"], root, env);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    expect(one.stdout).toContain("seed 02_orders (1/1)");
    expect((await contents(fresh.url)).parents).toEqual([...before.parents, "orders"]);

    const unknown = await runCliAsync(["db:seed", "--only", "03_nope"], root, env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No seeder "03_nope" (the seeders are: 01_users, 02_orders); nothing ran');
    expect(unknown.stdout).not.toContain("Seeding"); // no header for a run that never starts
    expect((await contents(fresh.url)).parents).toEqual([...before.parents, "orders"]);
  });
});

describe("tina4 db:seed on SQLite, without a database or seeders", () => {
  it("does not create a missing database file: exits 1 saying to migrate first", async () => {
    const root = seedApp("sqlite");
    writeSeeders(root, { "01_a.ts": seederSource("a") });
    const file = join(root, "data", "missing.db");
    const run = await runCliAsync(["db:seed"], root, { TINA4_DATABASE_URL: `sqlite:${file}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("No SQLite database at");
    expect(existsSync(file)).toBe(false);
  });

  it("warns about pending migrations, and exits even when a seeder leaves a timer running", async () => {
    const fresh = await freshDatabase("sqlite", "seedpending");
    const root = seedApp("sqlite");
    const env = { TINA4_DATABASE_URL: fresh.url };
    expect((await runCliAsync(["migrate"], root, env)).code).toBe(0);
    writeFileSync(join(root, "migrations", "20990101000000_later.sql"), "CREATE TABLE later (id INTEGER);\n");
    writeSeeders(root, { "01_lingering.ts": `${seederSource("lingering")}\nsetInterval(() => undefined, 1000);\n` });
    const started = Date.now();
    const run = await runCliAsync(["db:seed"], root, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toContain("1 migration is not applied yet: run tina4 migrate first if the seeders need it");
    expect(run.stderr).toContain("a seeder left something open (a timer, a connection): exiting anyway");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await contents(fresh.url)).parents).toEqual(["lingering"]);
    await fresh.drop();
  });

  it("what a seeder prints starts on its own line, after the seeder's progress line (not glued to it)", async () => {
    const fresh = await freshDatabase("sqlite", "seedtalk");
    const root = seedApp("sqlite");
    const env = { TINA4_DATABASE_URL: fresh.url };
    expect((await runCliAsync(["migrate"], root, env)).code).toBe(0);
    const talking = seederSource("talk").replace("await db.insert(", 'console.log("seeding talk");\n  await db.insert(');
    writeSeeders(root, {
      "01_talk.ts": talking,
      "02_quiet.ts": seederSource("quiet"),
    });
    const run = await runCliAsync(["db:seed"], root, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines).toContain("seeding talk");
    expect(lines.some((line) => /^  › seed 01_talk \(1\/2\)\s*$/.test(line))).toBe(true);
    expect(lines.some((line) => /^  ✔ seed 01_talk \d+ ms$/.test(line))).toBe(true);
    expect(run.stdout).toMatch(/\n  › seed 02_quiet \(2\/2\) ✔ \d+ ms\n/); // a quiet seeder keeps its one line
    expect((await contents(fresh.url)).parents).toEqual(["talk", "quiet"]);
    await fresh.drop();
  });

  it("a seed file that does not load stops the run before any seeder ran", async () => {
    const fresh = await freshDatabase("sqlite", "seedload");
    const root = seedApp("sqlite");
    const env = { TINA4_DATABASE_URL: fresh.url };
    expect((await runCliAsync(["migrate"], root, env)).code).toBe(0);
    writeSeeders(root, { "01_ok.ts": seederSource("ok"), "02_bad.ts": "export const notADefault = 1;\n" });
    const run = await runCliAsync(["db:seed"], root, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("src/seeds/02_bad.ts has no default export function");
    expect((await contents(fresh.url)).parents).toEqual([]);
    await fresh.drop();
  });
});

describe("tina4 --help", () => {
  it("lists db:seed, migrate:fresh and generate seeder", async () => {
    const root = seedApp("sqlite");
    const help = await runCliAsync(["--help"], root);
    expect(help.stdout).toMatch(/db:seed \[options\]\s+fill the database with the seeders in src\/seeds\//);
    expect(help.stdout).toMatch(/migrate:fresh \[options\]\s+drop every table/);
    const generate = await runCliAsync(["generate", "--help"], root);
    expect(generate.stdout).toMatch(/seeder \[options\] <name>\s+src\/seeds\/<name>\.ts/);
    const fresh = await runCliAsync(["migrate:fresh", "--help"], root);
    expect(fresh.stdout).toContain("tina4 migrate:fresh --seed");
  });
});

describe("tina4 generate seeder", () => {
  it("--model writes three valid sample records that db:seed inserts; the model is found by the seeder's name too", async () => {
    const fresh = await freshDatabase("sqlite", "genseed");
    const root = seedApp("sqlite");
    const env = { TINA4_DATABASE_URL: fresh.url };
    expect((await runCliAsync(["migrate"], root, env)).code).toBe(0);
    const generated = await runCliAsync(["generate", "seeder", "01_parent", "--model", "Parent"], root, env);
    expect(generated.code, generated.stdout + generated.stderr).toBe(0);
    expect(generated.stdout).toContain("created src/seeds/01_parent.ts");
    expect(generated.stdout).toContain("tina4 db:seed --only 01_parent");
    const byName = await runCliAsync(["generate", "seeder", "02_parent", "--dry-run"], root, env);
    expect(byName.stdout).toContain("Parent.create(data)");
    const blank = await runCliAsync(["generate", "seeder", "03_notes"], root, env);
    expect(readFileSync(join(root, "src", "seeds", "03_notes.ts"), "utf8")).toContain("export default async function seedNotes(db: Database)");
    expect(blank.code).toBe(0);

    const run = await runCliAsync(["db:seed"], root, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await contents(fresh.url)).parents).toEqual(["Sample name 1", "Sample name 2", "Sample name 3"]);
    await fresh.drop();
  });

  it.each(engines)("on %s, a model's belongsTo key takes the id of a related record already there, not a made-up one the foreign key refuses", async (engine) => {
    const fresh = await freshDatabase(engine, "genseedfk");
    const root = seedApp(engine);
    const env = { TINA4_DATABASE_URL: fresh.url };
    writeFileSync(join(root, "src", "models", "Child.ts"), `import { Model, belongsTo, type ModelFields } from "tina4";
import Parent from "./Parent";
export default class Child extends Model {
  static tableName = "child";
  static fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, parentId: { type: "int", required: true } };
  static relations = { parent: belongsTo(() => Parent, "parentId") };
  declare id: number;
  declare parentId: number;
}
`);
    expect((await runCliAsync(["migrate"], root, env)).code).toBe(0);
    const generated = await runCliAsync(["generate", "seeder", "02_child"], root, env);
    expect(generated.code, generated.stdout + generated.stderr).toBe(0);
    writeSeeders(root, { "02_child.ts": readFileSync(join(root, "src", "seeds", "02_child.ts"), "utf8") });

    const alone = await runCliAsync(["db:seed"], root, env); // no parents yet: says to seed them first
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain("each sample Child needs a Parent, and parent has none yet: seed parent first");
    expect(alone.stderr).toContain("tina4 generate seeder 01_parent --model Parent");

    expect((await runCliAsync(["generate", "seeder", "01_parent", "--model", "Parent"], root, env)).code).toBe(0);
    const run = await runCliAsync(["db:seed"], root, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const db = await Database.connect(fresh.url);
    try {
      const rows = (await db.fetch("SELECT p.name FROM child c JOIN parent p ON p.id = c.parent_id ORDER BY c.id")).records;
      expect(rows.map((row) => row.name ?? row.NAME)).toEqual(["Sample name 1", "Sample name 2", "Sample name 3"]);
    } finally {
      await db.close();
    }
    await fresh.drop();
  });

  it("refuses a name with a path or no letter, and a model that does not exist", async () => {
    const root = seedApp("sqlite");
    for (const [args, message] of [
      [["../x"], "must not contain path separators"],
      [["123"], "at least one letter"],
      [["items", "--model", "Missing"], 'Model "Missing" not found'],
    ] as const) {
      const run = await runCliAsync(["generate", "seeder", ...args], root);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr).toContain(message);
    }
  });
});
