/**
 * Models whose field and table names are SQL keywords: `tina4 generate model` quotes them in
 * the migration of every engine (the top-level file and the migrations/<engine>/ variants), so
 * the tables migrate, roll back and work through the ORM (which quotes every name) on SQLite,
 * PostgreSQL, MariaDB and Firebird. Like portable.test.ts, the app is generated on another
 * engine than the one it migrates on, so the variants are what runs on the servers.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import { Model } from "../../runtime/orm/index.js";
import { appWithMigrations, engineAvailable, ENGINES, expectRolledBack, migrateIntoFresh, runCliAsync } from "./engines.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Placement extends Model {
  id: number;
  order: number | null;
  position: number | null;
  group: string | null;
}
interface Setting extends Model {
  id: number;
  key: string;
  value: string | null;
}

/** The generated model file, imported as written (only its `tina4` import pointed at this repo's runtime). */
async function importModel<T extends Model>(root: string, name: string): Promise<typeof Model & (new () => T)> {
  const file = join(root, "src", "models", `${name}.ts`);
  const source = readFileSync(file, "utf8");
  expect(source).toContain('from "tina4"');
  const copy = join(root, "src", "models", `${name}.under-test.ts`);
  writeFileSync(copy, source.replace('from "tina4"', `from ${JSON.stringify(join(import.meta.dirname, "..", "..", "runtime", "index.ts"))}`));
  return ((await import(copy)) as { default: typeof Model & (new () => T) }).default;
}

async function generatedApp(generatedOn: string): Promise<string> {
  const root = appWithMigrations({});
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  const env = { TINA4_DATABASE_URL: generatedOn };
  // Rails-style field arguments; SQL keywords as field names and, with Value → "values", as the table name
  const placement = await runCliAsync(["generate", "model", "Placement", "order:int", "position:int", "group:string"], root, env);
  expect(placement.code, placement.stderr).toBe(0);
  const value = await runCliAsync(["generate", "model", "Value", "--fields", "key:string:required,value:string"], root, env);
  expect(value.code, value.stderr).toBe(0);
  return root;
}

describe("generated models with SQL keywords as field and table names", () => {
  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`order, position, group, key, value and the table "values" migrate, work through the ORM and roll back on ${engine}`, async () => {
      const root = await generatedApp(engine === "sqlite" ? "postgres://app@db.example/shop" : "sqlite:data/app.db");
      const { fresh, env, db } = await migrateIntoFresh(engine, "kw", root, 2, cleanups);
      try {
        const q = (name: string) => dialectFor(engine).quote(name);
        const Placement = await importModel<Placement>(root, "Placement");
        const Value = await importModel<Setting>(root, "Value");
        Placement.useDatabase(db);
        Value.useDatabase(db);

        for (const [order, position, group] of [[2, 10, "b"], [1, 20, "a"], [3, 30, "b"]] as const) await Placement.create({ order, position, group });
        const inB = await Placement.where(`${q("group")} = ? AND ${q("position")} > ?`, ["b", 5], { orderBy: "-order" });
        expect(inB.map((p) => [p.order, p.position, p.group])).toEqual([[3, 30, "b"], [2, 10, "b"]]);
        expect((await Placement.all({ orderBy: "order" })).map((p) => p.order)).toEqual([1, 2, 3]);
        expect((await Placement.all({ orderBy: ["group desc", "position"] })).map((p) => p.position)).toEqual([10, 30, 20]);

        const first = (await Placement.where(`${q("order")} = ?`, [1]))[0]!;
        first.position = 99;
        await first.save();
        expect((await Placement.find(first.id))?.position).toBe(99);
        expect(await Placement.count(`${q("group")} = ?`, ["b"])).toBe(2);

        const setting = await Value.create({ key: "theme", value: "dark" });
        const loaded = (await Value.find(setting.id))!;
        expect(loaded.toJSON()).toEqual({ id: setting.id, key: "theme", value: "dark" });
        loaded.value = "light"; // a loaded record's save() and delete() find it by its key, whatever its fields are called
        await loaded.save();
        expect((await Value.where(`${q("key")} = ?`, ["theme"]))[0]?.value).toBe("light");
        expect(await loaded.delete()).toBe(true);
        expect(await Value.count()).toBe(0);
      } finally {
        await db.close();
      }

      await expectRolledBack(root, env, fresh.url, ["placements", "values"]);
    }, 90_000);
  }
});
