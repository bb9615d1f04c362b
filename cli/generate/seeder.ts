/**
 * `tina4 generate seeder <name> [--model Name]`: src/seeds/<name>.ts. With a model (named, or
 * found by the seeder's name: "products" → Product), the seeder creates three sample records of
 * it, valid for its field rules; otherwise a blank seeder with the two ways to write rows.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
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

/** Three sample records as object literal lines: every field but the generated key. */
function sampleLines(info: ModelInfo): string {
  const fields = info.fields.filter((f) => !f.primaryKey);
  return [1, 2, 3].map((n) => `  { ${fields.map((f) => `${f.property}: ${JSON.stringify(sampleFor(f, n))}`).join(", ")} },`).join("\n");
}

export function planSeeder(root: string, name: string, model: ModelInfo | null): PlannedFile[] {
  const file = seederName(name);
  const vars: Record<string, string> = { name: file, Type: pascalCase(file.replace(/^[\d_-]+/, "")) || "Data" };
  const contents = model === null
    ? readTemplate("generate/seeder/blank.ts", vars)
    : readTemplate("generate/seeder/model.ts", { ...vars, Model: model.name, table: model.table, sampleLines: sampleLines(model) });
  return [{ path: join(root, "src", "seeds", `${file}.ts`), contents }];
}

/** `tina4 generate seeder <name> [--model Name]`: writes the file and says how to run it. */
export async function generateSeeder(name: string, options: WriteOptions & { dryRun?: boolean; model?: string }): Promise<void> {
  const project = openProject();
  const file = seederName(name);
  const model = seederModel(project.root, file, options.model);
  const info = model === null ? null : await loadModelInfo(join(project.root, "src", "models", `${model}.ts`), model);
  emit(project.root, planSeeder(project.root, file, info), options);
  if (options.dryRun) return;
  if (info) ui.info(ui.dim(`\nThree sample ${info.table} records through ${info.name}.create(); edit them in src/seeds/${file}.ts`));
  else ui.info(ui.dim(`\nWrite its rows in src/seeds/${file}.ts (db.insert or a model's create), or write it for a model: tina4 generate seeder ${file} --model <Name> --force`));
  ui.info(`Run it:     ${ui.cyan(`tina4 db:seed --only ${file}`)}  ${ui.dim("(tina4 db:seed runs every seeder, in file-name order)")}`);
  ui.info(`Start over: ${ui.cyan("tina4 migrate:fresh --seed")}  ${ui.dim("(drops every table, migrates, seeds)")}`);
}
