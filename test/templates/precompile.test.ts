import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { precompileTemplates, readPrecompiled } from "../../runtime/templates/precompile.js";
import { Views } from "../../runtime/templates/views.js";
import { templatesDir } from "./support.js";

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

describe("precompiled templates (what `tina4 build` writes)", () => {
  it("compiles every template; production renders from the tokens without the sources", () => {
    const folder = templatesDir({ "base.twig": "<b>{% block x %}{% endblock %}</b>", "pages/index.twig": "{% extends 'base.twig' %}{% block x %}{{ n }}{% endblock %}", "notes.txt": "not a template" });
    cleanups.push(folder.cleanup);
    const compiled = precompileTemplates(folder.dir);
    expect(Object.keys(compiled.templates)).toEqual(["base.twig", "pages/index.twig"]);
    const file = join(folder.root, "templates.json");
    writeFileSync(file, JSON.stringify(compiled));
    rmSync(folder.dir, { recursive: true });
    const views = new Views({ dir: folder.dir, publicDir: null, dev: false, precompiled: file });
    expect(views.render("pages/index", { n: "<1>" })).toBe("<b>&lt;1&gt;</b>");
    expect(views.has("pages/index.twig")).toBe(true);
    expect(views.list()).toEqual(["base.twig", "pages/index.twig"]);
  });

  it("dev ignores precompiled tokens (the sources are the truth while editing)", () => {
    const folder = templatesDir({ "a.twig": "source" });
    cleanups.push(folder.cleanup);
    const file = join(folder.root, "templates.json");
    writeFileSync(file, JSON.stringify({ format: 1, engine: "twig", templates: { "a.twig": [{ type: "raw", value: "stale" }] } }));
    expect(new Views({ dir: folder.dir, publicDir: null, dev: true, precompiled: file }).render("a")).toBe("source");
    expect(new Views({ dir: folder.dir, publicDir: null, dev: false, precompiled: file }).render("a")).toBe("stale");
  });

  it("a syntax error fails the precompile with file, line and frame", () => {
    const folder = templatesDir({ "ok.twig": "fine", "pages/bad.twig": "<p>\n{% for x in y %}\n" });
    cleanups.push(folder.cleanup);
    expect(() => precompileTemplates(folder.dir)).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_SYNTAX", template: "pages/bad.twig", line: 2 }));
  });

  it("a missing or foreign precompiled file is ignored", () => {
    const folder = templatesDir({});
    cleanups.push(folder.cleanup);
    expect(readPrecompiled(join(folder.root, "none.json"))).toBeNull();
    writeFileSync(join(folder.root, "other.json"), JSON.stringify({ format: 9 }));
    expect(readPrecompiled(join(folder.root, "other.json"))).toBeNull();
  });
});
