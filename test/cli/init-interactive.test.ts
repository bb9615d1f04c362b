import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, cliEnv, runCli, tempDir } from "../support/cli.js";

const DOWN = "\u001b[B";
const BACKSPACE = "\u007f";

/** Runs `tina4 <args>` in a pseudo-terminal, answering each prompt in turn (test/support/drive_tty.py). */
function onTerminal(cwd: string, steps: Array<[string, string]>, args: string[] = ["init"]) {
  const result = spawnSync("python3", [join(import.meta.dirname, "..", "support", "drive_tty.py"), JSON.stringify(steps), process.execPath, bin, ...args], {
    cwd,
    env: cliEnv(),
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe("tina4 init on a terminal", () => {
  it("asks for name, database and cache, and writes the answers", () => {
    const cwd = tempDir();
    const result = onTerminal(cwd, [
      ["Project name", "shop-api\r"], // typing replaces the suggested name
      ["Database", `${DOWN}\r`], // second choice: PostgreSQL
      ["PostgreSQL URL", "\r"], // the default shown
      ["Cache backend", `${DOWN}${DOWN}\r`], // third choice: Redis
      ["Redis URL", "\r"],
      ["example resource", "y"],
    ]);
    expect(result.code, result.output).toBe(0);
    const dir = join(cwd, "shop-api");
    expect(existsSync(join(dir, "src", "routes", "api", "hello", "get.ts"))).toBe(true);
    const env = readFileSync(join(dir, ".env"), "utf8");
    expect(env).toContain("TINA4_DATABASE_URL=postgres://postgres:password@127.0.0.1:5432/shop-api");
    expect(env).toContain("npm install pg");
    expect(env).toContain("TINA4_CACHE_BACKEND=redis");
    expect(env).toContain("TINA4_CACHE_URL=redis://127.0.0.1:6379");
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name).toBe("shop-api");
    expect(result.output).toContain("Next steps");
    expect(result.output).toContain("tina4 migrate");
    expect(result.output).toMatch(/npm test\s+# the app's tests/);
    expect(readFileSync(join(dir, "src", "models", "Product.ts"), "utf8")).toContain('static tableName = "products";');
    expect(existsSync(join(dir, "src", "routes", "api", "products", "[id:int]", "put.ts"))).toBe(true);
    const migrations = readdirSync(join(dir, "migrations"));
    const create = migrations.find((f) => f.endsWith("_create_products.sql"))!;
    expect(readFileSync(join(dir, "migrations", create), "utf8")).toContain("SERIAL PRIMARY KEY"); // PostgreSQL types for the chosen engine
  });

  it("asks for the URL of a network database and cache, checks it, and prints the driver install", () => {
    const cwd = tempDir();
    const wrong = "mysql://root:pw@db.internal/shop";
    const result = onTerminal(cwd, [
      ["Project name", "orders\r"],
      ["Database", `${DOWN}\r`],
      ["127.0.0.1:5432/orders", `${wrong}\r`], // the default is shown; a URL of another engine is refused
      ["That is a mysql URL", `${BACKSPACE.repeat(wrong.length)}postgres://app:s3cret@db.internal:6432/orders\r`],
      ["Cache backend", `${DOWN}${DOWN}\r`],
      ["redis://127.0.0.1:6379", "redis://cache.internal:6380\r"],
      ["example resource", "n"],
    ]);
    expect(result.code, result.output).toBe(0);
    const env = readFileSync(join(cwd, "orders", ".env"), "utf8");
    expect(env).toContain("TINA4_DATABASE_URL=postgres://app:s3cret@db.internal:6432/orders\n");
    expect(env).toContain("TINA4_CACHE_URL=redis://cache.internal:6380\n");
    expect(result.output).toMatch(/npm install pg redis\s+# drivers for PostgreSQL and the redis cache/);
  });

  it("refuses a non-empty folder before asking anything", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "taken"));
    writeFileSync(join(cwd, "taken", "keep.txt"), "mine");
    const result = onTerminal(cwd, [], ["init", "taken"]);
    expect(result.code).toBe(1);
    expect(result.output).toContain("is not empty");
    expect(result.output).not.toContain("Project name");
    expect(readdirSync(join(cwd, "taken"))).toEqual(["keep.txt"]);
  });

  it("takes a folder holding only a git repository (git init, or a fresh clone's .git) as empty", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, ".git", "objects"), { recursive: true });
    writeFileSync(join(cwd, ".git", "HEAD"), "ref: refs/heads/main\n");
    const result = runCli(["init", ".", "--yes"], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(cwd, "src", "routes", "api", "hello", "get.ts"))).toBe(true);
    expect(readFileSync(join(cwd, ".git", "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    // anything else still counts
    const other = tempDir();
    mkdirSync(join(other, ".git"));
    writeFileSync(join(other, "LICENSE"), "MIT\n");
    const refused = runCli(["init", ".", "--yes"], other);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not empty");
  });

  it("re-asks the project name when its folder is not empty", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "shop"));
    writeFileSync(join(cwd, "shop", "keep.txt"), "mine");
    const result = onTerminal(cwd, [
      ["Project name", "shop\r"],
      ["is not empty", `${BACKSPACE.repeat(4)}shop2\r`],
      ["Database", "\r"],
      ["Cache backend", "\r"],
      ["example resource", "n"],
    ]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toMatch(/URL ›/); // SQLite and memory need no URL question
    expect(existsSync(join(cwd, "shop2", "src", "routes"))).toBe(true);
    expect(readdirSync(join(cwd, "shop"))).toEqual(["keep.txt"]);
  });

  it("uses defaults without prompting when stdin is not a terminal", () => {
    const cwd = tempDir();
    const result = spawnSync(process.execPath, [bin, "init"], { cwd, env: cliEnv(), encoding: "utf8", input: "" });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(cwd, "tina4-app", ".env"), "utf8")).toContain("TINA4_DATABASE_URL=sqlite:data/app.db");
    expect(existsSync(join(cwd, "tina4-app", "src", "models", "Product.ts"))).toBe(false);
  });

  it("next steps quote a folder with spaces and name no platform-specific opener", () => {
    const cwd = tempDir();
    const result = runCli(["init", "My App", "--yes"], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("cd 'My App'");
    expect(result.stdout).toContain("Then visit http://127.0.0.1:7148/api/hello in your browser");
    expect(result.stdout).not.toMatch(/\bopen http/);
    expect(result.stdout).not.toMatch(/npm install [^&\s]/); // SQLite + memory need no driver
  });

  it("next steps install the app's devDependencies before npm test when no driver install does it", () => {
    const plain = runCli(["init", "plain", "--yes"], tempDir());
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/npm install && npm test\s+# the app's tests/); // `npm test` alone: "vitest: not found"
    const withDriver = runCli(["init", "pg-app", "--yes", "--db", "postgres"], tempDir());
    expect(withDriver.code, withDriver.stderr).toBe(0);
    expect(withDriver.stdout).toMatch(/npm install pg\s+#/);
    expect(withDriver.stdout).toMatch(/\n\s+npm test\s+# the app's tests/); // `npm install pg` installed vitest too
  });
});
