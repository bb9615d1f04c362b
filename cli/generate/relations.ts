/**
 * The relations a generated model declares for its foreign keys (`customer_id:int:references`):
 * `static relations = { customer: belongsTo(() => Customer, "customerId") }` when the model of the
 * referenced table is in src/models (found by its `static tableName`), imported from there; a key
 * whose table has no model yet is listed in `missing`, so the CLI can say what to add later.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FieldSpec } from "./fields.js";

/** A model file in src/models: its class (the file's name) and the table it says it uses. */
interface KnownModel {
  name: string;
  table: string;
}

export interface ForeignKeyTarget {
  field: FieldSpec;
  /** The related model's class, or null when no model in src/models uses the table. */
  model: string | null;
}

export interface PlannedRelations {
  /** Template values of generate/model/model.ts: the tina4 imports, model imports, the relations block. */
  vars: { runtimeImports: string; modelImports: string; relationLines: string };
  /** `declare customer?: Customer | null;` per relation (it is there once loaded). */
  declareLines: string;
  targets: ForeignKeyTarget[];
}

const TABLE_NAME = /static\s+tableName\s*=\s*["'`]([^"'`]+)["'`]/;

/** The models in src/models and their tables, read from the source text (no module is loaded). */
function knownModels(root: string): KnownModel[] {
  const dir = join(root, "src", "models");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => /^[A-Z][A-Za-z0-9]*\.ts$/.test(file))
    .flatMap((file) => {
      const table = TABLE_NAME.exec(readFileSync(join(dir, file), "utf8"))?.[1];
      return table === undefined ? [] : [{ name: file.replace(/\.ts$/, ""), table }];
    });
}

/** The model of src/models that uses `table`, with its file, or null. */
export function modelForTable(root: string, table: string): { name: string; file: string } | null {
  const found = knownModels(root).find((m) => m.table === table);
  return found ? { name: found.name, file: join(root, "src", "models", `${found.name}.ts`) } : null;
}

/** Which model each foreign key of `fields` points at (`self` for a key into the model's own table). */
export function foreignKeyTargets(root: string, self: { model: string; table: string }, fields: readonly FieldSpec[]): ForeignKeyTarget[] {
  const keys = fields.filter((field) => field.references !== undefined);
  if (keys.length === 0) return [];
  const known = knownModels(root);
  return keys.map((field) => {
    if (field.references === self.table && self.model !== "") return { field, model: self.model };
    return { field, model: known.find((m) => m.table === field.references && m.name !== self.model)?.name ?? null };
  });
}

/** The line to add to a model for a foreign key whose related model did not exist yet. */
export function relationLine(field: FieldSpec, model: string): string {
  return `${field.relation}: belongsTo(() => ${model}, "${field.property}"),`;
}

export function planRelations(root: string, model: string, table: string, fields: readonly FieldSpec[]): PlannedRelations {
  const targets = foreignKeyTargets(root, { model, table }, fields);
  const linked = targets.filter((t): t is ForeignKeyTarget & { model: string } => t.model !== null);
  if (linked.length === 0) {
    return { vars: { runtimeImports: "Model, type ModelFields", modelImports: "", relationLines: "" }, declareLines: "", targets };
  }
  const imported = [...new Set(linked.map((t) => t.model).filter((name) => name !== model))];
  return {
    vars: {
      runtimeImports: "belongsTo, Model, type ModelFields",
      modelImports: imported.map((name) => `\nimport ${name} from "./${name}";`).join(""),
      relationLines: [
        "",
        "  // loaded with find/where/all(..., { with: [...] }), Model.load(records, ...) or record.related(name)",
        "  static relations = {",
        ...linked.map((t) => `    ${relationLine(t.field, t.model)}`),
        "  };",
      ].join("\n"),
    },
    declareLines: linked.map((t) => `\n  declare ${t.field.relation}?: ${t.model} | null;`).join(""),
    targets,
  };
}

/**
 * What the CLI prints for foreign keys whose table has no model in src/models: the relation to
 * declare once there is one, and that the table must exist before this migration runs.
 */
export function missingRelationHints(model: string, targets: readonly ForeignKeyTarget[]): string[] {
  return targets
    .filter((t) => t.model === null)
    .flatMap((t) => [
      `${t.field.property} references ${t.field.references}, which no model in src/models uses yet (its table must exist before this migration runs).`,
      `Once it has one, add to ${model}:  static relations = { ${relationLine(t.field, `<Model of ${t.field.references}>`).replace(/,$/, "")} };`,
    ]);
}
