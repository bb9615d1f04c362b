/** Every command's --help shows examples; usage errors point to the right --help. */
import { describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../support/cli.js";

/** Command names listed under "Commands:" in a help text (without the built-in `help`). */
function listed(help: string): string[] {
  const section = help.split("\nCommands:\n")[1]?.split("\n\n")[0] ?? "";
  return [...section.matchAll(/^  (\S+)/gm)].map((m) => m[1]!.split("|")[0]!).filter((name) => name !== "help");
}

// Every command the CLI has, read from its own help, so a new command without examples fails here.
const top = listed(runCli(["--help"], tempDir()).stdout);
const generators = listed(runCli(["generate", "--help"], tempDir()).stdout);
const COMMANDS: string[][] = [[], ...top.map((name) => [name]), ...generators.map((name) => ["generate", name])];

describe("--help", () => {
  it("the list of commands was read from the CLI's help", () => {
    expect(top).toEqual(expect.arrayContaining(["init", "serve", "build", "routes", "generate", "migrate", "migrate:create", "migrate:rollback", "migrate:status"]));
    expect(generators).toEqual(expect.arrayContaining(["route", "model", "migration", "middleware"]));
  });

  it.each(COMMANDS.map((c) => [c.join(" ") || "(root)", c] as const))("%s shows 1-3 examples of itself", (_name, command) => {
    const result = runCli([...command, "--help"], tempDir());
    expect(result.code, result.stderr).toBe(0);
    const examples = result.stdout.split("\nExamples:\n")[1];
    expect(examples, result.stdout).toBeDefined();
    const lines = examples!.split("\n").filter((line) => line.startsWith("  $ "));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(command.length ? new RegExp(`tina4 (${command[0]}|g)\\b`) : /\$ tina4 \w/);
  });

  it("the generate line of tina4 --help (and generate --help) names every generator there is", () => {
    const described = (help: string) => /^ {2}generate\|g\s+(.+)$/m.exec(help)?.[1] ?? help.split("\n")[2] ?? "";
    const line = described(runCli(["--help"], tempDir()).stdout);
    const own = runCli(["generate", "--help"], tempDir()).stdout.split("\n")[2] ?? "";
    const words: Record<string, RegExp> = { route: /routes?/, model: /models?/, crud: /CRUD/i, migration: /migrations?/, job: /jobs?/, seeder: /seeders?/, middleware: /middleware/, auth: /auth/, view: /views?/ };
    for (const name of generators) {
      expect(words[name], `a word for generate ${name}`).toBeDefined();
      expect(line, name).toMatch(words[name]!);
      expect(own, name).toMatch(words[name]!);
    }
  });

  it("generate route explains [id] and [id:int] folders", () => {
    const result = runCli(["generate", "route", "--help"], tempDir());
    expect(result.stdout).toContain("[id:int]");
    expect(result.stdout).toMatch(/typed parameter/);
    expect(result.stdout).toMatch(/\[\.\.\.rest\]/);
  });

  it("generate model --help and docs/cli.md name every field type and alias the parser accepts (date, timestamp, decimal too)", () => {
    // the parser's own list, from its error for an unknown type
    const app = tempDir();
    mkdirSync(join(app, "src", "routes"), { recursive: true });
    const refused = runCli(["generate", "model", "Thing", "a:nope", "--dry-run"], app);
    expect(refused.code).not.toBe(0);
    const [, types, aliases] = /valid: ([^;]+); aliases: ([^)\n]+)/.exec(refused.stderr) ?? [];
    const accepted = [...types!.split(", "), ...aliases!.split(", ")].map((word) => word.trim());
    expect(accepted).toEqual(expect.arrayContaining(["decimal", "integer", "number", "boolean", "date", "timestamp"]));
    const help = runCli(["generate", "model", "--help"], tempDir()).stdout.replace(/\s+/g, " ");
    const cliDoc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "cli.md"), "utf8");
    const docs = cliDoc.slice(cliDoc.indexOf("Names are validated"), cliDoc.indexOf("### Model fields"));
    for (const word of accepted) {
      expect(help, word).toMatch(new RegExp(`\\b${word}\\b`));
      expect(docs, word).toMatch(new RegExp(`\\b${word}\\b`));
    }
  });

  it("routes --help names every column the table can show (CSRF too) and says page templates are listed", () => {
    const help = runCli(["routes", "--help"], tempDir()).stdout.replace(/\s+/g, " ");
    for (const column of ["method", "path", "secured", "CSRF", "source", "middleware"]) expect(help, column).toContain(column);
    expect(help).toMatch(/route and page template/);
    expect(help).toMatch(/--json.*csrf/);
  });

  it("README's tour shows the header tina4 routes prints", () => {
    const app = join(tempDir(), "toured");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    const header = runCli(["routes"], app).stdout.split("\n")[0]!.trim().split(/\s+/);
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const shown = /^tina4 routes +# (.+)$/m.exec(readme)?.[1]?.trim().split(/\s+/);
    expect(shown).toEqual(header);
  });

  it("migrate says which database it uses: the rule, and this app's URL and its source", () => {
    const outside = runCli(["migrate", "--help"], tempDir());
    expect(outside.stdout).toContain("TINA4_DATABASE_URL");
    expect(outside.stdout).toContain("sqlite:data/app.db");

    const app = join(tempDir(), "helped");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    writeFileSync(join(app, ".env.local"), "TINA4_DATABASE_URL=postgres://app:s3cret@db.internal:5432/shop\n");
    const inside = runCli(["migrate", "--help"], join(app, "src"));
    expect(inside.stdout).toContain("postgres://app:***@db.internal:5432/shop (TINA4_DATABASE_URL in .env.local)");
    expect(inside.stdout).not.toContain("s3cret");
    const fromEnv = runCli(["migrate:status", "--help"], app, { TINA4_DATABASE_URL: "sqlite:data/other.db" });
    expect(fromEnv.stdout).toContain("sqlite:data/other.db (TINA4_DATABASE_URL from the environment)");
    // the commands that drop or fill it say so too (migrate:fresh's help said "the app's database" only)
    for (const command of ["migrate:fresh", "db:seed"]) {
      const help = runCli([command, "--help"], join(app, "src"));
      expect(help.stdout, command).toContain("Here: postgres://app:***@db.internal:5432/shop (TINA4_DATABASE_URL in .env.local)");
      expect(help.stdout, command).not.toContain("s3cret");
    }
  });
});

describe("usage errors", () => {
  it("an unknown command points to tina4 --help", () => {
    const result = runCli(["foo"], tempDir());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'foo'");
    expect(result.stderr).toContain("tina4 --help");
  });

  it("a bad subcommand call points to that subcommand's --help", () => {
    const missing = runCli(["generate", "route"], tempDir());
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("tina4 generate route --help");
    const option = runCli(["init", "x", "--dbx", "pg"], tempDir());
    expect(option.code).not.toBe(0);
    expect(option.stderr).toContain("tina4 init --help");
  });
});
