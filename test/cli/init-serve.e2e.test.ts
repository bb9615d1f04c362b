import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, startServe, tempDir } from "../support/cli.js";

describe("tina4 CLI end to end", () => {
  it("init → serve → GET /api/hello → SIGTERM → exit 0", async () => {
    const dir = join(tempDir(), "demo");
    const init = runCli(["init", dir, "--yes"], process.cwd());
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain("Created demo");
    for (const file of ["package.json", "tsconfig.json", ".env", ".env.example", ".gitignore", "README.md", "src/routes/api/hello/get.ts", "public/index.html"]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(existsSync(join(dir, "node_modules", "tina4", "package.json"))).toBe(true);

    const served = await startServe(dir);
    try {
      const res = await fetch(`${served.url}/api/hello`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(await res.json()).toEqual({ message: "Hello from tina4!" });
      expect((await fetch(`${served.url}/`)).headers.get("content-type")).toContain("text/html");
    } finally {
      served.child.kill("SIGTERM");
    }
    expect(await served.exited).toBe(0);
  });

  it("serves bundler-style imports between app files and programmatic routes", async () => {
    const dir = join(tempDir(), "imports");
    expect(runCli(["init", dir, "--yes"], process.cwd()).code).toBe(0);
    mkdirSync(join(dir, "src", "lib"), { recursive: true });
    writeFileSync(join(dir, "src", "lib", "greet.ts"), "export const greet = (name: string): string => `hi ${name}`;\n");
    mkdirSync(join(dir, "src", "routes", "users", "[id:int]"), { recursive: true });
    writeFileSync(join(dir, "src", "routes", "users", "[id:int]", "get.ts"),
      'import type { Request } from "tina4";\nimport { greet } from "../../../lib/greet";\nexport default (req: Request) => ({ id: req.params.id, text: greet(String(req.params.id)) });\n');
    writeFileSync(join(dir, "src", "routes", "extra.ts"),
      'import { get, group } from "tina4";\nimport { greet } from "../lib/greet.js";\ngroup("/v2", () => { get("/hi/{name}", (req) => greet(String(req.params.name))); });\n');
    writeFileSync(join(dir, "src", "app.ts"), 'import { use, securityHeaders } from "tina4";\nuse(securityHeaders());\n');
    const routes = runCli(["routes", "--json"], dir);
    expect(routes.code, routes.stderr).toBe(0);
    const table = JSON.parse(routes.stdout) as Array<{ method: string; path: string; source: string }>;
    expect(table).toContainEqual(expect.objectContaining({ method: "GET", path: "/users/{id:int}", source: "src/routes/users/[id:int]/get.ts" }));
    expect(table).toContainEqual(expect.objectContaining({ method: "GET", path: "/v2/hi/{name}", source: "src/routes/extra.ts" }));
    expect(table.find((r) => r.path === "/users/{id:int}")).toMatchObject({ middleware: ["securityHeaders"] });

    const served = await startServe(dir);
    try {
      const user = await fetch(`${served.url}/users/7`);
      expect(await user.json()).toEqual({ id: 7, text: "hi 7" });
      expect(user.headers.get("x-content-type-options")).toBe("nosniff"); // global middleware from src/app.ts
      expect(await (await fetch(`${served.url}/v2/hi/bob`)).text()).toBe("hi bob");
      expect((await fetch(`${served.url}/users/abc`)).status).toBe(404);
    } finally {
      served.child.kill("SIGINT");
    }
    expect(await served.exited).toBe(0);
  });

  it("fails with one clear line and a non-zero exit on bad input", () => {
    const empty = tempDir();
    const noApp = runCli(["serve"], empty);
    expect(noApp.code).toBe(1);
    expect(noApp.stderr).toContain("No tina4 app");

    const dir = join(tempDir(), "taken");
    mkdirSync(dir);
    writeFileSync(join(dir, "keep.txt"), "mine");
    const refused = runCli(["init", dir, "--yes"], process.cwd());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not empty");
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("mine");
    expect(existsSync(join(dir, "package.json"))).toBe(false);
    expect(runCli(["init", dir, "--yes", "--force"], process.cwd()).code).toBe(0);

    const badDb = runCli(["init", join(tempDir(), "x"), "--yes", "--db", "oracle"], process.cwd());
    expect(badDb.code).toBe(1);
    expect(badDb.stderr).toContain('Unknown --db "oracle"');

    const unknown = runCli(["frobnicate"], empty);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command");

    const badCache = runCli(["serve"], dir, { TINA4_CACHE_BACKEND: "mongo-ish" });
    expect(badCache.code).toBe(1);
    expect(badCache.stderr).toMatch(/unknown TINA4_CACHE_BACKEND "mongo-ish": valid backends are memory, file, redis, valkey, memcached, mongodb, database/);

    const badPort = runCli(["serve", "--port", "99999"], dir);
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toContain('Invalid port "99999"');

    writeFileSync(join(dir, "src", "routes", "broken.ts"), "export const x = ;\n");
    const broken = runCli(["routes"], dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("src/routes/broken.ts");
  });

  it("prints version and help", () => {
    const version = runCli(["--version"], process.cwd());
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = runCli(["--help"], process.cwd());
    expect(help.code).toBe(0);
    for (const command of ["init", "serve", "routes"]) expect(help.stdout).toContain(command);
  });
});
