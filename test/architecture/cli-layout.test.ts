/**
 * Issue 13 item 7, kept: cli/commands/ holds commands only (library code lives beside its other
 * users, so nothing but cli/main.ts imports a command module), and no function grows past 80
 * lines — except the SQL statement splitter, one state machine read best in one piece.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { importGraph } from "../support/import-graph.js";

const repo = resolve(import.meta.dirname, "../..");
const rel = (file: string) => relative(repo, file).split("\\").join("/");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every function, method and arrow function longer than `max` lines, as "file:line name (n lines)". */
function longFunctions(file: string, max: number): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const last = source.getLineAndCharacterOfPosition(node.end).line + 1;
      const name = node.name?.getText(source) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : "(anonymous)");
      if (last - first + 1 > max) found.push(`${rel(file)}:${first} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("cli/ layout", () => {
  it("only cli/main.ts imports cli/commands/", () => {
    const commands = join(repo, "cli", "commands");
    const graph = new Map([...importGraph(join(repo, "cli")), ...importGraph(join(repo, "runtime"))]);
    const importers = [...graph].filter(([file, edges]) => !file.startsWith(commands + "/") && edges.some((edge) => edge.target.startsWith(commands + "/")));
    expect(importers.map(([file]) => rel(file))).toEqual(["cli/main.ts"]);
  });

  it("has no function over 80 lines in runtime/ or cli/ but the SQL splitter", () => {
    const long = [...sources(join(repo, "runtime")), ...sources(join(repo, "cli"))].flatMap((file) => longFunctions(file, 80));
    expect(long.filter((entry) => !entry.startsWith("runtime/migrate/splitter.ts:") || !entry.includes(" splitSql "))).toEqual([]);
  });

  it("the length check sees functions, methods and arrows (sanity)", () => {
    const long = longFunctions(join(repo, "runtime", "migrate", "splitter.ts"), 80);
    expect(long.some((entry) => entry.includes(" splitSql "))).toBe(true);
  });
});
