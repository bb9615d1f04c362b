import { basename, relative, resolve } from "node:path";
import { existsSync, mkdirSync } from "node:fs";
import type { Command } from "commander";
import prompts from "prompts";
import { CliError } from "../errors.js";
import { linkRuntime } from "../project.js";
import { isEmptyDir, planTemplateDir, writeFiles } from "../templates.js";
import { cacheChoices, databaseChoices, type CacheBackendName, type DatabaseEngine } from "../choices.js";
import { ui } from "../ui.js";
import { planModel, planRoute } from "./generate.js";

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
  /** Also generate an example Product model, its migration and CRUD routes. */
  example: boolean;
}

/** npm-style package name derived from a folder name. */
export function packageName(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-._]+|[-._]+$/g, "");
  return name || "tina4-app";
}

function checkChoice<T extends string>(value: string | undefined, valid: Record<T, unknown>, flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(value in valid)) throw new CliError(`Unknown ${flag} "${value}" (valid: ${Object.keys(valid).join(", ")})`, "T4_ERR_CLI_BAD_OPTION");
  return value as T;
}

async function ask(dirArg: string | undefined, options: InitOptions): Promise<InitAnswers> {
  const db = checkChoice<DatabaseEngine>(options.db, databaseChoices, "--db");
  const cache = checkChoice<CacheBackendName>(options.cache, cacheChoices, "--cache");
  const interactive = !options.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const defaults = { name: packageName(dirArg ? basename(resolve(dirArg)) : "tina4-app"), db: db ?? "sqlite", cache: cache ?? "memory", example: options.example === true };
  if (!interactive) return { dir: resolve(dirArg ?? defaults.name), ...defaults };
  const onCancel = () => {
    throw new CliError("init cancelled", "T4_ERR_CLI_CANCELLED");
  };
  const answers = await prompts(
    [
      { type: "text", name: "name", message: "Project name", initial: defaults.name, validate: (v: string) => (v.trim() ? true : "A name is required") },
      db ? null : { type: "select", name: "db", message: "Database", choices: Object.entries(databaseChoices).map(([value, c]) => ({ title: c.title, value })), initial: 0 },
      cache ? null : { type: "select", name: "cache", message: "Cache backend", choices: Object.entries(cacheChoices).map(([value, c]) => ({ title: c.title, value })), initial: 0 },
      options.example ? null : { type: "confirm", name: "example", message: "Include an example resource (Product model, migration and CRUD routes)?", initial: false },
    ].filter((q) => q !== null) as prompts.PromptObject[],
    { onCancel },
  );
  const name = packageName(String(answers.name ?? defaults.name));
  return {
    dir: resolve(dirArg ?? name),
    name,
    db: (db ?? answers.db ?? "sqlite") as DatabaseEngine,
    cache: (cache ?? answers.cache ?? "memory") as CacheBackendName,
    example: options.example === true || answers.example === true,
  };
}

/** Writes a new app; returns the files written. */
export function scaffold(answers: InitAnswers, force: boolean): string[] {
  if (!isEmptyDir(answers.dir) && !force) {
    throw new CliError(`${answers.dir} is not empty (use --force to write into it anyway)`, "T4_ERR_CLI_NOT_EMPTY");
  }
  const engine = databaseChoices[answers.db];
  const cache = cacheChoices[answers.cache];
  const hints = [engine.driver !== "better-sqlite3" ? `# ${answers.db} needs its driver: npm install ${engine.driver}` : "", cache.driver ? `# ${answers.cache} cache needs: npm install ${cache.driver}` : ""]
    .filter(Boolean)
    .join("\n");
  const files = planTemplateDir("project", answers.dir, {
    name: answers.name,
    databaseUrl: engine.url(answers.name) + (hints ? "\n" + hints : ""),
    cacheBackend: answers.cache,
    cacheUrlLine: cache.url ? `TINA4_CACHE_URL=${cache.url}` : "",
  });
  if (answers.example) {
    const databaseUrl = engine.url(answers.name);
    files.push(
      ...planModel(answers.dir, "Product", { fields: "name:string:required,price:float,inStock:bool", databaseUrl }),
      ...planRoute(answers.dir, "api/products", { model: "Product", modelPlanned: true }),
    );
  }
  // --force writes into a folder that has files: name every file replaced, never silently.
  for (const file of files) if (existsSync(file.path)) ui.warn(`replacing ${relative(process.cwd(), file.path)} (--force)`);
  writeFiles(files);
  for (const dir of ["src/models", "src/middleware", "migrations", "data"]) mkdirSync(resolve(answers.dir, dir), { recursive: true });
  linkRuntime(answers.dir);
  return files.map((file) => file.path);
}

export function registerInit(program: Command): void {
  program
    .command("init [dir]")
    .description("create a new tina4 app")
    .option("-y, --yes", "accept defaults, ask nothing")
    .option("--db <engine>", `database engine (${Object.keys(databaseChoices).join(", ")})`)
    .option("--cache <backend>", `cache backend (${Object.keys(cacheChoices).join(", ")})`)
    .option("--example", "include an example Product model, migration and CRUD routes")
    .option("-f, --force", "write into a non-empty folder")
    .action(async (dir: string | undefined, options: InitOptions) => {
      const started = performance.now();
      const answers = await ask(dir, options);
      const files = scaffold(answers, options.force === true);
      const where = relative(process.cwd(), answers.dir) || ".";
      ui.success(`Created ${ui.bold(answers.name)} in ${where} ${ui.dim(`(${files.length} files, ${Math.round(performance.now() - started)} ms)`)}`);
      const steps = [`cd ${where}`, ...(answers.example ? ["tina4 migrate"] : []), "tina4 serve", "tina4 routes"];
      console.log(`\nNext steps:\n${steps.map((s) => `  ${ui.cyan(s)}`).join("\n")}\n  ${ui.dim(`open http://127.0.0.1:7148/api/hello${answers.example ? " and /api/products" : ""}`)}\n`);
    });
}
