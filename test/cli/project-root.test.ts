/**
 * Commands run from any folder inside an app find its root by walking up (as git and npm
 * do), and then behave exactly as when run from the root.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../support/cli.js";

let app: string;

beforeAll(() => {
  app = join(tempDir(), "walk");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
});

describe("commands run from a subfolder of an app", () => {
  it("routes lists the app's routes from src/routes/api", () => {
    const result = runCli(["routes", "--json"], join(app, "src", "routes", "api"));
    expect(result.code, result.stderr).toBe(0);
    const routes = JSON.parse(result.stdout) as Array<{ method: string; path: string }>;
    expect(routes).toContainEqual(expect.objectContaining({ method: "GET", path: "/api/hello" }));
  });

  it("generate writes under the app root, not under the current folder", () => {
    const here = join(app, "src", "routes", "api");
    const result = runCli(["generate", "route", "gadgets"], here);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(app, "src", "routes", "gadgets", "get.ts"))).toBe(true);
    expect(existsSync(join(here, "src"))).toBe(false);
    expect(result.stdout).toContain("src/routes/gadgets/get.ts");
  });

  it("migrate opens the app's SQLite file relative to the root, as from the root", () => {
    const here = join(app, "src", "models");
    mkdirSync(here, { recursive: true });
    expect(runCli(["generate", "model", "Thing", "--fields", "name:string"], here).code).toBe(0);
    const result = runCli(["migrate"], here);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(app, "data", "app.db"))).toBe(true);
    expect(existsSync(join(here, "data"))).toBe(false);
  });

  it("outside any app the error still says there is none", () => {
    const result = runCli(["routes"], tempDir());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No tina4 app in .* or any folder above it/);
  });
});
