import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { viewsOf } from "./support.js";

interface Case {
  feature: string;
  templates: Record<string, string>;
  main: string;
  data: Record<string, unknown>;
  expected: string;
}

// The same cases drive bench/template-engines.mjs (the engine choice in docs/decisions.md).
const cases = JSON.parse(readFileSync(new URL("./conformance-cases.json", import.meta.url), "utf8")) as Case[];
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

describe("Twig conformance (expected output is what Twig renders)", () => {
  it.each(cases.map((c) => [c.feature, c] as const))("%s", (_feature, c) => {
    const { views, cleanup } = viewsOf(c.templates);
    cleanups.push(cleanup);
    expect(views.render(c.main, c.data)).toBe(c.expected);
  });

  it("covers every feature the templates doc promises", () => {
    const features = cases.map((c) => c.feature).join("\n");
    for (const feature of ["extends", "parent()", "include with", "only", "macro", "import", "set", "for … else", "loop.", "elseif", "escape", "raw", "upper", "lower", "title", "length", "default", "date", "join", "json_encode", "number_format", "slice", "replace", "trim", "nl2br", "url_encode", "defined", "empty", "even", "comments", "whitespace", "autoescape"]) {
      expect(features, feature).toContain(feature);
    }
  });
});
