/**
 * The import graph of a source tree, read with the TypeScript compiler API (no type checking):
 * static imports, re-exports and dynamic `import("...")` with a literal specifier, resolved to
 * files. Type-only imports are kept apart because they vanish at run time.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export interface ImportEdge {
  /** The resolved file (absolute), or the bare specifier for packages and node: modules. */
  target: string;
  typeOnly: boolean;
}

/** file (absolute) → what it imports. */
export type ImportGraph = Map<string, ImportEdge[]>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(m|c)?tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function resolveSpecifier(from: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.(m|c)?js$/, (ext) => ext.replace("js", "ts")), base, `${base}.ts`, join(base, "index.ts")];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? base;
}

function importClauseIsTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import "x"` runs x
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  if (bindings === undefined || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function exportIsTypeOnly(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

export function fileImports(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier !== undefined && ts.isStringLiteralLike(specifier)) edges.push({ target: resolveSpecifier(file, specifier.text), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, importClauseIsTypeOnly(node.importClause));
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, exportIsTypeOnly(node));
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(root)) graph.set(file, fileImports(file));
  return graph;
}

/** Every import cycle among the graph's own files (Tarjan's strongly connected components). */
export function findCycles(graph: ImportGraph, options: { includeTypeOnly: boolean }): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const targets = (file: string) =>
    (graph.get(file) ?? []).filter((e) => graph.has(e.target) && (options.includeTypeOnly || !e.typeOnly)).map((e) => e.target);

  const connect = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of targets(file)) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || targets(file).includes(file)) cycles.push(component.reverse());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) connect(file);
  return cycles;
}

/** Edges from files under `fromDir` to files under `toDir`, as "from → to" lines relative to `base`. */
export function edgesBetween(graph: ImportGraph, fromDir: string, toDir: string, base: string): string[] {
  const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  const out: string[] = [];
  for (const [file, edges] of graph) {
    if (!inside(file, fromDir)) continue;
    for (const edge of edges) if (inside(edge.target, toDir)) out.push(`${relative(base, file)} → ${relative(base, edge.target)}`);
  }
  return out;
}

/** Files reachable from `start` through imports that exist at run time, each with the chain that reaches it. */
export function runtimeReach(graph: ImportGraph, start: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const edge of graph.get(file) ?? []) {
      if (edge.typeOnly || !graph.has(edge.target) || chains.has(edge.target)) continue;
      chains.set(edge.target, [...chains.get(file)!, edge.target]);
      queue.push(edge.target);
    }
  }
  return chains;
}

/** Chains (as "a → b → c" relative to `base`) from files under `fromDir` that reach files under `toDir` at run time. */
export function reachBetween(graph: ImportGraph, fromDir: string, toDir: string, base: string): string[] {
  const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  const out: string[] = [];
  for (const file of graph.keys()) {
    if (!inside(file, fromDir)) continue;
    for (const [target, chain] of runtimeReach(graph, file)) {
      if (inside(target, toDir)) out.push(chain.map((f) => relative(base, f)).join(" → "));
    }
  }
  return out;
}
