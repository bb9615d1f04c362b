/**
 * `tina4 serve` names, at start, a driver package the configured database or cache needs and
 * nobody installed (an optional better-sqlite3 that could not build offline, `pg` missing from
 * a Docker image): otherwise the server starts, /__ready stays 503 and every query fails.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { missingDrivers } from "../../cli/reachability.js";
import { tempDir } from "../support/cli.js";

const saved = { ...process.env };
afterEach(() => {
  for (const name of ["TINA4_DATABASE_URL", "TINA4_CACHE_BACKEND", "TINA4_CACHE_URL"]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function project(env: Record<string, string>, fromFile: string[] = []) {
  for (const name of ["TINA4_DATABASE_URL", "TINA4_CACHE_BACKEND", "TINA4_CACHE_URL"]) delete process.env[name];
  Object.assign(process.env, env);
  return { root: tempDir("tina4-drivers-"), envSources: new Map(fromFile.map((name) => [name, ".env"])) };
}

function install(dir: string, name: string): void {
  mkdirSync(join(dir, "node_modules", name), { recursive: true });
  writeFileSync(join(dir, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.0.0" }));
}

describe("missingDrivers", () => {
  it("names the default SQLite database's driver when neither the app nor tina4 has it", () => {
    const app = project({});
    const cli = tempDir("tina4-cli-");
    expect(missingDrivers(app, [app.root, cli])).toEqual([
      "The sqlite database (the default: TINA4_DATABASE_URL is not set) needs the npm package better-sqlite3, which is not installed: run `npm install better-sqlite3`; requests that use it fail until then.",
    ]);
    install(cli, "better-sqlite3"); // tina4's own optional dependency is enough
    expect(missingDrivers(app, [app.root, cli])).toEqual([]);
  });

  it("names a network database's and cache's drivers, and where their settings came from; the app's node_modules counts", () => {
    const app = project({ TINA4_DATABASE_URL: "postgres://app:pw@db:5432/app", TINA4_CACHE_BACKEND: "valkey", TINA4_CACHE_URL: "redis://valkey:6379" }, ["TINA4_DATABASE_URL"]);
    const cli = tempDir("tina4-cli-");
    const lines = missingDrivers(app, [app.root, cli]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("The postgres database (TINA4_DATABASE_URL in .env) needs the npm package pg");
    expect(lines[0]).toContain("`npm install pg`");
    expect(lines[1]).toContain("The valkey cache (TINA4_CACHE_BACKEND from the environment) needs the npm package redis");
    expect(lines[1]).not.toContain("pw");
    install(join(app.root, "sub"), "pg"); // not on Node's lookup path from the app root
    expect(missingDrivers(app, [app.root, cli])).toHaveLength(2);
    install(app.root, "pg");
    install(app.root, "redis");
    expect(missingDrivers(app, [app.root, cli])).toEqual([]);
  });

  it("asks for nothing with the memory or file cache and finds this checkout's drivers by default", () => {
    const app = project({ TINA4_CACHE_BACKEND: "file" });
    expect(missingDrivers(app)).toEqual([]); // this repo installs better-sqlite3
  });
});
