/**
 * The tests `tina4 generate route --model` writes, one per CRUD route file and mirroring it
 * (test/routes/<path>/get.test.ts for the list, …/[id:int]/put.test.ts for an update), so a
 * later run for other operations adds files instead of colliding. Each boots the app with
 * testClient() on a throwaway SQLite database, makes its records with the model and checks the
 * route's status and body: the list's paging, 201 on create, 404 for a missing id, 401 for a
 * write without a user (while TINA4_SECURE_WRITES is on).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readTemplate, type PlannedFile } from "../templates.js";
import { CliError, CliErrorCode } from "../errors.js";
import { fieldColumnType, sqlName, type Engine } from "./sql-types.js";
import { sampleRequest } from "./route-test.js";
import type { FieldSpec } from "./fields.js";
import { withArticle } from "./article.js";
import { freshHelper, uniqueValue } from "./unique-sample.js";
import { isGuarded, normalizeField, type DecimalRules } from "../../runtime/orm/fields.js";
import { decimalInput, formatDecimal } from "../../runtime/orm/decimal.js";
import type { CanonicalFieldType as FieldType, FieldDefinition } from "../../runtime/orm/fields.js";
import { registerLoader } from "../../runtime/loader/register.js";
import { modelForTable } from "./relations.js";

export interface ModelField {
  property: string;
  column: string;
  type: FieldType;
  required: boolean;
  primaryKey: boolean;
  /** A request may not send it (the key, hidden fields, timestamps, `guarded: true`): left out of the tests' bodies. */
  guarded: boolean;
  hasDefault: boolean;
  /** The column has a unique index: each record a test makes gets its own value (see unique-sample.ts). */
  unique: boolean;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  min?: number | undefined;
  max?: number | undefined;
  /** decimal fields: size and exact bounds. */
  decimal?: DecimalRules | undefined;
  precision?: number | undefined;
  scale?: number | undefined;
  /** A foreign key: the table whose id it holds (a belongsTo of the model, or `references` in generate crud). */
  references?: string | undefined;
}

/** What the tests need to know of a model: its table and fields. */
export interface ModelInfo {
  name: string;
  table: string;
  fields: ModelField[];
}

function toField(model: string, property: string, def: FieldDefinition): ModelField {
  const field = normalizeField(model, property, def);
  return {
    property,
    column: field.column,
    type: field.type,
    required: def.required === true,
    primaryKey: def.primaryKey === true,
    guarded: isGuarded(field, def.primaryKey === true || property === "id"),
    hasDefault: def.default !== undefined,
    unique: def.unique === true,
    minLength: def.minLength,
    maxLength: def.maxLength,
    min: typeof def.min === "number" ? def.min : undefined,
    max: typeof def.max === "number" ? def.max : undefined,
    ...(field.decimal && { decimal: field.decimal, precision: field.decimal.precision, scale: field.decimal.scale }),
  };
}

/** Reads the model's table and fields from its file (through the same TypeScript loader as `serve`). */
export async function loadModelInfo(file: string, name: string): Promise<ModelInfo> {
  registerLoader();
  let model: { tableName?: unknown; fields?: unknown } | undefined;
  try {
    model = ((await import(pathToFileURL(file).href)) as { default?: { tableName?: unknown; fields?: unknown } }).default;
  } catch (error) {
    throw new CliError(`Could not load ${name} from ${file} to write its tests: ${(error as Error).message}`, CliErrorCode.NO_MODEL);
  }
  if (!model || typeof model.fields !== "object" || model.fields === null || typeof model.tableName !== "string") {
    throw new CliError(`${file} does not default-export a model class with tableName and fields`, CliErrorCode.NO_MODEL);
  }
  const fields = Object.entries(model.fields as Record<string, FieldDefinition>).map(([property, def]) => toField(name, property, def));
  markForeignKeys(fields, (model as { relations?: unknown }).relations);
  return { name, table: model.tableName, fields };
}

/** The fields a model's belongsTo relations hold the keys of get the related table (`references`). */
function markForeignKeys(fields: ModelField[], relations: unknown): void {
  if (typeof relations !== "object" || relations === null) return;
  for (const relation of Object.values(relations as Record<string, { kind?: unknown; foreignKey?: unknown; target?: unknown }>)) {
    if (relation?.kind !== "belongsTo" || typeof relation.target !== "function") continue;
    const field = fields.find((f) => f.property === relation.foreignKey);
    const table = (relation.target as () => { tableName?: unknown })().tableName;
    if (field && typeof table === "string") field.references = table;
  }
}

/** The model a required foreign key points at, whose record the tests make first so the key has a row to point at. */
export interface ParentModel {
  info: ModelInfo;
  file: string;
}

/**
 * The models (of src/models) the required foreign keys of `info` point at, keyed by table. A key
 * that may be empty is left empty in the tests' records, so it needs none; a key into the model's
 * own table cannot get a first row, and a table without a model is left to the test's owner.
 */
export async function loadParents(root: string, info: ModelInfo): Promise<Map<string, ParentModel>> {
  const parents = new Map<string, ParentModel>();
  for (const field of info.fields) {
    if (!field.required || field.references === undefined || field.references === info.table || parents.has(field.references)) continue;
    const found = modelForTable(root, field.references);
    if (found) parents.set(field.references, { info: await loadModelInfo(found.file, found.name), file: found.file });
  }
  return parents;
}

/** For a model written in the same run (init --example): its fields as `generate model` writes them. */
export function modelInfoFromSpecs(name: string, table: string, specs: FieldSpec[]): ModelInfo {
  const definitions: Array<[string, FieldDefinition]> = [
    ["id", { type: "int", primaryKey: true, autoIncrement: true }],
    ...specs.map((spec): [string, FieldDefinition] => [
      spec.property,
      {
        type: spec.type,
        column: spec.column,
        required: spec.required,
        ...(spec.unique && { unique: true }),
        ...(spec.default !== undefined && { default: "now" in spec.default ? () => new Date() : spec.default.value }),
        ...(spec.type === "string" && { maxLength: 255 }),
        ...(spec.type === "decimal" && { precision: spec.precision, scale: spec.scale }),
      },
    ]),
  ];
  const fields = definitions.map(([property, def]) => toField(name, property, def));
  for (const spec of specs) if (spec.references !== undefined) fields.find((f) => f.property === spec.property)!.references = spec.references;
  return { name, table, fields };
}

const clamp = (value: number, min?: number, max?: number) => Math.min(max ?? value, Math.max(min ?? value, value));

/** A decimal's canonical text within its size and bounds: 2.50 when it fits, else its nearest bound (or 0). */
function decimalSample(rules: DecimalRules, wanted: bigint): string {
  const largest = 10n ** BigInt(rules.precision) - 1n;
  let units = wanted > largest ? largest : wanted;
  if (rules.min !== null && units < rules.min) units = rules.min;
  if (rules.max !== null && units > rules.max) units = rules.max;
  return formatDecimal(units, rules.scale);
}

/** 2.5 in a decimal's units (2.50 at scale 2, 2 at scale 0). */
function twoAndAHalf(rules: DecimalRules): bigint {
  return (25n * 10n ** BigInt(rules.scale)) / 10n;
}

function fitText(text: string, field: ModelField): string {
  const padded = field.minLength !== undefined && text.length < field.minLength ? text.padEnd(field.minLength, "x") : text;
  return field.maxLength !== undefined ? padded.slice(0, Math.max(field.maxLength, 1)) : padded;
}

/** A valid value of the field (within its length and range rules); patterns are not read. */
function sampleValue(field: ModelField): unknown {
  switch (field.type) {
    case "string":
    case "text":
      return fitText(`Sample ${field.property}`, field);
    case "int":
      return Math.trunc(clamp(7, field.min, field.max));
    case "float":
      return clamp(2.5, field.min, field.max);
    case "decimal":
      return decimalSample(field.decimal!, twoAndAHalf(field.decimal!));
    case "bool":
      return true;
    case "datetime":
      return "2026-01-02T03:04:05.000Z";
    case "json":
      return { sample: true };
  }
}

/** Types whose value comes back from the database exactly as sent, so the tests compare them. */
const EXACT = new Set<FieldType>(["string", "text", "int", "float", "decimal", "bool"]);

function literal(entries: Array<[string, unknown]>): string {
  return entries.length === 0 ? "{}" : `{ ${entries.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(", ")} }`;
}

/** `, a: 1, b: "x"`: entries to follow others in an object literal. */
function rest(entries: Array<[string, unknown]>): string {
  return entries.map(([key, value]) => `, ${key}: ${JSON.stringify(value)}`).join("");
}

/** The fields to compare: a sample value as written, a unique field's as `holder` got it (each record has its own). */
function expected(entries: Array<[string, unknown]>, unique: ReadonlySet<string>, holder: string): Array<[string, string]> {
  return entries.map(([key, value]) => [key, unique.has(key) ? `${holder}.${key}` : JSON.stringify(value)]);
}

const code = (entries: Array<[string, string]>) => (entries.length === 0 ? "{}" : `{ ${entries.map(([key, value]) => `${key}: ${value}`).join(", ")} }`);
const codeRest = (entries: Array<[string, string]>) => entries.map(([key, value]) => `, ${key}: ${value}`).join("");

/** Another valid value, for the update test. */
function changedValue(field: ModelField, value: unknown): unknown {
  if (field.type === "bool") return !value;
  if (field.type === "decimal") {
    // one unit more (one less at the top of its range): 2.50 → 2.51
    const rules = field.decimal!;
    const parsed = decimalInput(value, rules);
    const units = parsed.ok ? parsed.units : twoAndAHalf(rules);
    const next = decimalSample(rules, units + 1n);
    return next !== value ? next : decimalSample(rules, units - 1n);
  }
  if (field.type === "int" || field.type === "float") {
    const next = (value as number) + 1;
    return field.max !== undefined && next > field.max ? (value as number) - 1 : next;
  }
  return fitText(`Changed ${field.property}`, field);
}

/**
 * A generated test's table setup on its throwaway SQLite database. An SQLite app runs its own
 * migrations; another engine's cannot run on SQLite, so the test makes SQLite's form of the
 * model's table. `toRoot`: the test file's way up to the app root (`"..", ".."`).
 */
export function createTables(info: ModelInfo, engine: Engine, toRoot: string): string {
  if (engine === "sqlite") return `  await migrate(db, { dir: join(import.meta.dirname, ${toRoot}, "migrations") });`;
  const columns = info.fields.map((field) =>
    field.primaryKey
      ? `      ${sqlName("sqlite", field.column)} INTEGER PRIMARY KEY AUTOINCREMENT`
      : `      ${sqlName("sqlite", field.column)} ${fieldColumnType("sqlite", field)}${field.required ? " NOT NULL" : ""}${field.unique ? " UNIQUE" : ""}`,
  );
  return [
    `  // this app's migrations are written for ${engine}; the test's database is SQLite, so the`,
    `  // ${info.table} table is made in SQLite's form from ${info.name}'s fields`,
    `  await db.execute(\`\n    CREATE TABLE ${sqlName("sqlite", info.table)} (\n${columns.join(",\n")}\n    )\n  \`);`,
  ].join("\n");
}

export interface CrudTestOptions {
  segments: string[];
  urlPath: string;
  model: ModelInfo;
  modelFile: string;
  importPath: (fromFile: string, toFile: string) => string;
  engine: Engine;
  secureWrites: boolean;
  /** The models required foreign keys point at (loadParents), keyed by table. */
  parents?: ReadonlyMap<string, ParentModel> | undefined;
}

/** A record's sample value; a required foreign key's is 1, the first record of its table, which the tests' beforeAll makes. */
function recordValue(field: ModelField): unknown {
  return field.references !== undefined ? 1 : sampleValue(field);
}

/**
 * What the tests' setup adds for required foreign keys on a SQLite app, whose migrations make the
 * keys: each referenced model's import and one record of it, made before the tests' own records
 * point at it. (An app on another engine tests on SQLite's form of the table alone, without keys.)
 */
function parentSetup(file: string, data: readonly ModelField[], options: CrudTestOptions): { imports: string; records: string } {
  if (options.engine !== "sqlite") return { imports: "", records: "" };
  const imports: string[] = [];
  const records: string[] = [];
  for (const field of data) {
    if (!field.required || field.references === undefined) continue;
    const parent = field.references === options.model.table ? undefined : options.parents?.get(field.references);
    if (!parent) {
      records.push(`  // ${field.property}: 1 must be a row of ${field.references}: make one here (no model of ${field.references} was in src/models when this test was written)`);
      continue;
    }
    const fields = parent.info.fields.filter((f) => !f.primaryKey && (!f.guarded || (f.required && !f.hasDefault)));
    if (!imports.some((line) => line.startsWith(`import ${parent.info.name} `))) imports.push(`import ${parent.info.name} from "${options.importPath(file, parent.file)}";`);
    records.push(`  await ${parent.info.name}.create(${literal(fields.map((f) => [f.property, recordValue(f)]))}); // ${field.references} row 1: ${field.property} points at it`);
  }
  return { imports: imports.map((line) => `\n${line}`).join(""), records: records.map((line) => `\n${line}`).join("") };
}

interface CaseContext {
  method: string;
  METHOD: string;
  item: boolean;
  /** The request path as test code (a template literal for item routes). */
  path: string;
  requestPath: string;
  /** The expression a test's own record is created from. */
  stored: string;
  data: ModelInfo["fields"];
  unique: ModelInfo["fields"];
  model: ModelInfo;
  secureWrites: boolean;
}

/** The tests a route file gets only in some cases: 401 (secured writes), 422 (required fields), 409 (a unique field). */
function optionalCases(c: CaseContext): { unauthorizedCase: string; invalidCase: string; conflictCase: string } {
  const unauthorizedCase = c.secureWrites
    ? [
        `  it("answers 401 without a signed-in user (${c.METHOD} routes are secured by default: TINA4_SECURE_WRITES)", async () => {`,
        ...(c.item ? [`    const record = await ${c.model.name}.create(${c.stored});`] : []),
        `    const response = await client.${c.method}(${c.path}${c.method === "delete" ? "" : ", { json: sample }"});`,
        "    expect(response.status).toBe(401);",
        "  });",
        "",
      ].join("\n")
    : "";
  const required = c.data.some((field) => field.required && !field.hasDefault);
  const invalidCase = required
    ? [
        "",
        "  it(\"answers 422 without the required fields\", async () => {",
        "    const user = await client.as({ sub: \"1\" });",
        `    expect((await user.post(${JSON.stringify(c.requestPath)}, { json: {} })).status).toBe(422);`,
        "  });",
      ].join("\n")
    : "";
  // a unique field: the database refuses a second record with the same value, which the app answers 409
  const clash = c.unique[0];
  const conflictCase = clash
    ? [
        "",
        `  it("answers 409 for a second ${c.model.name} with the same ${clash.property} (a unique field)", async () => {`,
        "    const user = await client.as({ sub: \"1\" });",
        "    const first = fresh();",
        `    expect((await user.post(${JSON.stringify(c.requestPath)}, { json: first })).status).toBe(201);`,
        `    const again = await user.post(${JSON.stringify(c.requestPath)}, { json: { ...fresh(), ${clash.property}: first.${clash.property} } });`,
        "    expect(again.status).toBe(409);",
        "  });",
      ].join("\n")
    : "";
  return { unauthorizedCase, invalidCase, conflictCase };
}

/** The test of one CRUD route file (`template`: crud/list.ts, crud/create.ts, ...). */
export function planCrudTest(root: string, template: string, method: string, item: boolean, options: CrudTestOptions): PlannedFile {
  const { model } = options;
  const key = model.fields.find((field) => field.primaryKey)?.property ?? "id";
  // what a client may send: modelSchema refuses guarded fields with a 422; a foreign key that may be empty is left empty
  const data = model.fields.filter((field) => !field.primaryKey && !field.guarded && (field.references === undefined || field.required));
  const sample = data.map((field): [string, unknown] => [field.property, recordValue(field)]);
  // fields a record needs that no request may send (a password hash): the tests' own records get them server-side
  const serverOnly = model.fields.filter((field) => !field.primaryKey && field.guarded && field.required && !field.hasDefault);
  const keys = model.fields.filter((field) => field.references !== undefined && field.required);
  // unique fields: each record the tests make gets its own value from fresh()
  const unique = data.filter((field) => field.unique);
  const uniqueNames = new Set(unique.map((field) => field.property));
  const made = unique.length > 0 ? "fresh()" : "sample";
  const stored = serverOnly.length > 0 ? `{ ...${made}, ...serverSide }` : made;
  const exact = sample.filter(([property]) => EXACT.has(data.find((field) => field.property === property)!.type));
  // the update changes one field, a non-unique one when there is one (its test updates a single record)
  // (never a foreign key: another value would point at no row)
  const changeable = data.filter((field) => EXACT.has(field.type) && field.references === undefined);
  const first = changeable.find((field) => !field.unique) ?? changeable[0];
  const change: Array<[string, unknown]> = first ? [[first.property, changedValue(first, sampleValue(first))]] : [];

  const dirParts = item ? [...options.segments, "[id:int]"] : options.segments;
  const file = join(root, "test", "routes", ...dirParts, `${method}.test.ts`);
  const toRoot = Array.from({ length: dirParts.length + 2 }, () => '".."').join(", ");
  const METHOD = method.toUpperCase();
  const routePattern = item ? `${options.urlPath}/{id}` : options.urlPath;
  const parents = parentSetup(file, keys, options);
  const setup = readTemplate("generate/crud/tests/setup.ts", {
    runtimeImports: `Database, Model, ${options.engine === "sqlite" ? "migrate, " : ""}testClient, type TestClient`,
    Model: model.name,
    modelImport: options.importPath(file, options.modelFile),
    parentImports: parents.imports,
    parentRecords: parents.records,
    METHOD,
    routePattern,
    table: model.table,
    createTables: createTables(model, options.engine, toRoot),
    sample: literal(sample),
    serverSide: serverOnly.length > 0
      ? `\n/** Set by the server only: ${serverOnly.map((f) => f.property).join(", ")} (guarded: a request that sends one is a 422). */\nconst serverSide = ${literal(serverOnly.map((field) => [field.property, recordValue(field)]))};`
      : "",
    fresh: freshHelper(model.name, unique.map((field) => ({ field, base: sampleValue(field) }))),
  }).trimEnd();
  // a [param] folder above the resource (shops/[shopId:int]/items) gets a value of its type
  const requestPath = sampleRequest(options.segments).path;
  const path = item ? `\`${requestPath}/\${record.${key}}\`` : JSON.stringify(requestPath);
  const { unauthorizedCase, invalidCase, conflictCase } = optionalCases({ method, METHOD, item, path, requestPath, stored, data, unique, model, secureWrites: options.secureWrites });
  // a create route cannot make such a record from a request alone: its test says so until the handler sets them
  const testTemplate = template === "create.ts" && serverOnly.length > 0 ? "create-server-set.ts" : template;
  const contents = readTemplate(`generate/crud/tests/${testTemplate}`, {
    setup,
    Model: model.name,
    aModel: withArticle(model.name),
    urlPath: options.urlPath,
    requestPath,
    METHOD,
    call: method,
    key,
    body: made,
    checked: code(expected(exact, uniqueNames, "input")),
    checkedRest: codeRest(expected(exact, uniqueNames, "record")),
    checkedRestFirst: codeRest(expected(exact, uniqueNames, "first")),
    change: literal(change),
    changedRest: rest(change),
    unauthorizedCase,
    invalidCase,
    conflictCase,
    stored,
    serverOnly: JSON.stringify(serverOnly.map((field) => field.property)),
    serverOnlyList: serverOnly.map((field) => field.property).join(", "),
  });
  return { path: file, contents };
}
