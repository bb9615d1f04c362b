import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { runCli, tempDir } from "../support/cli.js";
import { expectValidOpenApi } from "./validate.js";

// `tina4 openapi` on a generated CRUD app: the document is written without a server, is valid
// OpenAPI 3.1, and holds every route `tina4 routes --json` lists (tina4's own left out).
let root: string;
let app: string;

beforeAll(() => {
  root = tempDir("tina4-openapi-cli-");
  app = join(root, "shop");
  expect(runCli(["init", app, "--yes"], root).code).toBe(0);
  expect(runCli(["generate", "model", "Product", "--fields", "name:string:required,price:float,inStock:bool,notes:text"], app).code).toBe(0);
  expect(runCli(["generate", "route", "api/products", "--model", "Product"], app).code).toBe(0);
  expect(runCli(["generate", "route", "reports/[year:int]", "--methods", "get,any"], app).code).toBe(0);
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

type Doc = { openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> };

describe("tina4 openapi", () => {
  it("--out writes a valid OpenAPI 3.1 document holding every route of `tina4 routes --json`", async () => {
    const run = runCli(["openapi", "--out", "docs/openapi.json"], app);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Wrote docs\/openapi\.json \(OpenAPI 3\.1\.0, \d+ operations\)/);
    const doc = JSON.parse(readFileSync(join(app, "docs", "openapi.json"), "utf8")) as Doc;
    await expectValidOpenApi(doc);
    expect(doc.info.title).toBe("shop");
    const routes = JSON.parse(runCli(["routes", "--json"], app).stdout) as Array<{ method: string; path: string }>;
    const expected = routes.filter((r) => !r.path.startsWith("/__"));
    expect(expected.length).toBeGreaterThanOrEqual(7);
    for (const route of expected) {
      const path = route.path.replace(/\{(?:\.\.\.)?([A-Za-z_]\w*)(?::\w+)?\}/g, "{$1}");
      const methods = route.method === "ANY" ? ["get", "post", "put", "patch", "delete"] : [route.method.toLowerCase()];
      for (const method of methods) expect(doc.paths[path]?.[method], `${route.method} ${route.path}`).toBeDefined();
    }
  });

  it("prints JSON, or YAML with --yaml, to stdout", () => {
    const json = runCli(["openapi"], app);
    expect(json.code).toBe(0);
    const fromJson = JSON.parse(json.stdout) as Doc;
    const yaml = runCli(["openapi", "--yaml"], app);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^openapi: 3\.1\.0$/m);
    expect(parseYaml(yaml.stdout)).toEqual(fromJson);
  });

  it("a route file with a bad schema fails with the file's name and a non-zero exit", () => {
    const bad = join(app, "src", "routes", "broken", "post.ts");
    runCli(["generate", "route", "broken", "--methods", "post"], app);
    const source = readFileSync(bad, "utf8");
    try {
      writeFileSync(bad, `${source}\nexport const schema = { body: { type: "object" } };\n`);
      const run = runCli(["openapi"], app);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/src\/routes\/broken\/post\.ts: .*"body" is not a zod or Standard Schema v1 validator/);
    } finally {
      rmSync(join(app, "src", "routes", "broken"), { recursive: true, force: true });
    }
  });

  it("outside an app: a clear error and exit 1", () => {
    const run = runCli(["openapi"], root);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/No tina4 app/);
  });
});
