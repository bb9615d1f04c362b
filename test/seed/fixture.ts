/**
 * An app for the seeding and migrate:fresh tests: two tables with a foreign key (parent, child),
 * a Parent model, and seeders written per test, on a fresh database of each engine.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "../../runtime/db/index.js";
import { appWithMigrations, SQL, type TestEngine } from "../migrate/engines.js";

export function seedApp(engine: TestEngine): string {
  const s = SQL[engine];
  const root = appWithMigrations({
    "20250101000000_create_parent.sql": `CREATE TABLE parent (id ${s.id}, name ${s.text} NOT NULL)${s.suffix};\n`,
    "20250101000001_create_child.sql": `CREATE TABLE child (id ${s.id}, parent_id ${s.int} NOT NULL, FOREIGN KEY (parent_id) REFERENCES parent (id))${s.suffix};\n`,
  });
  mkdirSync(join(root, "src", "models"), { recursive: true });
  writeFileSync(join(root, "src", "models", "Parent.ts"), `import { Model, type ModelFields } from "tina4";
export default class Parent extends Model {
  static tableName = "parent";
  static fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, name: { type: "string", required: true } };
  declare id: number;
  declare name: string;
}
`);
  return root;
}

/** A seeder writing one parent through the model and one child through `db`; `fail` throws after both writes. */
export function seederSource(name: string, fail = false): string {
  return `import type { Database } from "tina4";
import Parent from "../models/Parent";

export default async function seed(db: Database) {
  const parent = await Parent.create({ name: ${JSON.stringify(name)} });
  await db.insert("child", { parent_id: parent.id });
${fail ? '  throw new Error("broken on purpose");\n' : ""}}
`;
}

/** Replaces the app's seeders with `files` (name → source). */
export function writeSeeders(root: string, files: Record<string, string>): void {
  const dir = join(root, "src", "seeds");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
}

/** The parents' names and the number of children, read on a new connection. */
export async function contents(url: string): Promise<{ parents: string[]; children: number }> {
  const db = await Database.connect(url);
  try {
    const parents = (await db.fetch("SELECT name FROM parent ORDER BY id", [], { cache: false })).records.map((r) => String(r.name));
    const children = Number((await db.fetchOne("SELECT COUNT(*) AS n FROM child", [], { cache: false }))!.n);
    return { parents, children };
  } finally {
    await db.close();
  }
}
