import type { Command } from "commander";
import { databaseHelp } from "./settings.js";
import { helpExamples } from "./ui.js";

type Example = [command: string, note?: string];

interface CommandHelp {
  /** A paragraph printed before the examples (a function is evaluated when help is shown). */
  preface?: string | (() => string);
  examples: Example[];
}

const ROUTE_FOLDERS = `Each path segment is a folder under src/routes/. A folder [id] is a parameter (/users/{id});
[id:int] is a typed parameter: only an integer matches and req.params.id arrives as a number
(types: int, float, alpha, alnum, slug, uuid, path); [...rest] catches the rest of the path.
Quote paths with brackets: shells treat [ ] as patterns.`;

/** The end of each command's --help, by command path ("" is the program itself). */
const HELP: Record<string, CommandHelp> = {
  "": {
    examples: [
      ["tina4 init my-app", "create an app"],
      ["tina4 serve", "dev server on http://127.0.0.1:7148"],
      ["tina4 generate route products --model Product", "CRUD routes for a model"],
    ],
  },
  init: {
    examples: [
      ["tina4 init my-app", "asks name, database and cache on a terminal"],
      ["tina4 init my-app --yes", "SQLite + memory cache, no questions"],
      ["tina4 init shop --db postgres --cache redis --example", "with a Product CRUD example"],
    ],
  },
  serve: {
    examples: [
      ["tina4 serve", "dev: watch, reload, live reload on http://127.0.0.1:7148"],
      ["tina4 serve --port 8080 --host 0.0.0.0", "reachable from other machines"],
      ["tina4 serve --production --workers 4", "cluster; builds dist/ first when it is stale"],
    ],
  },
  build: {
    examples: [
      ["tina4 build", "write dist/ for tina4 serve --production"],
      ["tina4 build --clean", "start from an empty dist/"],
    ],
  },
  routes: {
    examples: [["tina4 routes"], ["tina4 routes --json", "for scripts: method, path, secured, source, middleware, meta, csrf"]],
  },
  generate: {
    examples: [
      ["tina4 generate model Product --fields name:string:required,price:float"],
      ["tina4 generate route products --model Product", "CRUD routes for it"],
      ["tina4 g middleware Auth --dry-run", "g is short for generate"],
    ],
  },
  "generate route": {
    preface: ROUTE_FOLDERS,
    examples: [
      ["tina4 generate route api/stats --methods get,post", "src/routes/api/stats/get.ts and post.ts, tests in test/routes/api/stats/"],
      ["tina4 generate route 'users/[id:int]'", "GET /users/{id:int}"],
      ["tina4 generate route products --model Product", "list, get, create, update, delete"],
    ],
  },
  "generate model": {
    preface: `Fields go after the name (title:string price:float) or in --fields (a comma list); given both, they merge.
Field names may be SQL keywords (order, position, group, ...): the migration quotes them. Refused: id
(the primary key, added for you) and names every record already has (save, delete, fill, isNew, ...).
The migration's column types follow the engine of TINA4_DATABASE_URL (see tina4 migrate --help).
Money: price:decimal is DECIMAL(12,2); price:decimal:10:2 (or quoted "price:decimal(10,2)") sets precision
and scale (precision at most 18, Firebird's limit; 15 on SQLite). The value is exact text like "19.50".
Options after the type: required (NOT NULL), nullable, unique (or uniq), index, default=<value>
(quote a default holding a comma or colon: 'note:string:default="a, b"'; datetime takes default=now).`,
    examples: [
      ["tina4 generate model Post title:string:required body:text order:int", "fields as arguments"],
      ["tina4 generate model Product name:string:required sku:string:unique price:decimal:10:2:default=0", "unique index; exact money DECIMAL(10,2), default 0.00"],
      ["tina4 generate model OrderItem --fields quantity:int,price:float", "table order_items"],
    ],
  },
  "generate crud": {
    preface: "The model and its migration (fields and options as for generate model), then CRUD routes for it and their tests.",
    examples: [
      ["tina4 generate crud Product name:string:required sku:string:unique price:decimal:10:2:default=0", "src/models/Product.ts, its migration, src/routes/products/, test/routes/products/"],
      ["tina4 generate crud Member email:string:unique --path api/members --methods get,post", "routes under src/routes/api/members/"],
    ],
  },
  "generate migration": {
    examples: [
      ['tina4 generate migration "add price index"', "write the SQL, then: tina4 migrate"],
      ["tina4 generate migration add_email_to_users email:string:unique", "ALTER TABLE users ADD email ... and its unique index, per engine"],
    ],
  },
  "generate middleware": {
    examples: [
      ["tina4 generate middleware Auth", "class with static before/after hooks"],
      ["tina4 generate middleware timing --function", "async (req, res, next) => { ... }"],
    ],
  },
  "generate view": {
    examples: [
      ["tina4 generate view about", "src/templates/pages/about.twig (served at /about) and base.twig if missing"],
      ["tina4 generate view blog/post --layout layouts/blog", "a nested page extending another layout"],
    ],
  },
  "generate auth": {
    preface: "Writes a User model and migration, POST /auth/register, /auth/login, /auth/logout, GET /auth/me and test/auth.test.ts (docs/auth.md).",
    examples: [
      ["tina4 generate auth && tina4 migrate", "then POST /auth/register {email, password}"],
      ["tina4 generate auth --dry-run", "print the files, write nothing"],
    ],
  },
  "generate job": {
    examples: [
      ["tina4 generate job emails", "src/jobs/emails.ts, fed by queue(\"emails\").add(...)"],
      ['tina4 generate job cleanup --schedule "0 3 * * *"', "every day at 03:00"],
    ],
  },
  openapi: {
    examples: [["tina4 openapi --out openapi.json"], ["tina4 openapi --yaml", "print YAML"]],
  },
  console: {
    preface: "Models are bound by class name; db, cache, app and tina4 too. .reload re-imports src/models; .exit or Ctrl-D quits.",
    examples: [
      ["tina4 console", "then: await Product.find(1)"],
      ['tina4 console --eval "await Product.count()"', "print the value and exit (1 when it throws)"],
      ["tina4 console < scripts/fix.js", "run a script with the app loaded"],
    ],
  },
  worker: {
    examples: [["tina4 worker", "every job file in src/jobs/"], ["tina4 worker --queues emails,reports --concurrency 4"]],
  },
  "queue:status": { examples: [["tina4 queue:status"], ["tina4 queue:status emails", "with its failed jobs"]] },
  "queue:retry": { examples: [["tina4 queue:retry emails 42"], ["tina4 queue:retry emails --all"]] },
  "queue:show": {
    examples: [
      ["tina4 queue:show emails 42", "state, attempts, times, error and log lines (or the id alone)"],
      ["tina4 queue:show emails 42 --follow", "new log lines until the job ends (exit 1 if it failed)"],
      ["tina4 queue:show emails 42 --json", "for scripts"],
    ],
  },
  "queue:clear": { examples: [["tina4 queue:clear emails --state completed,failed"]] },
  migrate: {
    preface: databaseHelp,
    examples: [["tina4 migrate"], ["TINA4_DATABASE_URL=postgres://user:pass@host/db tina4 migrate", "another database, this once"]],
  },
  "migrate:create": { preface: databaseHelp, examples: [['tina4 migrate:create "create products"']] },
  "migrate:rollback": { preface: databaseHelp, examples: [["tina4 migrate:rollback", "undo the last batch"], ["tina4 migrate:rollback --steps 2"]] },
  "migrate:status": { preface: databaseHelp, examples: [["tina4 migrate:status"]] },
  "migrate:fresh": {
    preface: () => `Drops every table and view of the app's database (the current schema on PostgreSQL, the current
database on MySQL/MariaDB, the SQLite file; tina4's own tables too: migrations, queue, cache, locks),
then runs every migration. Asks first on a terminal; off a terminal it needs --yes; with
NODE_ENV=production it refuses unless --force. See docs/seeding.md.
${databaseHelp()}`,
    examples: [
      ["tina4 migrate:fresh --seed", "rebuild the dev database and fill it with sample data"],
      ["tina4 migrate:fresh --yes", "in a script (not in production)"],
    ],
  },
  "db:seed": {
    preface: () => `Runs src/seeds/*.ts in file-name order, each in its own transaction (a failing one is rolled back and stops the run).
${databaseHelp()}`,
    examples: [["tina4 db:seed"], ["tina4 db:seed --only 01_users", "one seeder, by file name"]],
  },
  "generate seeder": {
    examples: [
      ["tina4 generate seeder products --model Product", "src/seeds/products.ts: three sample products"],
      ["tina4 generate seeder 01_users", "a leading number orders the seeders"],
    ],
  },
};

/** Adds the examples to every registered command (commands not loaded for this run are skipped). */
export function addExamples(program: Command): void {
  const visit = (command: Command, path: string) => {
    const help = HELP[path];
    if (help) {
      const { preface, examples } = help;
      command.addHelpText("after", () => helpExamples(examples, typeof preface === "function" ? preface() : preface));
    }
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, "");
}

/** The --help to point at after a usage error: the deepest command named on the line. */
export function helpCommand(program: Command, args: string[]): string {
  const names: string[] = [];
  let command = program;
  for (const arg of args) {
    if (arg.startsWith("-")) continue;
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(sub.name());
    command = sub;
  }
  return ["tina4", ...names, "--help"].join(" ");
}
