import { existsSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Command } from "commander";
import { readTemplate, type PlannedFile } from "../templates.js";
import { emit, type WriteOptions } from "../generate/writer.js";
import { camelCase, className, migrationSlug, routeSegments, tableName } from "../generate/names.js";
import { aliasList, FIELD_TYPES, fieldList, parseFields, type FieldSpec } from "../generate/fields.js";
import { engineOf, exactDecimal, otherEngines, primaryKeyColumn, sqlName, tableOptions, type Engine } from "../generate/sql-types.js";
import { columnDefinition, foreignKeyConstraint, indexNames, indexStatements } from "../generate/ddl.js";
import { foreignKeyTargets, missingRelationHints, planRelations, relationLine } from "../generate/relations.js";
import { addColumnsSql, checkAddable, dropColumnsSql, tableFromDescription } from "../generate/add-columns.js";
import { OPTION_NAMES, type FieldDefault } from "../generate/field-options.js";
import { openProject } from "../project.js";
import { planView } from "../generate/view.js";
import { planRouteTest, sampleRequest } from "../generate/route-test.js";
import { loadModelInfo, loadParents, modelInfoFromSpecs, planCrudTest, type ModelInfo, type ParentModel } from "../generate/crud-test.js";
import { withArticle } from "../generate/article.js";
import { CliError, CliErrorCode } from "../errors.js";
import { ui } from "../ui.js";
import { setting } from "../../runtime/config/settings.js";
import { devServerUrl } from "../server-url.js";

const METHODS = ["get", "post", "put", "patch", "delete", "any"] as const;

/** `YYYYMMDDHHMMSS` in UTC. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * The stamp for a new migration: now, or one second after the newest existing migration
 * when that is not earlier, so files generated in one second still sort in creation order.
 */
export function migrationStamp(root: string, now = new Date()): string {
  let latest = 0;
  try {
    for (const name of readdirSync(join(root, "migrations"))) {
      const match = /^(\d{14})_/.exec(name);
      if (match) latest = Math.max(latest, Number(match[1]));
    }
  } catch {
    // no migrations folder yet
  }
  const stamp = timestamp(now);
  if (Number(stamp) > latest) return stamp;
  const s = String(latest);
  const next = new Date(Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14) + 1));
  return timestamp(next);
}

function urlOf(segments: string[]): string {
  return "/" + segments.map((s) => s.replace(/^\[(\.\.\.)?([^\]:]+)(?::[a-z]+)?\]$/, (_m, dots: string | undefined, name: string) => `{${dots ?? ""}${name}}`)).join("/");
}

function importPath(fromFile: string, toFile: string): string {
  const rel = relative(join(fromFile, ".."), toFile).split(sep).join("/").replace(/\.ts$/, "");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** What `--methods` means with `--model`: each method's CRUD files (list and item for GET). */
const CRUD: Record<string, Array<{ item: boolean; template: string }>> = {
  get: [{ item: false, template: "crud/list.ts" }, { item: true, template: "crud/get.ts" }],
  post: [{ item: false, template: "crud/create.ts" }],
  put: [{ item: true, template: "crud/update.ts" }],
  patch: [{ item: true, template: "crud/update.ts" }],
  delete: [{ item: true, template: "crud/delete.ts" }],
};
const CRUD_DEFAULT = "get,post,put,delete";

function parseMethods(text: string, valid: readonly string[], context: string): string[] {
  const methods = [...new Set(text.split(",").map((m) => m.trim().toLowerCase()).filter(Boolean))];
  if (methods.length === 0) throw new CliError("--methods must list at least one method", CliErrorCode.BAD_OPTION);
  for (const method of methods) {
    if (!valid.includes(method)) throw new CliError(`Unknown method "${method}"${context} (valid: ${valid.join(", ")})`, CliErrorCode.BAD_OPTION);
  }
  return methods;
}

export interface RouteOptions {
  methods?: string;
  model?: string;
  /** The model file is written in the same run (init --example), so it need not exist yet. */
  modelPlanned?: boolean;
  /** Whether POST/PUT/PATCH/DELETE need a user (default: the app's TINA4_SECURE_WRITES), for the generated tests. */
  secureWrites?: boolean;
  /** The model's table and fields, for the CRUD routes' tests (none are written without it). */
  modelInfo?: ModelInfo;
  /** The app's database (default TINA4_DATABASE_URL): how the CRUD tests make their SQLite tables. */
  databaseUrl?: string;
  /** The models the model's required foreign keys point at: the tests make one record of each first. */
  parents?: ReadonlyMap<string, ParentModel>;
}

export function planRoute(root: string, path: string, options: RouteOptions): PlannedFile[] {
  const segments = routeSegments(path);
  const dir = join(root, "src", "routes", ...segments);
  const urlPath = urlOf(segments);
  if (options.model) {
    const model = className("Model name", options.model);
    const modelFile = join(root, "src", "models", `${model}.ts`);
    if (!options.modelPlanned && !existsSync(modelFile)) {
      throw new CliError(
        `Model "${model}" not found (no src/models/${model}.ts). Create it first: tina4 generate model ${model} --fields name:string,...`,
        CliErrorCode.NO_MODEL,
      );
    }
    const methods = parseMethods(options.methods ?? CRUD_DEFAULT, Object.keys(CRUD), " for CRUD with --model");
    const itemDir = join(dir, "[id:int]");
    const modelInfo = options.modelInfo;
    const testOptions = modelInfo && {
      segments,
      urlPath,
      model: modelInfo,
      modelFile,
      importPath,
      engine: engineOf(options.databaseUrl ?? setting("TINA4_DATABASE_URL")),
      secureWrites: options.secureWrites ?? setting("TINA4_SECURE_WRITES"),
      parents: options.parents,
    };
    return methods.flatMap((method) =>
      CRUD[method]!.flatMap(({ item, template }) => {
        const file = join(item ? itemDir : dir, `${method}.ts`);
        const vars = { Model: model, aModel: withArticle(model), modelImport: importPath(file, modelFile), urlPath, METHOD: method.toUpperCase() };
        const route = { path: file, contents: readTemplate(`generate/${template}`, vars) };
        return testOptions ? [route, planCrudTest(root, template.replace(/^crud\//, ""), method, item, testOptions)] : [route];
      }),
    );
  }
  const secureWrites = options.secureWrites ?? setting("TINA4_SECURE_WRITES");
  return parseMethods(options.methods ?? "get", METHODS, "").flatMap((method) => {
    const status = method === "post" ? "201" : "200";
    return [
      { path: join(dir, `${method}.ts`), contents: readTemplate("generate/route/handler.ts", { METHOD: method.toUpperCase(), urlPath, status }) },
      planRouteTest(root, segments, method, { urlPath, status, secureWrites }),
    ];
  });
}

const TS_TYPES: Record<FieldSpec["type"], string> = { string: "string", text: "string", int: "number", float: "number", decimal: "string", bool: "boolean", datetime: "Date", json: "unknown" };

/** A default as the model holds it: the literal, or a function giving each new record the time it is made. */
function modelDefault(value: FieldDefault): string {
  return "now" in value ? "() => new Date()" : JSON.stringify(value.value);
}

/** The options a generated field line spells out (a decimal's size always, so it matches its column). */
function fieldOptions(f: FieldSpec): string {
  return [
    f.type === "decimal" ? `, precision: ${f.precision}, scale: ${f.scale}` : "",
    f.column !== f.property ? `, column: "${f.column}"` : "",
    f.required ? ", required: true" : "",
    f.default !== undefined ? `, default: ${modelDefault(f.default)}` : "",
    f.unique ? ", unique: true" : "",
    f.type === "string" ? ", maxLength: 255" : "",
  ].join("");
}

export interface ModelOptions {
  /** `--fields name:string,price:float`. */
  fields?: string;
  /** Rails-style field arguments after the name (`name:string price:float`), added after --fields. */
  fieldArgs?: readonly string[];
  migration?: boolean;
  databaseUrl?: string;
}

export function planModel(root: string, name: string, options: ModelOptions, now = new Date()): PlannedFile[] {
  const model = className("Model name", name);
  const fields = parseFields(fieldList(options.fields, options.fieldArgs));
  const table = tableName(model);
  const fieldLines = fields
    .map((f) => `    ${f.property}: { type: "${f.type}"${fieldOptions(f)} },`)
    .join("\n");
  const declareLines = fields.map((f) => `  declare ${f.property}: ${TS_TYPES[f.type]}${f.required || f.type === "json" ? "" : " | null"};`).join("\n");
  const relations = planRelations(root, model, table, fields);
  const files: PlannedFile[] = [
    {
      path: join(root, "src", "models", `${model}.ts`),
      contents: readTemplate("generate/model/model.ts", { Model: model, table, fieldLines, declareLines: declareLines + relations.declareLines, ...relations.vars }),
    },
  ];
  const wide = fields.filter((f) => f.type === "decimal");
  if (wide.length > 0) {
    // the app's own engine must keep the digits (SQLite and SQL Server 15), or the model refuses the field on first use
    const engine = engineOf(options.databaseUrl ?? setting("TINA4_DATABASE_URL"));
    const { digits, reason } = exactDecimal(engine);
    const over = wide.find((f) => f.precision! > digits);
    if (over) throw new CliError(`Field "${over.property}": decimal(${over.precision},${over.scale}) has more digits than ${engine}, this app's database, keeps exactly (${digits}: ${reason})`, CliErrorCode.BAD_FIELD);
  }
  if (options.migration !== false) {
    const engine = engineOf(options.databaseUrl ?? setting("TINA4_DATABASE_URL"));
    const file = `${migrationStamp(root, now)}_create_${table}`;
    const createTable = (e: Engine) => {
      const columnLines = [
        ...fields.map((f) => columnDefinition(e, f)),
        ...fields.filter((f) => f.references !== undefined).map((f) => foreignKeyConstraint(e, table, f)),
      ].map((line) => `,\n  ${line}`).join("");
      const indexLines = indexStatements(e, table, fields).map((statement) => `\n${statement}`).join("");
      return readTemplate("generate/migration/create-table.sql", { table, tableSql: sqlName(e, table), Model: model, engine: e, primaryKey: primaryKeyColumn(e), columnLines, tableOptions: tableOptions(e), indexLines });
    };
    const indexes = indexNames(table, fields);
    const indexNote = indexes.length > 0 ? `\n-- Its ${indexes.length === 1 ? "index" : "indexes"} (${indexes.join(", ")}) go with the table on every engine.` : "";
    const dropTable = (e: Engine, from: string) => readTemplate("generate/migration/create-table.down.sql", { tableSql: sqlName(e, table), file: from, indexNote });
    files.push(
      { path: join(root, "migrations", `${file}.sql`), contents: createTable(engine) },
      { path: join(root, "migrations", `${file}.down.sql`), contents: dropTable(engine, `${file}.sql`) },
      // the same table for every other engine: `tina4 migrate` picks migrations/<engine>/<file>.sql there
      ...otherEngines(engine).map((e) => ({ path: join(root, "migrations", e, `${file}.sql`), contents: createTable(e) })),
      // a quoted table name differs per engine ("values", `values`, "VALUES"), so its DROP does too
      ...otherEngines(engine)
        .filter((e) => sqlName(e, table) !== table)
        .map((e) => ({ path: join(root, "migrations", e, `${file}.down.sql`), contents: dropTable(e, `${e}/${file}.sql`) })),
    );
  }
  return files;
}

export interface CrudOptions extends ModelOptions {
  /** The route folder (default: the table name, e.g. products). */
  path?: string;
  methods?: string;
  parents?: ReadonlyMap<string, ParentModel>;
}

/** `generate crud`: the model and its migration, then CRUD routes for it and their tests, in one run (Rails' scaffold). */
export function planCrud(root: string, name: string, options: CrudOptions, now = new Date()): PlannedFile[] {
  const model = className("Model name", name);
  const specs = parseFields(fieldList(options.fields, options.fieldArgs));
  const table = tableName(model);
  const path = options.path ?? table;
  routeSegments(path);
  return [
    ...planModel(root, model, options, now),
    ...planRoute(root, path, {
      model,
      modelPlanned: true,
      modelInfo: modelInfoFromSpecs(model, table, specs),
      ...(options.methods !== undefined && { methods: options.methods }),
      ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
      ...(options.parents !== undefined && { parents: options.parents }),
    }),
  ];
}

export interface MigrationOptions {
  /** Columns to add (`email:string:unique`), as `--fields` and/or arguments after the description. */
  fields?: string;
  fieldArgs?: readonly string[];
  /** The table they go into (default: the one `add_<what>_to_<table>` names). */
  table?: string;
  databaseUrl?: string;
}

export function planMigration(root: string, description: string, now = new Date(), options: MigrationOptions = {}): PlannedFile[] {
  const slug = migrationSlug(description);
  const file = `${migrationStamp(root, now)}_${slug}`;
  const fieldText = fieldList(options.fields, options.fieldArgs);
  if (fieldText !== undefined || options.table !== undefined) return planAddColumns(root, file, slug, fieldText, options);
  return [
    { path: join(root, "migrations", `${file}.sql`), contents: readTemplate("generate/migration/blank.sql", { description }) },
    { path: join(root, "migrations", `${file}.down.sql`), contents: readTemplate("generate/migration/blank.down.sql", { file: `${file}.sql` }) },
  ];
}

/** A migration adding columns to a table, with its down file, for the app's engine and each other one. */
function planAddColumns(root: string, file: string, slug: string, fieldText: string | undefined, options: MigrationOptions): PlannedFile[] {
  if (fieldText === undefined) throw new CliError("--table needs the columns to add: e.g. tina4 generate migration add_email_to_users email:string:unique", CliErrorCode.BAD_FIELD);
  const table = options.table ?? tableFromDescription(slug);
  if (table === null) {
    throw new CliError(
      `Which table do the columns go into? Name it in the description (add_<what>_to_<table>, e.g. add_email_to_users) or with --table <table>; a new table is tina4 generate model <Name> ${fieldText.split(",")[0]}`,
      CliErrorCode.BAD_FIELD,
    );
  }
  if (!/^[a-z][a-z0-9_]*$/.test(table)) throw new CliError(`Table "${table}" must be a snake_case name (letters, digits, "_")`, CliErrorCode.BAD_NAME);
  const fields = parseFields(fieldText);
  checkAddable(fields);
  const engine = engineOf(options.databaseUrl ?? setting("TINA4_DATABASE_URL"));
  const up = (e: Engine) =>
    [`-- Adds ${fields.map((f) => f.column).join(", ")} to ${table} (${e}).`, ...addColumnsSql(e, table, fields)].join("\n") + "\n";
  const down = (e: Engine, name: string) => [`-- Undoes ${name}: drops what it added, its indexes first.`, ...dropColumnsSql(e, table, fields)].join("\n") + "\n";
  return [
    { path: join(root, "migrations", `${file}.sql`), contents: up(engine) },
    { path: join(root, "migrations", `${file}.down.sql`), contents: down(engine, `${file}.sql`) },
    ...otherEngines(engine).flatMap((e) => [
      { path: join(root, "migrations", e, `${file}.sql`), contents: up(e) },
      { path: join(root, "migrations", e, `${file}.down.sql`), contents: down(e, `${e}/${file}.sql`) },
    ]),
  ];
}

/** The field lines a model gets for these fields (what `generate model` would write), for the hint after an add-columns migration. */
export function modelFieldLines(fieldText: string): string[] {
  return parseFields(fieldText).map((f) => `${f.property}: { type: "${f.type}"${fieldOptions(f)} },`);
}

export function planMiddleware(root: string, name: string, options: { function?: boolean }): PlannedFile[] {
  const Name = className("Middleware name", name);
  const template = options.function ? "generate/middleware/function.ts" : "generate/middleware/class.ts";
  return [{ path: join(root, "src", "middleware", `${Name}.ts`), contents: readTemplate(template, { Name, camelName: camelCase(Name) }) }];
}

interface Shared extends WriteOptions {
  dryRun?: boolean;
}

function withShared(command: Command): Command {
  return command.option("--dry-run", "print the files instead of writing them").option("-f, --force", "overwrite existing files");
}

/** `tina4 generate route`: the route files and their tests, then how to run and serve them. */
async function generateRoute(path: string, options: Shared & { model?: string; methods?: string }): Promise<void> {
  const project = openProject();
  let modelInfo: ModelInfo | undefined;
  let parents: ReadonlyMap<string, ParentModel> | undefined;
  if (options.model) {
    routeSegments(path); // a hostile path is refused before the model file is loaded
    const model = className("Model name", options.model);
    const modelFile = join(project.root, "src", "models", `${model}.ts`);
    if (existsSync(modelFile)) {
      modelInfo = await loadModelInfo(modelFile, model);
      parents = await loadParents(project.root, modelInfo);
    }
  }
  emit(project.root, planRoute(project.root, path, { ...options, ...(modelInfo && { modelInfo }), ...(parents && { parents }) }), options);
  if (options.dryRun) return;
  const url = urlOf(routeSegments(path));
  if (options.model) {
    ui.info(ui.dim(`\nCRUD for ${options.model} at ${url} — try: tina4 routes`));
    ui.info(`Test it:   ${ui.cyan("npm test")}  ${ui.dim(`(test/routes/${routeSegments(path).join("/")}/: each route in-process through testClient() on a throwaway SQLite database)`)}`);
  } else {
    ui.info(`\nTest it:   ${ui.cyan("npm test")}  ${ui.dim(`(test/routes/${routeSegments(path).join("/")}/: the route in-process through testClient(), no port)`)}`);
    ui.info(`Serve it:  ${ui.cyan("tina4 serve")}  ${ui.dim(`then open ${devServerUrl()}${sampleRequest(routeSegments(path)).path}`)}`);
  }
}

const FIELDS_HELP = `fields as name:type[:option...],... (types: ${FIELD_TYPES.join(" ")}; aliases: ${aliasList()}; decimal:10:2 sets precision and scale; options: ${OPTION_NAMES.join(", ")}); merged with field arguments`;

/** After a model with foreign keys is written: what to add for keys whose table has no model yet. */
function printRelationHints(root: string, name: string, fieldText: string | undefined): void {
  const model = className("Model name", name);
  // the model file just written counts as known: a key into its own table is linked already
  const hints = missingRelationHints(model, foreignKeyTargets(root, { model, table: tableName(model) }, parseFields(fieldText)));
  if (hints.length > 0) ui.info("");
  for (const hint of hints) ui.info(hint);
}

/** `generate seeder`: its own function, so registerGenerate stays short. */
function registerSeeder(generate: Command): void {
  withShared(generate.command("seeder <name>").description("src/seeds/<name>.ts: sample data for tina4 db:seed (three records of a model with --model)"))
    .option("--model <Name>", "create sample records of this model (default: the model named like the seeder, if any)")
    .action(async (name: string, options: Shared & { model?: string }) => (await import("../generate/seeder.js")).generateSeeder(name, options));
}

/** `generate crud`: a model, its migration, CRUD routes and their tests in one run. */
function registerCrud(generate: Command): void {
  withShared(
    generate
      .command("crud <Name> [fields...]")
      .description("a model, its migration and CRUD routes for it with their tests (generate model + generate route --model)"),
  )
    .option("--fields <list>", FIELDS_HELP)
    .option("--path <path>", "the routes' folder under src/routes/ (default: the table name, e.g. products)")
    .option("--methods <list>", `which CRUD operations: get,post,put,patch,delete (default ${CRUD_DEFAULT})`)
    .option("--no-migration", "skip the migration")
    .action(async (name: string, fieldArgs: string[], options: Shared & { fields?: string; path?: string; methods?: string; migration?: boolean }) => {
      const project = openProject();
      const model = className("Model name", name);
      const path = options.path ?? tableName(model);
      // the models its required foreign keys point at: its tests make a record of each first
      const parents = await loadParents(project.root, modelInfoFromSpecs(model, tableName(model), parseFields(fieldList(options.fields, fieldArgs))));
      emit(project.root, planCrud(project.root, name, { ...options, fieldArgs, parents }), options);
      if (options.dryRun) return;
      printRelationHints(project.root, name, fieldList(options.fields, fieldArgs));
      if (options.migration !== false) ui.info(`\nNext:      ${ui.cyan("tina4 migrate")}  ${ui.dim(`(creates the ${tableName(model)} table)`)}`);
      ui.info(`Test it:   ${ui.cyan("npm test")}  ${ui.dim(`(test/routes/${routeSegments(path).join("/")}/: each route in-process through testClient() on a throwaway SQLite database)`)}`);
      ui.info(`Serve it:  ${ui.cyan("tina4 serve")}  ${ui.dim(`then open ${devServerUrl()}${urlOf(routeSegments(path))}`)}`);
    });
}

/** `generate migration`: an empty migration pair, or with fields the SQL adding them to a table. */
function registerMigration(generate: Command): void {
  withShared(
    generate
      .command("migration <description> [fields...]")
      .description("migrations/<timestamp>_<description>.sql and .down.sql; with fields (add_email_to_users email:string:unique), the SQL adding them"),
  )
    .option("--fields <list>", FIELDS_HELP)
    .option("--table <table>", "the table the fields go into (default: the one add_<what>_to_<table> names)")
    .action((description: string, fieldArgs: string[], options: Shared & { fields?: string; table?: string }) => {
      const project = openProject();
      emit(project.root, planMigration(project.root, description, new Date(), { ...options, fieldArgs }), options);
      const fieldText = fieldList(options.fields, fieldArgs);
      if (options.dryRun || fieldText === undefined) return;
      ui.info(ui.dim("\nAdd them to the table's model too (src/models/…):"));
      for (const line of modelFieldLines(fieldText)) ui.info(`  ${ui.cyan(line)}`);
      const table = options.table ?? tableFromDescription(migrationSlug(description)) ?? "";
      const targets = foreignKeyTargets(project.root, { model: "", table }, parseFields(fieldText));
      if (targets.length > 0) {
        ui.info(ui.dim("and its relations (import belongsTo from \"tina4\" and each related model):"));
        ui.info(`  ${ui.cyan(`static relations = { ${targets.map((t) => relationLine(t.field, t.model ?? `<Model of ${t.field.references}>`).replace(/,$/, "")).join(", ")} };`)}`);
      }
      ui.info(`Then: ${ui.cyan("tina4 migrate")}`);
    });
}

export function registerGenerate(program: Command): void {
  const generate = program.command("generate").alias("g").description("writes routes, models, CRUD, migrations, jobs, seeders, middleware, auth, views");

  withShared(generate.command("route <path>").description("file routes under src/routes/<path>/ (CRUD with --model) and their tests under test/routes/<path>/"))
    .option("--model <Name>", "generate working CRUD for this model")
    .option("--methods <list>", `comma-separated methods: get,post,put,patch,delete,any (default get); with --model, which CRUD operations (default ${CRUD_DEFAULT})`)
    .action(generateRoute);

  withShared(
    generate
      .command("model <Name> [fields...]")
      .description("src/models/<Name>.ts plus a create-table migration; fields as arguments (title:string price:float) or --fields"),
  )
    .option("--fields <list>", FIELDS_HELP)
    .option("--no-migration", "skip the migration")
    .action((name: string, fieldArgs: string[], options: Shared & { fields?: string; migration?: boolean }) => {
      const project = openProject();
      emit(project.root, planModel(project.root, name, { ...options, fieldArgs }), options);
      if (options.dryRun) return;
      printRelationHints(project.root, name, fieldList(options.fields, fieldArgs));
      if (options.migration !== false) ui.info(ui.dim("\nNext: tina4 migrate"));
    });

  registerCrud(generate);
  registerMigration(generate);

  withShared(generate.command("job <name>").description("src/jobs/<name>.ts (the processor of queue <name>) and a test"))
    .option("--schedule <cron>", 'run it on a schedule instead ("*/5 * * * *", or 6 fields with seconds first)')
    .action(async (name: string, options: Shared & { schedule?: string }) => {
      const project = openProject();
      const { planJob } = await import("../generate/job.js");
      emit(project.root, planJob(project.root, name, options), options);
      if (!options.dryRun) {
        if (options.schedule === undefined) ui.info(`\nAdd jobs:  ${ui.cyan(`await queue("${name}").add({ message: "hi" })`)}  ${ui.dim('(import { queue } from "tina4")')}`);
        ui.info(`Run them:  ${ui.cyan("tina4 worker")}  ${ui.dim("(tina4 serve runs them in-process in dev)")}`);
      }
    });

  registerSeeder(generate);

  withShared(generate.command("middleware <Name>").description("src/middleware/<Name>.ts (class hooks, or --function for onion style)"))
    .option("--function", "function (onion) style instead of a hook class")
    .action((name: string, options: Shared & { function?: boolean }) => {
      const project = openProject();
      const files = planMiddleware(project.root, name, options);
      emit(project.root, files, options);
      if (!options.dryRun) {
        const Name = className("Middleware name", name);
        ui.info(`\nUse it on a route:  ${ui.cyan(`export const middleware = [${Name}];`)}  ${ui.dim(`(import ${Name} from "<relative path>/middleware/${Name}")`)}`);
        ui.info(`or globally in src/app.ts:  ${ui.cyan(`import { use } from "tina4"; import ${Name} from "./middleware/${Name}"; use(${Name});`)}`);
      }
    });

  withShared(generate.command("auth").description("users: a User model + migration, /auth/register, /auth/login, /auth/logout, /auth/me and their tests"))
    .action(async (options: Shared) => {
      const project = openProject();
      const { planAuth } = await import("../generate/auth.js");
      emit(project.root, planAuth(project.root, { stamp: migrationStamp(project.root) }), options);
      if (!options.dryRun) {
        ui.info(`\nNext:  ${ui.cyan("tina4 migrate")}  ${ui.dim("(creates the users table)")}`);
        ui.info(`Then:  ${ui.cyan("POST /auth/register")} {email, password, name?}, ${ui.cyan("POST /auth/login")} → {token, user} + a session cookie, ${ui.cyan("GET /auth/me")}`);
        ui.info(`Test:  ${ui.cyan("npm test")}  ${ui.dim("(test/auth.test.ts: the flow through testClient() on a throwaway SQLite database, no port)")}`);
        ui.info(ui.dim("Sessions for every route (req.user from the login cookie): TINA4_SESSION=true in .env. See docs/auth.md."));
      }
    });

  withShared(generate.command("view <name>").description("a page template src/templates/pages/<name>.twig (served at /<name>) and its layout if missing"))
    .option("--layout <name>", "the layout it extends (src/templates/<name>.twig)", "base")
    .action((name: string, options: Shared & { layout?: string }) => {
      const project = openProject();
      const plan = planView(project.root, name, options);
      emit(project.root, plan.files, options);
      if (!options.dryRun) {
        if (plan.keptLayout) ui.info(ui.dim(`kept the existing layout ${relative(project.root, plan.keptLayout)}`));
        ui.info(`\nServed at ${ui.cyan(plan.url)} by ${ui.cyan("tina4 serve")}; render it from a route with ${ui.cyan(`res.render("pages/${name.replace(/\.twig$/, "")}", data)`)}`);
      }
    });
}
