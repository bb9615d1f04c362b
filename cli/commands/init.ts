import { basename, relative, resolve } from "node:path";
import { existsSync, mkdirSync } from "node:fs";
import type { Command } from "commander";
import prompts from "prompts";
import { CliError, CliErrorCode } from "../errors.js";
import { linkRuntime } from "../project.js";
import { isEmptyDir, planTemplateDir, writeFiles } from "../templates.js";
import { cacheChoices, databaseChoices, type CacheBackendName, type DatabaseEngine } from "../choices.js";
import { ui } from "../ui.js";
import { parseDatabaseUrl } from "../../runtime/db/url.js";
import { generateSecret } from "../../runtime/auth/secret.js";
import { planModel, planRoute } from "./generate.js";
import { tina4Dependency } from "../dependency.js";
import { planView } from "../generate/view.js";
import { createTables, modelInfoFromSpecs } from "../generate/crud-test.js";
import { engineOf } from "../generate/sql-types.js";
import { parseFields } from "../generate/fields.js";
import { tableName } from "../generate/names.js";

/** The example resource of `init --example`. */
const EXAMPLE_FIELDS = "name:string:required,price:float,inStock:bool";

interface InitOptions {
  yes?: boolean;
  example?: boolean;
  force?: boolean;
  db?: string;
  cache?: string;
}

export interface InitAnswers {
  dir: string;
  name: string;
  db: DatabaseEngine;
  cache: CacheBackendName;
  /** TINA4_DATABASE_URL for the app. */
  databaseUrl: string;
  /** TINA4_CACHE_URL for a network cache backend, else null. */
  cacheUrl: string | null;
  /** Also generate an example Product model, its migration and CRUD routes, a page with its layout, and the products page with its forms. */
  example: boolean;
}

/** npm-style package name derived from a folder name. */
export function packageName(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-._]+|[-._]+$/g, "");
  return name || "tina4-app";
}

function checkChoice<T extends string>(value: string | undefined, valid: Record<T, unknown>, flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(value in valid)) throw new CliError(`Unknown ${flag} "${value}" (valid: ${Object.keys(valid).join(", ")})`, CliErrorCode.BAD_OPTION);
  return value as T;
}

function notEmpty(dir: string): CliError {
  return new CliError(`${dir} is not empty (use --force to write into it anyway)`, CliErrorCode.NOT_EMPTY);
}

/** Answer check for a database URL: the runtime must parse it, as the engine that was chosen. */
function checkDatabaseUrl(text: string, engine: DatabaseEngine): true | string {
  try {
    const parsed = parseDatabaseUrl(text.trim());
    return parsed.engine === engine ? true : `That is a ${parsed.engine} URL; ${databaseChoices[engine].title} was chosen`;
  } catch (error) {
    return (error as Error).message.replace(/\. Expected one of:.*/, "");
  }
}

function checkCacheUrl(text: string): true | string {
  try {
    return new URL(text.trim()).host ? true : "The URL needs a host (e.g. redis://127.0.0.1:6379)";
  } catch {
    return "Not a URL (e.g. redis://127.0.0.1:6379)";
  }
}

async function ask(dirArg: string | undefined, options: InitOptions): Promise<InitAnswers> {
  const db = checkChoice<DatabaseEngine>(options.db, databaseChoices, "--db");
  const cache = checkChoice<CacheBackendName>(options.cache, cacheChoices, "--cache");
  // Refuse a non-empty folder before asking anything, not after every question.
  if (dirArg !== undefined && !options.force && !isEmptyDir(resolve(dirArg))) throw notEmpty(resolve(dirArg));
  const interactive = !options.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const name = packageName(dirArg ? basename(resolve(dirArg)) : "tina4-app");
  if (!interactive) {
    const engine = db ?? "sqlite";
    const backend = cache ?? "memory";
    return {
      dir: resolve(dirArg ?? name), name, db: engine, cache: backend, example: options.example === true,
      databaseUrl: databaseChoices[engine].url(name), cacheUrl: cacheChoices[backend].url,
    };
  }
  const onCancel = () => {
    throw new CliError("init cancelled", CliErrorCode.CANCELLED);
  };
  const folderFree = (value: string): true | string => {
    if (!value.trim()) return "A name is required";
    const dir = resolve(packageName(value));
    return dirArg !== undefined || options.force || isEmptyDir(dir) ? true : `${dir} is not empty: choose another name (or use --force)`;
  };
  type Values = { name?: string; db?: DatabaseEngine; cache?: CacheBackendName };
  const picked: Values = {};
  const engineOf = (values: Values): DatabaseEngine => db ?? values.db ?? "sqlite";
  const backendOf = (values: Values): CacheBackendName => cache ?? values.cache ?? "memory";
  const answers = await prompts(
    [
      { type: "text", name: "name", message: "Project name", initial: name, validate: folderFree },
      db ? null : { type: "select", name: "db", message: "Database", choices: Object.entries(databaseChoices).map(([value, c]) => ({ title: c.title, value })), initial: 0 },
      {
        type: (_prev: unknown, values: Values) => (engineOf(values) === "sqlite" ? null : "text"),
        name: "databaseUrl",
        message: (_prev: unknown, values: Values) => `${databaseChoices[engineOf(values)].title} URL`,
        initial: (_prev: unknown, values: Values) => databaseChoices[engineOf(values)].url(packageName(values.name ?? name)),
        validate: (text: string) => checkDatabaseUrl(text, engineOf(picked)),
      },
      cache ? null : { type: "select", name: "cache", message: "Cache backend", choices: Object.entries(cacheChoices).map(([value, c]) => ({ title: c.title, value })), initial: 0 },
      {
        type: (_prev: unknown, values: Values) => (cacheChoices[backendOf(values)].url === null ? null : "text"),
        name: "cacheUrl",
        message: (_prev: unknown, values: Values) => `${cacheChoices[backendOf(values)].title} URL`,
        initial: (_prev: unknown, values: Values) => cacheChoices[backendOf(values)].url ?? "",
        validate: checkCacheUrl,
      },
      options.example ? null : { type: "confirm", name: "example", message: "Include an example resource (Product model, migration, CRUD routes, a products page with forms) and a template page?", initial: false },
    ].filter((q) => q !== null) as prompts.PromptObject[],
    {
      onCancel,
      // validate() sees only its own answer: keep the earlier ones for the URL check.
      onSubmit: (prompt, answer) => {
        if (prompt.name === "db") picked.db = answer as DatabaseEngine;
      },
    },
  );
  const finalName = packageName(String(answers.name ?? name));
  const engine = engineOf(answers as Values);
  const backend = backendOf(answers as Values);
  return {
    dir: resolve(dirArg ?? finalName),
    name: finalName,
    db: engine,
    cache: backend,
    databaseUrl: String(answers.databaseUrl ?? databaseChoices[engine].url(finalName)).trim(),
    cacheUrl: cacheChoices[backend].url === null ? null : String(answers.cacheUrl ?? cacheChoices[backend].url).trim(),
    example: options.example === true || answers.example === true,
  };
}

/** The npm packages the chosen engine and cache backend need (SQLite's comes with tina4). */
export function driversFor(answers: Pick<InitAnswers, "db" | "cache">): string[] {
  const db = databaseChoices[answers.db].driver;
  const cache = cacheChoices[answers.cache].driver;
  return [...new Set([db === "better-sqlite3" ? null : db, cache].filter((d): d is NonNullable<typeof d> => d !== null))];
}

/** A path as one shell word: quoted when it holds anything but plain path characters. */
export function shellWord(text: string, platform: NodeJS.Platform = process.platform): string {
  if (/^[\w./@:+-]+$/.test(text)) return text;
  return platform === "win32" ? `"${text}"` : `'${text.replace(/'/g, "'\\''")}'`;
}

/** Writes a new app; returns the files written. */
export function scaffold(answers: InitAnswers, force: boolean): string[] {
  if (!isEmptyDir(answers.dir) && !force) throw notEmpty(answers.dir);
  const engine = databaseChoices[answers.db];
  const cache = cacheChoices[answers.cache];
  const hints = [engine.driver !== "better-sqlite3" ? `# ${answers.db} needs its driver: npm install ${engine.driver}` : "", cache.driver ? `# ${answers.cache} cache needs: npm install ${cache.driver}` : ""]
    .filter(Boolean)
    .join("\n");
  const files = planTemplateDir("project", answers.dir, {
    name: answers.name,
    databaseUrl: answers.databaseUrl + (hints ? "\n" + hints : ""),
    cacheBackend: answers.cache,
    cacheUrlLine: answers.cacheUrl ? `TINA4_CACHE_URL=${answers.cacheUrl}` : "",
    tina4Spec: tina4Dependency(answers.dir),
    secret: generateSecret(),
    // compose.yaml publishes /__metrics with the app's port: a token of its own, not the signing secret
    metricsToken: generateSecret(),
    // memory sessions die with each dev reload and are not shared by production workers
    sessionBackendLine: answers.cache === "memory" ? "# Sessions on files: they survive dev reloads and are shared by the workers of this machine.\n# With several machines sharing Redis/Valkey/a database cache, delete this line: sessions then follow TINA4_CACHE_BACKEND\nTINA4_SESSION_BACKEND=file" : "",
  });
  if (answers.example) {
    const modelInfo = modelInfoFromSpecs("Product", tableName("Product"), parseFields(EXAMPLE_FIELDS));
    const engine = engineOf(answers.databaseUrl);
    files.push(
      ...planModel(answers.dir, "Product", { fields: EXAMPLE_FIELDS, databaseUrl: answers.databaseUrl }),
      ...planRoute(answers.dir, "api/products", { model: "Product", modelPlanned: true, modelInfo, databaseUrl: answers.databaseUrl }),
      ...planView(answers.dir, "index", { layout: "base", example: { title: answers.name } }).files,
      // the products page: its Delete buttons are forms sent as DELETE (method_field), with its test
      ...planTemplateDir("example", answers.dir, {
        runtimeImports: `Database, Model, ${engine === "sqlite" ? "migrate, " : ""}testClient, type TestClient`,
        createTables: createTables(modelInfo, engine, '"..", "..", ".."'),
      }),
    );
  }
  // --force writes into a folder that has files: name every file replaced, never silently.
  for (const file of files) if (existsSync(file.path)) ui.warn(`replacing ${relative(process.cwd(), file.path)} (--force)`);
  writeFiles(files);
  for (const dir of ["src/models", "src/middleware", "migrations", "data"]) mkdirSync(resolve(answers.dir, dir), { recursive: true });
  linkRuntime(answers.dir);
  return files.map((file) => file.path);
}

function nextSteps(answers: InitAnswers): string {
  const where = relative(process.cwd(), answers.dir) || ".";
  const steps: Array<[command: string, note: string]> = [];
  if (where !== ".") steps.push([`cd ${shellWord(where)}`, ""]);
  const drivers = driversFor(answers);
  if (drivers.length > 0) {
    const users = [answers.db === "sqlite" ? null : databaseChoices[answers.db].title, cacheChoices[answers.cache].driver ? `the ${answers.cache} cache` : null];
    steps.push([`npm install ${drivers.join(" ")}`, `driver${drivers.length > 1 ? "s" : ""} for ${users.filter(Boolean).join(" and ")}`]);
  }
  if (answers.example) steps.push(["tina4 migrate", "create the products table"]);
  // Serving needs no install, but `npm test` needs the app's devDependencies (vitest): without
  // a driver install above (which installs them too), the step has to say so or it fails.
  const test = drivers.length > 0 ? "npm test" : "npm install && npm test";
  steps.push(["tina4 serve", "dev server with live reload"], ["tina4 routes", "list the routes"], ["tina4 console", "a REPL with the app's models, db and cache"], [test, "the app's tests, in-process through testClient()"]);
  const width = Math.max(...steps.map(([command]) => command.length));
  const lines = steps.map(([command, note]) => (note ? `  ${ui.cyan(command.padEnd(width))}  ${ui.dim(`# ${note}`)}` : `  ${ui.cyan(command)}`));
  const visit = answers.example
    ? "Then visit http://127.0.0.1:7148/ (a template page), /products (a page with forms), /api/hello and /api/products in your browser."
    : "Then visit http://127.0.0.1:7148/api/hello in your browser.";
  return `\nNext steps:\n${lines.join("\n")}\n${ui.dim(visit)}\n`;
}

export function registerInit(program: Command): void {
  program
    .command("init [dir]")
    .description("create a new tina4 app")
    .option("-y, --yes", "accept defaults, ask nothing")
    .option("--db <engine>", `database engine (${Object.keys(databaseChoices).join(", ")})`)
    .option("--cache <backend>", `cache backend (${Object.keys(cacheChoices).join(", ")})`)
    .option("--example", "include an example Product model, migration and CRUD routes, a template page with its layout, and a products page with forms")
    .option("-f, --force", "write into a non-empty folder")
    .action(async (dir: string | undefined, options: InitOptions) => {
      const started = performance.now();
      const answers = await ask(dir, options);
      const files = scaffold(answers, options.force === true);
      const where = relative(process.cwd(), answers.dir) || ".";
      ui.success(`Created ${ui.bold(answers.name)} in ${where} ${ui.dim(`(${files.length} files, ${Math.round(performance.now() - started)} ms)`)}`);
      console.log(nextSteps(answers));
    });
}
