/**
 * Error codes live in one registry per domain (`runtime/<domain>/errors.ts`, `cli/errors.ts`):
 * every `T4_ERR_*` string literal in runtime/ and cli/ is written exactly once, in its
 * registry; code elsewhere uses the registry's constant. Comments may name codes freely.
 *
 * PENDING lists literals in files other helpers were still writing when the registries were
 * introduced (issue 13); an entry that no longer matches anything fails, so the list only shrinks.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const CODE = /T4_ERR_[A-Z0-9_]*[A-Z0-9]/g;

const PENDING: Record<string, string[]> = {
  // dev error page (in progress; its code is registered as CliErrorCode.DEV_LOAD)
  "cli/dev/error-page.ts": ["T4_ERR_DEV_LOAD"],
};

export interface CodeLiteral {
  code: string;
  /** Relative to the repository, e.g. runtime/http/body.ts. */
  file: string;
  line: number;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every T4_ERR_* inside a string or template literal (not in comments). */
export function codeLiterals(file: string, text: string): CodeLiteral[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: CodeLiteral[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      for (const match of node.text.matchAll(CODE)) out.push({ code: match[0], file, line });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const isRegistry = (file: string) => basename(file) === "errors.ts";

/** Problems: literals outside a registry, and codes written more than once. */
export function registryProblems(literals: CodeLiteral[], pending: Record<string, string[]> = {}): string[] {
  const counted = literals.filter((l) => !(pending[l.file] ?? []).includes(l.code));
  const problems = counted.filter((l) => !isRegistry(l.file)).map((l) => `${l.file}:${l.line} ${l.code} outside its registry`);
  const places = new Map<string, string[]>();
  for (const l of counted) places.set(l.code, [...(places.get(l.code) ?? []), `${l.file}:${l.line}`]);
  for (const [code, where] of places) if (where.length > 1) problems.push(`${code} written ${where.length} times: ${where.join(", ")}`);
  return problems;
}

describe("error code registries", () => {
  const literals = [...sources(join(repo, "runtime")), ...sources(join(repo, "cli"))].flatMap((path) =>
    codeLiterals(relative(repo, path), readFileSync(path, "utf8")));

  it("reads the registries (sanity)", () => {
    const registered = new Set(literals.filter((l) => isRegistry(l.file)).map((l) => l.code));
    for (const code of ["T4_ERR_HTTP_NOT_FOUND", "T4_ERR_ROUTE_PATTERN", "T4_ERR_MIDDLEWARE_NEXT_TWICE", "T4_ERR_CLI_BAD_OPTION", "T4_ERR_DB_UNAVAILABLE", "T4_ERR_CACHE_BAD_KEY", "T4_ERR_MIGRATE_FAILED", "T4_ERR_ORM_DEFINITION"]) {
      expect(registered, code).toContain(code);
    }
  });

  it("writes every T4_ERR_* literal once, in its domain's errors.ts", () => {
    expect(registryProblems(literals, PENDING)).toEqual([]);
  });

  it("has no stale PENDING entries (remove an entry once its file uses the registry)", () => {
    const stale = Object.entries(PENDING).flatMap(([file, codes]) =>
      codes.filter((code) => !literals.some((l) => l.file === file && l.code === code)).map((code) => `${file} ${code}`));
    expect(stale).toEqual([]);
  });

  it("the check finds literals outside a registry and duplicates, and ignores comments", () => {
    const registry = codeLiterals("runtime/x/errors.ts", 'export const XErrorCode = { A: "T4_ERR_X_A", B: "T4_ERR_X_B" } as const;\n// T4_ERR_X_A in a comment');
    const user = codeLiterals("runtime/x/use.ts", 'throw new XError("T4_ERR_X_A", `${"T4_ERR_X_C"}`); /* "T4_ERR_X_B" */');
    expect(registryProblems([...registry, ...user])).toEqual([
      "runtime/x/use.ts:1 T4_ERR_X_A outside its registry",
      "runtime/x/use.ts:1 T4_ERR_X_C outside its registry",
      "T4_ERR_X_A written 2 times: runtime/x/errors.ts:1, runtime/x/use.ts:1",
    ]);
    expect(registryProblems([...registry, ...user], { "runtime/x/use.ts": ["T4_ERR_X_A", "T4_ERR_X_C"] })).toEqual([]);
  });
});
