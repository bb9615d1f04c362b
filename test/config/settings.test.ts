import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { SETTINGS, isSet, setting, unknownSettings, validateSettings } from "../../runtime/config/settings.js";
import { withSettingsTables, DOC_BEGIN } from "../../runtime/config/settings-doc.js";
import { ConfigError } from "../../runtime/config/errors.js";
import { repoRoot, runCli, tempDir } from "../support/cli.js";

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

function clear(...names: string[]): void {
  for (const name of names) delete process.env[name];
}

describe("setting()", () => {
  it("returns the declared default when unset or empty, parsed by type when set", () => {
    clear("TINA4_PORT", "TINA4_SECURE_WRITES", "TINA4_CORS_ORIGINS", "TINA4_CACHE_DIR");
    expect(setting("TINA4_PORT")).toBe(7148);
    expect(setting("TINA4_SECURE_WRITES")).toBe(true);
    expect(setting("TINA4_CORS_ORIGINS")).toEqual([]);
    process.env.TINA4_PORT = "9000";
    process.env.TINA4_SECURE_WRITES = "off";
    process.env.TINA4_CORS_ORIGINS = " https://a.example , https://b.example,";
    process.env.TINA4_CACHE_DIR = "";
    expect(setting("TINA4_PORT")).toBe(9000);
    expect(setting("TINA4_SECURE_WRITES")).toBe(false);
    expect(setting("TINA4_CORS_ORIGINS")).toEqual(["https://a.example", "https://b.example"]);
    expect(setting("TINA4_CACHE_DIR")).toBe("data/cache");
  });

  it("reads process.env at call time", () => {
    process.env.TINA4_DB_POOL = "7";
    expect(setting("TINA4_DB_POOL")).toBe(7);
    process.env.TINA4_DB_POOL = "9";
    expect(setting("TINA4_DB_POOL")).toBe(9);
  });

  it("picks mode-dependent defaults from NODE_ENV or the production option", () => {
    clear("TINA4_HOST", "TINA4_DRAIN_DELAY", "TINA4_SESSION_SECURE");
    process.env.NODE_ENV = "development";
    expect(setting("TINA4_HOST")).toBe("127.0.0.1");
    expect(setting("TINA4_DRAIN_DELAY")).toBe(0);
    expect(setting("TINA4_HOST", { production: true })).toBe("0.0.0.0");
    process.env.NODE_ENV = "production";
    expect(setting("TINA4_DRAIN_DELAY")).toBe(2);
    expect(setting("TINA4_SESSION_SECURE")).toBe(true);
  });

  it("keeps the numeric reading of the old helpers (fractions truncated) and has no default where none is declared", () => {
    process.env.TINA4_CACHE_TTL = "2.9";
    expect(setting("TINA4_CACHE_TTL")).toBe(2);
    clear("TINA4_QUEUE_URL", "TINA4_WORKERS");
    expect(setting("TINA4_QUEUE_URL")).toBeUndefined();
    expect(setting("TINA4_WORKERS")).toBeUndefined();
    expect(isSet("TINA4_QUEUE_URL")).toBe(false);
    process.env.TINA4_QUEUE_URL = "redis://q";
    expect(isSet("TINA4_QUEUE_URL")).toBe(true);
  });

  it("throws a ConfigError naming the variable and the expected form on a bad value", () => {
    process.env.TINA4_PORT = "abc";
    expect(() => setting("TINA4_PORT")).toThrow(ConfigError);
    expect(() => setting("TINA4_PORT")).toThrow('TINA4_PORT must be an integer from 0 to 65535, got "abc"');
    process.env.TINA4_AUTOCOMMIT = "maybe";
    expect(() => setting("TINA4_AUTOCOMMIT")).toThrow(/TINA4_AUTOCOMMIT must be true or false/);
    process.env.TINA4_WORKERS = "0";
    expect(() => setting("TINA4_WORKERS")).toThrow(/from 1 to 1024/);
  });
});

describe("validateSettings()", () => {
  it("passes a valid environment and lists every bad variable with its expected form", () => {
    expect(validateSettings({ TINA4_PORT: "8080", TINA4_CACHE_BACKEND: "redis" }).warnings).toEqual([]);
    let caught: unknown;
    try {
      validateSettings({ TINA4_PORT: "abc", TINA4_DB_POOL: "lots", TINA4_CACHE_BACKEND: "mongo-ish", TINA4_SESSION: "perhaps" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.code).toBe("T4_ERR_CONFIG_BAD_VALUE");
    expect(error.message).toContain('TINA4_PORT must be an integer from 0 to 65535, got "abc"');
    expect(error.message).toContain('TINA4_DB_POOL must be a number, got "lots"');
    expect(error.message).toContain("TINA4_CACHE_BACKEND must be one of memory, file, redis");
    expect(error.message).toContain("TINA4_SESSION must be true or false");
  });

  it("warns about unknown TINA4_ names with the nearest known one, and ignores internal ones", () => {
    const { warnings } = validateSettings({ TINA4_PROT: "1", TINA4_WORKER: "{}", TINA4_TEST_SERVICES: "required", TINA4_ZZZZZZZZZZZZZZZZZZZZZZZZ: "x" });
    expect(warnings).toContain("TINA4_PROT is not a tina4 setting (did you mean TINA4_PORT?): ignored");
    expect(warnings).toContain("TINA4_ZZZZZZZZZZZZZZZZZZZZZZZZ is not a tina4 setting: ignored");
    expect(unknownSettings({ TINA4_WORKER: "{}", TINA4_TEST_SERVICES: "x", TINA4_PORT: "1" })).toEqual([]);
  });
});

describe("the registry covers the tree", () => {
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
    });
  }
  const sources = ["runtime", "cli"].flatMap((dir) => files(join(repoRoot, dir)));

  it("has no TINA4_ environment read outside runtime/config/", () => {
    const read = /process\.env\.TINA4_|process\.env\[["'`]TINA4_|\benv(?:String|Int|Bool|List|Float)?\(\s*["'`]TINA4_/;
    const offenders = sources
      .filter((file) => !relative(repoRoot, file).startsWith(join("runtime", "config")))
      .flatMap((file) => readFileSync(file, "utf8").split("\n").map((line, i) => [`${relative(repoRoot, file)}:${i + 1}`, line] as const))
      .filter(([, line]) => read.test(line.replace(/process\.env\.TINA4_\w+\s*(\?\?)?=(?!=)/g, ""))) // writes (serve's dev secret) are not reads
      .map(([where, line]) => `${where}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });

  it("declares every TINA4_ name that setting() is called with", () => {
    const called = new Set(sources.flatMap((file) => [...readFileSync(file, "utf8").matchAll(/\bsetting\(\s*"(TINA4_[A-Z0-9_]+)"/g)].map((m) => m[1]!)));
    expect(called.size).toBeGreaterThan(0);
    expect([...called].filter((name) => !(name in SETTINGS))).toEqual([]);
  });

  it("docs/configuration.md holds the generated tables (run node scripts/gen-config-doc.mjs when this fails)", () => {
    const doc = readFileSync(join(repoRoot, "docs", "configuration.md"), "utf8");
    expect(doc).toContain(DOC_BEGIN);
    expect(withSettingsTables(doc)).toBe(doc);
    for (const name of Object.keys(SETTINGS)) expect(doc).toContain(`\`${name}\``);
  });
});

describe("tina4 serve validates the environment at startup", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tempDir(), "app");
    expect(runCli(["init", dir, "--yes"], process.cwd()).code).toBe(0);
    // the tests run migrate:status, which only reads an existing database (it no longer creates one)
    expect(runCli(["migrate"], dir).code).toBe(0);
  }, 120_000);

  it("TINA4_PORT=abc exits 1 naming the variable and the expected form", () => {
    const result = runCli(["serve"], dir, { TINA4_PORT: "abc" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TINA4_PORT must be an integer from 0 to 65535, got "abc"');
  });

  it("TINA4_LOG_LEVEL / TINA4_LOG_FORMAT of no known value stop the start naming the values (they were read as info / the default, silently)", () => {
    const level = runCli(["serve"], dir, { TINA4_LOG_LEVEL: "verbose" });
    expect(level.code).toBe(1);
    expect(level.stderr).toContain('TINA4_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"');
    const format = runCli(["migrate:status"], dir, { TINA4_LOG_FORMAT: "text" });
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('TINA4_LOG_FORMAT must be one of json, pretty, got "text"');
    expect(runCli(["migrate:status"], dir, { TINA4_LOG_LEVEL: "DEBUG", TINA4_LOG_FORMAT: "JSON" }).code).toBe(0); // case-insensitive, as before
  });

  it("tina4 migrate stops on a bad TINA4_DB_POOL before opening the database", () => {
    const result = runCli(["migrate"], dir, { TINA4_DB_POOL: "lots" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TINA4_DB_POOL must be a number, got "lots"');
  });
});
