/**
 * Route files named as other frameworks name them (`GET.ts`, `index.ts` with a default
 * handler) serve nothing: loading them says so and what to rename them to, instead of a
 * silent 404.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "../../runtime/app.js";
import { discoverRouteFiles, loadRouteFiles } from "../../runtime/router/file-routes.js";
import { tempDir } from "../support/cli.js";

const original = process.stderr.write.bind(process.stderr);
afterEach(() => {
  process.stderr.write = original;
});

async function load(files: Record<string, string>): Promise<{ app: App; warnings: string[] }> {
  const root = tempDir("tina4-file-routes-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const warnings: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    warnings.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  const app = new App({ dev: true });
  try {
    await loadRouteFiles(app, discoverRouteFiles(root));
  } finally {
    process.stderr.write = original;
  }
  return { app, warnings: warnings.filter((line) => line.includes("WARN")) };
}

describe("file routes: misnamed files", () => {
  it("warns for a method file in upper or mixed case, naming the lower-case name", async () => {
    const { warnings } = await load({
      "src/routes/users/GET.mjs": "export default () => ({ ok: true });\n",
      "src/routes/users/Post.mjs": "export default () => ({ ok: true });\n",
    });
    expect(warnings.join("")).toContain("src/routes/users/GET.mjs is not a route file: method files are lower-case, rename it to get.mjs");
    expect(warnings.join("")).toContain("src/routes/users/Post.mjs is not a route file: method files are lower-case, rename it to post.mjs");
  });

  it("warns for index/route files whose default export is a handler, not for helpers or programmatic files", async () => {
    const { warnings } = await load({
      "src/routes/orders/index.mjs": "export default () => ({ ok: true });\n",
      "src/routes/orders/get.mjs": "export default () => ({ list: [] });\n",
      "src/routes/lib/format.mjs": "export default (x) => String(x);\n", // a helper other routes import
      "src/routes/api.mjs": 'export const registered = true;\n', // programmatic, no default
      "src/routes/shop/index.mjs": "export const nothing = 1;\n", // an index without a default handler
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("src/routes/orders/index.mjs exports a default handler but serves nothing");
    expect(warnings[0]).toContain("rename it, e.g. to get.mjs");
  });

  it("warns for a route export one or two letters from a known one (export const secure = true left the route open)", async () => {
    const { app, warnings } = await load({
      "src/routes/secret/get.mjs": "export const secure = true;\nexport const middlewares = [];\nexport const Schema = {};\nexport default () => ({ secret: 42 });\n",
      "src/routes/fine/get.mjs": "export const PAGE_SIZE = 20;\nexport const data = [1];\nexport const secured = true;\nexport const meta = { summary: 'ok' };\nexport default () => ({});\n",
    });
    const text = warnings.join("");
    expect(text).toContain('src/routes/secret/get.mjs exports "secure", which tina4 ignores: did you mean "secured"?');
    expect(text).toContain('exports "middlewares", which tina4 ignores: did you mean "middleware"?');
    expect(text).toContain('exports "Schema", which tina4 ignores: did you mean "schema"?');
    expect(text).not.toContain("src/routes/fine/");
    expect(warnings).toHaveLength(3);
    expect(app.routes().some((route) => route.path === "/secret")).toBe(true); // still served, as before
  });
});
