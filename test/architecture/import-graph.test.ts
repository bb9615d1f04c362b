/**
 * House rules about imports, checked on the real source (docs/architecture.md, "Layers"): no
 * import cycles in runtime/ (among imports that exist at run time; type-only ones are erased),
 * runtime/ never imports cli/, the cache never imports the database layer (the database layer
 * depends on the cache; the `database` cache backend gets its connections through
 * runtime/cache/sql-connector.ts), and the HTTP core knows neither: runtime/http reaches no
 * database or cache file even indirectly, runtime/app.ts imports neither and reaches no
 * database file (per-request state goes through runtime/context.ts; errors carry their status).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { edgesBetween, findCycles, importGraph, reachBetween } from "../support/import-graph.js";

const repo = resolve(import.meta.dirname, "../..");
const runtime = join(repo, "runtime");
const graph = importGraph(runtime);
const shown = (cycles: string[][]) => cycles.map((c) => c.map((f) => relative(repo, f)).join(" → "));

describe("runtime/ import graph", () => {
  it("reads the whole runtime (sanity: the graph is not empty and resolves relative imports)", () => {
    expect(graph.size).toBeGreaterThan(50);
    const db = graph.get(join(runtime, "db", "database.ts"))!;
    expect(db.map((e) => relative(repo, e.target))).toContain(join("runtime", "db", "errors.ts"));
  });

  // Type-only imports are erased at build time, so a cycle made only of them (Request and
  // Response naming each other's types) cannot cause load-order bugs and is allowed.
  it("has no import cycles (static, re-export or dynamic import)", () => {
    expect(shown(findCycles(graph, { includeTypeOnly: false }))).toEqual([]);
  });

  it("never imports cli/", () => {
    expect(edgesBetween(graph, runtime, join(repo, "cli"), repo)).toEqual([]);
  });

  it("the HTTP core never imports the database or the cache", () => {
    const app = join(runtime, "app.ts");
    const http = join(runtime, "http");
    expect(graph.has(app)).toBe(true);
    for (const layer of ["db", "cache"]) {
      expect(edgesBetween(graph, app, join(runtime, layer), repo)).toEqual([]);
      expect(reachBetween(graph, http, join(runtime, layer), repo)).toEqual([]);
    }
    expect(reachBetween(graph, app, join(runtime, "db"), repo)).toEqual([]);
  });

  // Metrics are optional (TINA4_METRICS): the layers report through runtime/instruments.ts and
  // never load prom-client or the metrics module, even indirectly, so they cost nothing when off.
  it("the HTTP core, database, cache, jobs and real-time layers never reach the metrics module or prom-client", () => {
    const metricsFiles = ["metrics.ts", "layer-metrics.ts", "statement-metrics.ts", "scraped-metric.ts"].map((f) => join(runtime, "ops", f));
    for (const f of metricsFiles) expect(graph.has(f)).toBe(true);
    for (const layer of ["http", "app.ts", "db", "cache", "jobs", "realtime", "instruments.ts"]) {
      for (const f of metricsFiles) expect(reachBetween(graph, join(runtime, layer), f, repo)).toEqual([]);
    }
    const promClient = [...graph.keys()].filter((f) => /["']prom-client["']/.test(readFileSync(f, "utf8"))).map((f) => relative(repo, f));
    expect(promClient.sort()).toEqual(metricsFiles.map((f) => relative(repo, f)).sort());
  });

  it("the cache never imports the database layer (db → cache only)", () => {
    expect(edgesBetween(graph, join(runtime, "cache"), join(runtime, "db"), repo)).toEqual([]);
    expect(edgesBetween(graph, join(runtime, "db"), join(runtime, "cache"), repo).length).toBeGreaterThan(0);
  });
});

describe("the cycle check itself", () => {
  const dir = mkdtempSync(join(tmpdir(), "t4-imports-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => writeFileSync(join(dir, name), text);

  it("finds static, re-export and dynamic-import cycles; type-only ones only when asked", () => {
    file("a.ts", 'import { b } from "./b.js";\nexport const a = () => b;\n');
    file("b.ts", 'export { c as b } from "./c.js";\n');
    file("c.ts", 'export async function c() { return import("./a.js"); }\n');
    file("d.ts", 'import type { E } from "./e.js";\nexport type D = E;\n');
    file("e.ts", 'import { type D } from "./d.js";\nexport type E = D | 1;\n');
    file("f.ts", 'import "node:fs";\nimport { a } from "./a.js";\nexport const f = a;\n');
    const g = importGraph(dir);
    const runtimeCycles = findCycles(g, { includeTypeOnly: false }).map((c) => c.map((f) => relative(dir, f)).sort());
    expect(runtimeCycles).toEqual([["a.ts", "b.ts", "c.ts"]]);
    const all = findCycles(g, { includeTypeOnly: true }).map((c) => c.map((f) => relative(dir, f)).sort()).sort();
    expect(all).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts", "e.ts"]]);
    expect(edgesBetween(g, join(dir, "f.ts"), join(dir, "a.ts"), dir)).toEqual(["f.ts → a.ts"]);
    // reach follows run-time imports through other files, never type-only ones
    expect(reachBetween(g, join(dir, "f.ts"), join(dir, "c.ts"), dir)).toEqual(["f.ts → a.ts → b.ts → c.ts"]);
    expect(reachBetween(g, join(dir, "d.ts"), join(dir, "e.ts"), dir)).toEqual([]);
  });
});
