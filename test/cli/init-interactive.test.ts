import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, cliEnv, tempDir } from "../support/cli.js";

const DOWN = "\u001b[B";

describe("tina4 init on a terminal", () => {
  it("asks for name, database and cache, and writes the answers", () => {
    const cwd = tempDir();
    const steps = [
      ["Project name", "shop-api\r"], // typing replaces the suggested name
      ["Database", `${DOWN}\r`], // second choice: PostgreSQL
      ["Cache backend", `${DOWN}${DOWN}\r`], // third choice: Redis
      ["example resource", "y"],
    ];
    const result = spawnSync("python3", [join(import.meta.dirname, "..", "support", "drive_tty.py"), JSON.stringify(steps), process.execPath, bin, "init"], {
      cwd,
      env: cliEnv(),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const dir = join(cwd, "shop-api");
    expect(existsSync(join(dir, "src", "routes", "api", "hello", "get.ts"))).toBe(true);
    const env = readFileSync(join(dir, ".env"), "utf8");
    expect(env).toContain("TINA4_DATABASE_URL=postgres://");
    expect(env).toContain("npm install pg");
    expect(env).toContain("TINA4_CACHE_BACKEND=redis");
    expect(env).toContain("TINA4_CACHE_URL=redis://");
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name).toBe("shop-api");
    expect(result.stdout).toContain("Next steps");
    expect(result.stdout).toContain("tina4 migrate");
    expect(readFileSync(join(dir, "src", "models", "Product.ts"), "utf8")).toContain('static tableName = "products";');
    expect(existsSync(join(dir, "src", "routes", "api", "products", "[id:int]", "put.ts"))).toBe(true);
    const migrations = readdirSync(join(dir, "migrations"));
    const create = migrations.find((f) => f.endsWith("_create_products.sql"))!;
    expect(readFileSync(join(dir, "migrations", create), "utf8")).toContain("SERIAL PRIMARY KEY"); // PostgreSQL types for the chosen engine
  });

  it("uses defaults without prompting when stdin is not a terminal", () => {
    const cwd = tempDir();
    const result = spawnSync(process.execPath, [bin, "init"], { cwd, env: cliEnv(), encoding: "utf8", input: "" });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(cwd, "tina4-app", ".env"), "utf8")).toContain("TINA4_DATABASE_URL=sqlite:data/app.db");
    expect(existsSync(join(cwd, "tina4-app", "src", "models", "Product.ts"))).toBe(false);
  });
});
