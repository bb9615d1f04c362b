/**
 * docs/templates.md's first example as a reader builds it: the Twig files it shows (each
 * ```twig block starting with `{# src/templates/… #}`) in a fresh app, and a route rendering
 * `products/list` the way its route does. `products/list.twig` extends `base.twig`, so the page
 * must show that layout too, or the reader's first render is a 500 "Template base.twig not found".
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot, runCli, startServe, tempDir } from "../support/cli.js";

/** path → text of every ```twig block of the page that names its file in a first-line comment. */
function twigFiles(doc: string): Map<string, string> {
  const files = new Map<string, string>();
  const markdown = readFileSync(join(repoRoot, doc), "utf8");
  for (const block of markdown.split("```twig\n").slice(1)) {
    const text = block.split("```")[0]!;
    const path = /^\{# (src\/templates\/\S+\.twig)/.exec(text)?.[1];
    if (path) files.set(path, text);
  }
  return files;
}

const work = tempDir("tina4-templates-example-");
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

describe("docs/templates.md, rendering from a route", () => {
  it("renders products/list with the files the page shows", async () => {
    const app = join(work, "shop");
    const init = runCli(["init", app, "--yes"], work);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    const files = twigFiles("docs/templates.md");
    expect([...files.keys()]).toContain("src/templates/products/list.twig");
    for (const [path, text] of files) {
      mkdirSync(dirname(join(app, path)), { recursive: true });
      writeFileSync(join(app, path), text);
    }
    // the page's route, with its model query replaced by data (models are docs/models.md's subject)
    mkdirSync(join(app, "src/routes/products"), { recursive: true });
    writeFileSync(join(app, "src/routes/products/get.ts"), [
      'import type { Request, Response } from "tina4";',
      "export default (req: Request, res: Response) =>",
      '  res.render("products/list", { products: [{ name: "Lamp <b>", price: 12 }], q: String(req.query.q ?? "") });',
      "",
    ].join("\n"));
    const served = await startServe(app);
    child = served.child;
    const res = await fetch(`${served.url}/products?q=la`);
    const html = await res.text();
    expect(res.status, html).toBe(200);
    expect(html.trimStart()).toMatch(/^<!doctype html>/i); // the layout, not a fragment
    expect(html).toContain("<h1>Products matching “la”</h1>");
    expect(html).toContain("<li>Lamp &lt;b&gt; — 12.00</li>");
  }, 60_000);
});
