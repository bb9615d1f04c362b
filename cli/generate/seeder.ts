/**
 * `tina4 generate seeder <name> [--model Name]`: src/seeds/<name>.ts. With a model (named, or
 * found by the seeder's name: "products" → Product), the seeder creates three sample records of
 * it, valid for its field rules; otherwise a blank seeder with the two ways to write rows.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError, CliErrorCode } from "../errors.js";
import { readTemplate, type PlannedFile } from "../templates.js";
import { loadModelInfo, type ModelField, type ModelInfo } from "./crud-test.js";
import { className, pascalCase, snakeCase, tableName } from "./names.js";
import { emit, type WriteOptions } from "./writer.js";
import { openProject } from "../project.js";
import { ui } from "../ui.js";

/** A seeder name is its file name: letters, digits, "-" and "_" (a leading number orders it). */
export function seederName(text: string): string {
  if (typeof text !== "string" || text.trim() === "") throw new CliError("Seeder name must not be empty", CliErrorCode.BAD_NAME);
  if (/[\\/]|\.\./.test(text)) throw new CliError(`Seeder name "${text}" must not contain path separators or ".."`, CliErrorCode.BAD_NAME);
  const name = text.replace(/\.ts$/, "");
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(name) || !/[A-Za-z]/.test(name)) {
    throw new CliError(`Seeder name "${text}" must contain only letters, digits, "-" or "_", with at least one letter (it is the file name: 01_users)`, CliErrorCode.BAD_NAME);
  }
  return name;
}

/** The model a seeder is about: `--model`, else the one in src/models/ whose name or table matches the seeder's ("02_products" → Product). */
export function seederModel(root: string, name: string, model: string | undefined): string | null {
  if (model !== undefined) {
    const Model = className("Model name", model);
    if (!existsSync(join(root, "src", "models", `${Model}.ts`))) {
      throw new CliError(`Model "${Model}" not found (no src/models/${Model}.ts). Create it first: tina4 generate model ${Model} --fields name:string,...`, CliErrorCode.NO_MODEL);
    }
    return Model;
  }
  const subject = snakeCase(name.replace(/^[\d_-]+/, "").replace(/[_-]?seeder$/i, ""));
  let files: string[];
  try {
    files = readdirSync(join(root, "src", "models"));
  } catch {
    return null;
  }
  const models = files.filter((f) => /^[A-Z][A-Za-z0-9]*\.ts$/.test(f)).map((f) => f.slice(0, -3));
  return models.find((m) => tableName(m) === subject || snakeCase(m) === subject) ?? null;
}

/** Record `n`'s value of a field, within its length and range rules ("Sample name 2", 8, 2.5, …); patterns are not read. */
function sampleFor(field: ModelField, n: number): unknown {
  const clamp = (value: number) => Math.min(field.max ?? value, Math.max(field.min ?? value, value));
  switch (field.type) {
    case "string":
    case "text": {
      const text = /email/i.test(field.property) ? `sample${n}@example.com` : `Sample ${field.property} ${n}`;
      const long = field.minLength !== undefined && text.length < field.minLength ? text.padEnd(field.minLength, "x") : text;
      return field.maxLength !== undefined ? long.slice(0, Math.max(field.maxLength, 1)) : long;
    }
    case "int":
      return Math.trunc(clamp(6 + n));
    case "float":
      return clamp(1.5 + n);
    case "decimal": {
      const scale = field.scale ?? 2;
      return clamp(n).toFixed(scale);
    }
    case "bool":
      return n % 2 === 1;
    case "datetime":
      return `2026-01-0${n}T09:00:00.000Z`;
    case "json":
      return { sample: n };
  }
}

/**
 * A `belongsTo` of the model whose class has its own file in src/models/: its foreign key gets
 * the id of a record already in the database (a made-up one is refused by the foreign key).
 */
export interface SeederParent {
  /** The model's field holding the key ("customerId"). */
  foreignKey: string;
  /** The related class ("Customer") and its table ("customers"). */
  model: string;
  table: string;
  /** The related model's field the key points at (its primary key unless the relation names one). */
  key: string;
}

/** Three sample records as object literal lines: every field but the generated key and the parents' keys. */
function sampleLines(info: ModelInfo, parents: readonly SeederParent[]): string {
  const fields = info.fields.filter((f) => !f.primaryKey && !parents.some((p) => p.foreignKey === f.property));
  return [1, 2, 3].map((n) => `  { ${fields.map((f) => `${f.property}: ${JSON.stringify(sampleFor(f, n))}`).join(", ")} },`).join("\n");
}

/** The seeder's body: create each sample, with its parents' keys taken from records already there. */
function createLines(info: ModelInfo, parents: readonly SeederParent[]): string {
  if (parents.length === 0) return `  for (const data of samples) await ${info.name}.create(data);`;
  const list = (p: SeederParent) => `${p.foreignKey.replace(/Id$/, "") || p.model.toLowerCase()}Rows`;
  const lines = parents.flatMap((p) => [
    `  // ${p.foreignKey}: a ${p.model} already in the database (seed ${p.table} first: a seeder whose file name sorts before this one's)`,
    `  const ${list(p)} = await ${p.model}.all({ limit: samples.length });`,
    `  if (${list(p)}.length === 0) throw new Error("each sample ${info.name} needs a ${p.model}, and ${p.table} has none yet: seed ${p.table} first (tina4 generate seeder 01_${p.table} --model ${p.model})");`,
  ]);
  const keys = parents.map((p) => `${p.foreignKey}: ${list(p)}[i % ${list(p)}.length]!.${p.key}`).join(", ");
  return [...lines, `  for (const [i, data] of samples.entries()) await ${info.name}.create({ ...data, ${keys} });`].join("\n");
}

export function planSeeder(root: string, name: string, model: ModelInfo | null, parents: readonly SeederParent[] = []): PlannedFile[] {
  const file = seederName(name);
  const vars: Record<string, string> = { name: file, Type: pascalCase(file.replace(/^[\d_-]+/, "")) || "Data" };
  const contents = model === null
    ? readTemplate("generate/seeder/blank.ts", vars)
    : readTemplate("generate/seeder/model.ts", {
        ...vars,
        Model: model.name,
        table: model.table,
        sampleLines: sampleLines(model, parents),
        relatedImports: parents.map((p) => `import ${p.model} from "../models/${p.model}";\n`).filter((line, i, all) => all.indexOf(line) === i).join(""),
        create: createLines(model, parents),
      });
  return [{ path: join(root, "src", "seeds", `${file}.ts`), contents }];
}

interface RelationShape {
  kind?: unknown;
  foreignKey?: unknown;
  key?: unknown;
  target?: unknown;
}

/** The model's belongsTo relations to models of src/models/ (the file is loaded, as loadModelInfo did). */
async function seederParents(root: string, file: string, info: ModelInfo): Promise<SeederParent[]> {
  const loaded = ((await import(pathToFileURL(file).href)) as { default?: { relations?: Record<string, RelationShape> } }).default;
  const parents: SeederParent[] = [];
  for (const relation of Object.values(loaded?.relations ?? {})) {
    if (relation.kind !== "belongsTo" || typeof relation.foreignKey !== "string" || typeof relation.target !== "function") continue;
    if (!info.fields.some((f) => f.property === relation.foreignKey)) continue;
    let target: { name?: unknown; tableName?: unknown; fields?: Record<string, { primaryKey?: boolean }> } | undefined;
    try {
      target = (relation.target as () => typeof target)();
    } catch {
      continue;
    }
    if (typeof target?.name !== "string" || typeof target.tableName !== "string" || !existsSync(join(root, "src", "models", `${target.name}.ts`))) continue;
    const primary = Object.entries(target.fields ?? {}).find(([, def]) => def?.primaryKey)?.[0] ?? "id";
    parents.push({ foreignKey: relation.foreignKey, model: target.name, table: target.tableName, key: typeof relation.key === "string" ? relation.key : primary });
  }
  return parents;
}

/** `tina4 generate seeder <name> [--model Name]`: writes the file and says how to run it. */
export async function generateSeeder(name: string, options: WriteOptions & { dryRun?: boolean; model?: string }): Promise<void> {
  const project = openProject();
  const file = seederName(name);
  const model = seederModel(project.root, file, options.model);
  const modelFile = join(project.root, "src", "models", `${model}.ts`);
  const info = model === null ? null : await loadModelInfo(modelFile, model);
  const parents = info === null ? [] : await seederParents(project.root, modelFile, info);
  emit(project.root, planSeeder(project.root, file, info, parents), options);
  if (options.dryRun) return;
  if (info) ui.info(ui.dim(`\nThree sample ${info.table} records through ${info.name}.create(); edit them in src/seeds/${file}.ts`));
  else ui.info(ui.dim(`\nWrite its rows in src/seeds/${file}.ts (db.insert or a model's create), or write it for a model: tina4 generate seeder ${file} --model <Name> --force`));
  for (const parent of parents) ui.info(ui.dim(`${parent.foreignKey}: the id of a ${parent.model} already in the database — seed ${parent.table} first (a seeder whose file name sorts before ${file})`));
  ui.info(`Run it:     ${ui.cyan(`tina4 db:seed --only ${file}`)}  ${ui.dim("(tina4 db:seed runs every seeder, in file-name order)")}`);
  ui.info(`Start over: ${ui.cyan("tina4 migrate:fresh --seed")}  ${ui.dim("(drops every table, migrates, seeds)")}`);
}
