/**
 * Database-engine knowledge has one home, runtime/db (its dialects above all): no switch on an
 * engine name anywhere else in runtime/ or cli/. Code elsewhere asks the dialect
 * (`dialectFor(engine).columnType("string")`) or the engine table (`ENGINES[engine].embedded`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const home = join(repo, "runtime", "db") + sep;
const ENGINE_CASE = /\bcase\s+["'](sqlite|postgres|mysql|mssql|firebird)["']\s*:/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** `file:line case "engine":` for every engine switch in files outside runtime/db. */
function engineSwitches(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  const out: string[] = [];
  for (const { path, text } of files) {
    if (path.startsWith(home)) continue;
    text.split("\n").forEach((line, i) => {
      for (const match of line.matchAll(ENGINE_CASE)) out.push(`${relative(repo, path)}:${i + 1} ${match[0]}`);
    });
  }
  return out;
}

describe("engine knowledge", () => {
  it("switches on an engine only under runtime/db", () => {
    const files = [...sources(join(repo, "runtime")), ...sources(join(repo, "cli"))].map((path) => ({ path, text: readFileSync(path, "utf8") }));
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.path.startsWith(home) && f.text.match(ENGINE_CASE) !== null)).toBe(true); // runtime/db does switch
    expect(engineSwitches(files)).toEqual([]);
  });

  it("the check reports a switch outside runtime/db and ignores one inside", () => {
    const text = 'switch (engine) {\n  case "postgres":\n    return 1;\n  case \'firebird\': return 2;\n}';
    expect(engineSwitches([{ path: join(repo, "runtime", "orm", "x.ts"), text }])).toEqual([
      'runtime/orm/x.ts:2 case "postgres":',
      "runtime/orm/x.ts:4 case 'firebird':",
    ]);
    expect(engineSwitches([{ path: join(repo, "runtime", "db", "x.ts"), text }])).toEqual([]);
  });
});
