/**
 * `tina4 console`: the app loaded in a REPL. Interactive runs go through a pseudo-terminal
 * (test/support/drive_tty.py) as a person types; --eval and stdin scripts as CI runs them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import Sqlite from "better-sqlite3";
import { bin, cliEnv, runCli, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";

const postgres = serviceUrl("POSTGRES");

/** A fresh `tina4 init --example` app named shop (Product model + migration, SQLite). */
function newApp(options: { migrate?: boolean } = {}): string {
  const cwd = tempDir("tina4-console-");
  const init = runCli(["init", "shop", "--yes", "--example"], cwd);
  expect(init.code, init.stderr).toBe(0);
  const dir = join(cwd, "shop");
  if (options.migrate) {
    const migrated = runCli(["migrate"], dir);
    expect(migrated.code, migrated.stderr).toBe(0);
  }
  return dir;
}

/** Types each step's keys once its text appeared; returns exit code, everything shown, and the run's seconds. */
function onTerminal(cwd: string, steps: Array<[string, string]>, env: Record<string, string> = {}) {
  const started = Date.now();
  const result = spawnSync("python3", [join(import.meta.dirname, "..", "support", "drive_tty.py"), JSON.stringify(steps), process.execPath, bin, "console"], {
    cwd,
    env: cliEnv(env),
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: result.stdout + result.stderr, seconds: (Date.now() - started) / 1000 };
}

function consoleScript(cwd: string, args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, "console", ...args], { cwd, env: cliEnv(env), encoding: "utf8", input: input ?? "", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const CTRL_D = "\u0004";

describe("tina4 console on a terminal", () => {
  it("creates and reads a Product on SQLite, writes its history 0600 and exits 0 on Ctrl-D", () => {
    const dir = newApp({ migrate: true });
    const home = tempDir("tina4-console-home-");
    const result = onTerminal(
      dir,
      [
        ["shop> ", 'const p = await Product.create({ name: "Pen", price: 2.5 })\r'],
        ["shop> ", "(await Product.find(p.id)).name + '/' + p.price\r"],
        ["shop> ", 'await cache.set("greeting", { hi: 1 }); (await cache.get("greeting")).hi + 41\r'],
        ["shop> ", "(await db.fetch('SELECT COUNT(*) AS n FROM products')).records[0].n * 100\r"],
        ["shop> ", CTRL_D],
      ],
      { HOME: home },
    );
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/tina4 console shop \((development|test)\)/); // NODE_ENV, or development
    expect(result.output).toMatch(/database\s+sqlite:data\/app\.db \(TINA4_DATABASE_URL in \.env\)/);
    expect(result.output).toMatch(/models\s+Product/);
    expect(result.output).toContain("'Pen/2.5'");
    expect(result.output).toMatch(/\n42\r?\n/);
    expect(result.output).toMatch(/\n100\r?\n/);
    // Ctrl-D closed the REPL, the database and the cache: nothing kept the process alive
    expect(result.seconds).toBeLessThan(20);

    const rows = new Sqlite(join(dir, "data", "app.db"), { readonly: true }).prepare("SELECT name, price FROM products").all();
    expect(rows).toEqual([{ name: "Pen", price: 2.5 }]);

    const history = join(dir, ".tina4", "console_history");
    expect(statSync(history).mode & 0o777).toBe(0o600);
    const lines = readFileSync(history, "utf8").split("\n");
    expect(lines[0]).toContain("SELECT COUNT(*)"); // newest first, as node's REPL stores it
    expect(lines).toContain('const p = await Product.create({ name: "Pen", price: 2.5 })');
    expect(readFileSync(join(dir, ".tina4", ".gitignore"), "utf8")).toMatch(/^\*$/m);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toMatch(/^\.tina4\/$/m); // init's template ignores it too
  });

  it("says production in its prompt when NODE_ENV=production (and .exit leaves with 0)", () => {
    const dir = newApp({ migrate: true });
    const result = onTerminal(dir, [["shop(production)> ", "Product.tableName\r"], ["shop(production)> ", ".exit\r"]], { HOME: tempDir("tina4-console-home-"), NODE_ENV: "production" });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("tina4 console shop (production)");
    expect(result.output).toContain("'products'");
  });

  it("keeps its history under HOME when the app folder is read-only, and reads it back next time", () => {
    const dir = newApp({ migrate: true });
    const home = tempDir("tina4-console-home-");
    // a file where the .tina4 folder would go: the app's place cannot be used (root ignores chmod)
    writeFileSync(join(dir, ".tina4"), "not a folder");
    const first = onTerminal(dir, [["shop> ", "6 * 7\r"], ["shop> ", CTRL_D]], { HOME: home });
    expect(first.code, first.output).toBe(0);
    const folder = join(home, ".tina4", "history");
    const [file] = existsSync(folder) ? readdirSync(folder) : [];
    expect(file).toMatch(/^shop-[0-9a-f]{8}$/);
    expect(statSync(join(folder, file!)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(folder, file!), "utf8")).toContain("6 * 7");
    // up-arrow at the next start brings the line back
    const second = onTerminal(dir, [["shop> ", "\u001b[A\r"], ["shop> ", CTRL_D]], { HOME: home });
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/\n42\r?\n/);
  });

  it("Ctrl-C ends an await that never settles (a query stuck on a lock) and gives the prompt back", () => {
    const dir = newApp();
    const result = onTerminal(dir, [
      ["shop> ", "await new Promise(() => {})\r"],
      ["await new Promise", "\u0003"],
      ["interrupted", "20 + 22\r"],
      ["shop> ", CTRL_D],
    ], { HOME: tempDir("tina4-console-home-") });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("ERR_SCRIPT_EXECUTION_INTERRUPTED");
    expect(result.output).toMatch(/\n42\r?\n/);
  });

  it(".reload re-imports an edited model and the file it imports", () => {
    const dir = newApp();
    mkdirSync(join(dir, "src", "lib"), { recursive: true });
    writeFileSync(join(dir, "src", "lib", "greeting.ts"), 'export const greeting: string = "v1";\n');
    writeFileSync(
      join(dir, "src", "models", "Greeter.ts"),
      'import { Model, type ModelFields } from "tina4";\nimport { greeting } from "../lib/greeting";\n\nexport default class Greeter extends Model {\n  static tableName = "greeters";\n  static fields: ModelFields = { id: { type: "int", primaryKey: true } };\n  static hello(): string {\n    return `hello ${greeting}`;\n  }\n}\n',
    );
    const write = (text: string) => `await import("node:fs").then((fs) => fs.writeFileSync("src/lib/greeting.ts", ${JSON.stringify(text)}))`;
    const result = onTerminal(dir, [
      ["shop> ", "Greeter.hello()\r"],
      ["'hello v1'", `${write('export const greeting: string = "v2";')}\r`],
      ["shop> ", ".reload\r"],
      ["reloaded src/models", "Greeter.hello()\r"],
      ["'hello v2'", `${write("export const greeting: string = ;")}\r`],
      ["shop> ", ".reload\r"],
      ["stay as they were", "Greeter.hello()\r"],
      ["'hello v2'", CTRL_D],
    ], { HOME: tempDir("tina4-console-home-") });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("reloaded src/models: Greeter, Product");
    // a file that does not load: named with its line, and the classes bound before stay usable
    expect(result.output).toContain("src/lib/greeting.ts:1:");
  });
});

describe.skipIf(!postgres)("tina4 console against PostgreSQL", () => {
  const table = `console_items_${process.pid}_${Date.now() % 100000}`;
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: postgres });
    await client.connect();
    await client.query(`CREATE TABLE ${table} (id SERIAL PRIMARY KEY, name VARCHAR(100) NOT NULL)`);
    return async () => {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    };
  });

  it("creates and finds a record through a model, with the password left out of the banner", async () => {
    const dir = newApp();
    writeFileSync(
      join(dir, "src", "models", "Item.ts"),
      `import { Model, type ModelFields } from "tina4";\n\nexport default class Item extends Model {\n  static tableName = "${table}";\n  static fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, name: { type: "string", required: true } };\n  declare id: number;\n  declare name: string;\n}\n`,
    );
    const result = onTerminal(
      dir,
      [
        ["shop> ", 'const item = await Item.create({ name: "Lamp" })\r'],
        ["shop> ", "(await Item.find(item.id)).name + ' ' + db.engine\r"],
        ["shop> ", CTRL_D],
      ],
      { HOME: tempDir("tina4-console-home-"), TINA4_DATABASE_URL: postgres! },
    );
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("'Lamp postgres'");
    const password = new URL(postgres!).password;
    expect(result.output).toContain(postgres!.replace(`:${password}@`, ":***@"));
    expect(result.output).not.toContain(`:${password}@`);
    const { rows } = await client.query(`SELECT name FROM ${table}`);
    expect(rows).toEqual([{ name: "Lamp" }]);
  });
});

describe("tina4 console --eval and scripts on stdin", () => {
  let dir: string;
  beforeAll(() => {
    dir = newApp({ migrate: true });
  });

  it("prints the value and exits 0", () => {
    const result = consoleScript(dir, ["--eval", "1 + 1"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("2\n");
    const count = consoleScript(dir, ["--eval", 'await Product.create({ name: "Cup" }); await Product.count()']);
    expect(count.code, count.stderr).toBe(0);
    expect(count.stdout.trim()).toMatch(/^\d+$/);
  });

  it("prints the error and exits 1 when the code throws, rejects or does not parse", () => {
    const thrown = consoleScript(dir, ["--eval", "null.x"]);
    expect(thrown.code).toBe(1);
    expect(thrown.stderr).toContain("TypeError: Cannot read properties of null");
    const rejected = consoleScript(dir, ["--eval", 'await Promise.reject(new Error("boom"))']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain("Error: boom");
    const unparsable = consoleScript(dir, ["--eval", "1 +"]);
    expect(unparsable.code).toBe(1);
    expect(unparsable.stderr).toContain("SyntaxError");
    const validation = consoleScript(dir, ["--eval", "await Product.create({})"]);
    expect(validation.code).toBe(1);
    expect(validation.stderr).toMatch(/name/);
  });

  it("shows where in the app's own files an error came from (the .ts line)", () => {
    mkdirSync(join(dir, "src", "lib"), { recursive: true });
    writeFileSync(join(dir, "src", "lib", "boom.ts"), 'export function boom(): never {\n  throw new Error("from the app");\n}\n');
    const result = consoleScript(dir, ["--eval", 'const { boom } = await import("./src/lib/boom.ts"); boom()']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Error: from the app");
    expect(result.stderr).toMatch(/^ {4}at boom \(src\/lib\/boom\.ts:2:9\)$/m);
  });

  it("runs a script piped on stdin as one unit: its last value, or its error", () => {
    const script = 'const before = await Product.count();\nawait Product.create({ name: "Mug" });\n(await Product.count()) - before\n';
    const ok = consoleScript(dir, [], script);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("1\n");
    expect(ok.stdout).not.toContain("tina4 console"); // no banner in a script's output
    const failing = consoleScript(dir, [], 'console.log("first");\nthrow new RangeError("stop here");\nconsole.log("never");\n');
    expect(failing.code).toBe(1);
    expect(failing.stdout).toBe("first\n");
    expect(failing.stderr).toContain("RangeError: stop here");
  });
});

describe("tina4 console --eval before tina4 migrate", () => {
  it("a query on a table that is not there yet says which migrations are pending and to run tina4 migrate", () => {
    const dir = newApp();
    const result = consoleScript(dir, ["--eval", "await Product.count()"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no such table: products");
    expect(result.stderr).toMatch(/1 migration is not applied yet \(\d{14}_create_products\): run tina4 migrate/);
    const other = consoleScript(dir, ["--eval", "null.x"]); // not a database error: no migration talk
    expect(other.stderr).not.toContain("tina4 migrate");
  });
});

describe("tina4 console: what it does not do", () => {
  it("creates no SQLite database: not on start, and not when db is used before tina4 migrate", () => {
    const dir = newApp();
    const file = join(dir, "data", "app.db");
    expect(existsSync(file)).toBe(false);
    const result = consoleScript(dir, ["--eval", "1+1"]);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
    const used = consoleScript(dir, ["--eval", "await db.fetch('SELECT 1')"]);
    expect(used.code).toBe(1);
    expect(used.stderr).toContain("No SQLite database at");
    expect(used.stderr).toContain("tina4 migrate");
    expect(existsSync(file)).toBe(false);
  });

  it("names the file of an app that does not load, and exits 1", () => {
    const dir = newApp();
    mkdirSync(join(dir, "src", "routes", "broken"), { recursive: true });
    writeFileSync(join(dir, "src", "routes", "broken", "get.ts"), "export default async () => {\n  return { ok: true;\n};\n");
    const route = consoleScript(dir, ["--eval", "1"]);
    expect(route.code).toBe(1);
    expect(route.stderr).toContain("src/routes/broken/get.ts:2");
    expect(route.stdout).toBe("");

    const other = newApp();
    writeFileSync(join(other, "src", "models", "Broken.ts"), 'import { Model } from "tina4";\nexport default class Broken extends Model {\n  static tableName = ;\n}\n');
    const model = consoleScript(other, ["--eval", "1"]);
    expect(model.code).toBe(1);
    expect(model.stderr).toContain("src/models/Broken.ts:3");
  });

  it("binds no model over a global the runtime or the app may use (a model named Event), and says how to reach it", () => {
    const dir = newApp();
    writeFileSync(
      join(dir, "src", "models", "Event.ts"),
      'import { Model, type ModelFields } from "tina4";\nexport default class Event extends Model {\n  static tableName = "events";\n  static fields: ModelFields = { id: { type: "int", primaryKey: true } };\n}\n',
    );
    const result = consoleScript(dir, ["--eval", '[typeof Event.tableName, new Event("ping").type, Product.tableName].join(" ")']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("undefined ping products\n"); // the global Event still works; other models are bound
    expect(result.stderr).toContain('model Event is not bound: Event already names something else here (reach it with: await import("./src/models/Event.ts"))');
    const reached = consoleScript(dir, ["--eval", '(await import("./src/models/Event.ts")).default.tableName']);
    expect(reached.code, reached.stderr).toBe(0);
    expect(reached.stdout).toBe("events\n");
  });

  it("is listed by tina4 --help", () => {
    const help = runCli(["--help"], tempDir());
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/console \[options\]\s+a REPL with the app loaded/);
  });
});
