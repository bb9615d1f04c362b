import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { bin, cliEnv, runCli, tempDir } from "../support/cli.js";
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

  it("--out's next step names the address dev serve binds and prints (127.0.0.1, TINA4_HOST, TINA4_PORT), not localhost", async () => {
    const hint = (env: Record<string, string> = {}) => {
      const run = runCli(["openapi", "--out", "docs/openapi.json"], app, env);
      expect(run.code, run.stderr).toBe(0);
      return /Browse it live: tina4 serve, then open (\S+)/.exec(run.stdout)?.[1];
    };
    expect(hint()).toBe("http://127.0.0.1:7148/docs");
    expect(hint({ TINA4_HOST: "::1", TINA4_PORT: "8089" })).toBe("http://[::1]:8089/docs");
    // the same address `tina4 serve` prints when it starts with those settings
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const serve = spawn(process.execPath, [bin, "serve"], { cwd: app, env: cliEnv({ TINA4_PORT: String(port) }), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    serve.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    serve.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => serve.on("exit", resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!/dev server on/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const served = /dev server on (http:\/\/\S+)/.exec(output)?.[1];
      expect(served, output).toBe(`http://127.0.0.1:${port}`);
      expect(hint({ TINA4_PORT: String(port) })).toBe(`${served}/docs`);
    } finally {
      serve.kill("SIGTERM");
      await exited;
    }
  }, 60_000);

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
