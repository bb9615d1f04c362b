/**
 * The tests `tina4 generate route` (plain and --model CRUD) and `tina4 generate auth` write
 * into an app, run as the app's owner runs them: init → generate route (plain, typed params,
 * secured writes) → generate model + route --model → generate auth → the app's own `npm test`,
 * with any listen() in the test processes made to throw (testClient() must not need a port; a
 * control test shows the guard bites). Then the generated tests go red when a generated
 * handler is broken: they can fail. And `init --example`: its tests pass, and its products page
 * works in Chromium (a form adds a product, a Delete button sent as DELETE removes it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, repoRoot, runCli, startServe, tempDir } from "../support/cli.js";
import { useChromium } from "../support/chromium.js";

const work = tempDir("tina4-gen-tests-");
const app = join(work, "app");
const noListen = join(work, "no-listen.mjs");

/** What `npm install` would give the app's devDependencies (and `npm test` its vitest), linked from this repo instead of downloaded. */
function linkDevDependencies(): void {
  for (const pkg of ["typescript", "vitest", "@types/node"]) {
    const target = join(app, "node_modules", pkg);
    mkdirSync(join(target, ".."), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", pkg), target, "dir");
  }
  mkdirSync(join(app, "node_modules", ".bin"), { recursive: true });
  symlinkSync(join("..", "vitest", "vitest.mjs"), join(app, "node_modules", ".bin", "vitest"));
}

/** The app's `npm test` (or `npm test -- <files>`), with every net.Server.listen() throwing. */
function npmTest(files: string[] = []) {
  const env = cliEnv({ NODE_OPTIONS: `--import ${noListen}`, CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "", NODE_ENV: "" });
  const result = spawnSync("npm", ["test", ...(files.length ? ["--", ...files] : [])], { cwd: app, env, encoding: "utf8", timeout: 180_000 });
  return { code: result.status, output: result.stdout + result.stderr };
}

/** Replaces `from` (which must be there) by `to` in an app file; returns a function that puts the file back. */
function breakFile(file: string, from: string, to: string): () => void {
  const path = join(app, file);
  const original = readFileSync(path, "utf8");
  expect(original, file).toContain(from);
  writeFileSync(path, original.replace(from, to));
  return () => writeFileSync(path, original);
}

beforeAll(() => {
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  linkDevDependencies();
  writeFileSync(noListen, 'import net from "node:net";\nnet.Server.prototype.listen = function () { throw new Error("a port was opened"); };\n');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("generated tests inside the app", () => {
  it("generate route and generate auth write tests and say how to run them", () => {
    const plain = runCli(["generate", "route", "api/products", "--methods", "get,post"], app);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/created test\/routes\/api\/products\/get\.test\.ts/);
    expect(plain.stdout).toMatch(/created test\/routes\/api\/products\/post\.test\.ts/);
    expect(plain.stdout).toMatch(/Test it:\s+npm test/);
    const typed = runCli(["generate", "route", "api/products/[id:int]", "--methods", "get,put,any"], app);
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.stdout).toMatch(/created test\/routes\/api\/products\/\[id:int\]\/put\.test\.ts/);
    expect(typed.stdout).toMatch(/Serve it:\s+tina4 serve\s+then open http:\/\/127\.0\.0\.1:7148\/api\/products\/42/);
    expect(runCli(["generate", "route", "files/[...rest]"], app).code).toBe(0);
    // createdAt (column created_at) is guarded: the generated tests must leave it out of their request bodies (a 422 otherwise)
    expect(runCli(["generate", "model", "Product", "--fields", "name:string:required,price:float,inStock:bool,cost:decimal:8:2,createdAt:datetime"], app).code).toBe(0);
    const crud = runCli(["generate", "route", "api/catalog", "--model", "Product"], app);
    expect(crud.code, crud.stderr).toBe(0);
    expect(crud.stdout).toMatch(/created test\/routes\/api\/catalog\/\[id:int\]\/delete\.test\.ts/);
    const auth = runCli(["generate", "auth"], app);
    expect(auth.code, auth.stderr).toBe(0);
    expect(auth.stdout).toMatch(/created test\/auth\.test\.ts/);
    expect(auth.stdout).toMatch(/Test:\s+npm test/);
  });

  it("the app's npm test passes with no port opened, and tsc accepts the generated tests", () => {
    const run = npmTest();
    expect(run.code, run.output).toBe(0);
    for (const file of ["test/hello.test.ts", "test/auth.test.ts", "test/routes/api/products/get.test.ts", "test/routes/api/products/post.test.ts", "test/routes/api/products/[id:int]/get.test.ts", "test/routes/api/products/[id:int]/put.test.ts", "test/routes/api/products/[id:int]/any.test.ts", "test/routes/files/[...rest]/get.test.ts",
      "test/routes/api/catalog/get.test.ts", "test/routes/api/catalog/post.test.ts", "test/routes/api/catalog/[id:int]/get.test.ts", "test/routes/api/catalog/[id:int]/put.test.ts", "test/routes/api/catalog/[id:int]/delete.test.ts"]) {
      expect(run.output).toContain(`✓ ${file}`);
    }
    expect(run.output).toMatch(/Test Files\s+13 passed \(13\)/);
    expect(run.output).toMatch(/Tests\s+27 passed \(27\)/);
    expect(run.output).not.toMatch(/a port was opened/);
    const tsc = spawnSync(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", join(app, "tsconfig.json")], { cwd: app, encoding: "utf8" });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  }, 240_000);

  it("control: under the same guard, a test that opens a port fails (so the passing run above opened none)", () => {
    const file = join(app, "test", "listens.test.ts");
    writeFileSync(file, 'import { it } from "vitest";\nimport { createServer } from "node:http";\nit("listens", () => new Promise<void>((done) => { createServer().listen(0, () => done()); }));\n');
    try {
      const run = npmTest(["test/listens.test.ts"]);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/a port was opened/);
    } finally {
      rmSync(file);
    }
  }, 120_000);

  it("a broken route handler turns its generated test red", () => {
    const restore = breakFile("src/routes/api/products/[id:int]/get.ts", "params: req.params", "params: {}");
    try {
      const run = npmTest(["test/routes/api/products/[id:int]/get.test.ts"]);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/FAIL\s+test\/routes\/api\/products\/\[id:int\]\/get\.test\.ts(:\d+:\d+)? > GET \/api\/products\/\{id\} > answers 200/);
    } finally {
      restore();
    }
    // a write route that someone opened by mistake: the generated 401 case catches it
    const restoreOpen = breakFile("src/routes/api/products/post.ts", "export default", "export const secured = false;\nexport default");
    try {
      const run = npmTest(["test/routes/api/products/post.test.ts"]);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/answers 401 without a signed-in user/);
      expect(run.output).toMatch(/expected 201 to be 401/);
    } finally {
      restoreOpen();
    }
  }, 180_000);

  it("a broken CRUD list (wrong page count) turns its generated test red", () => {
    const restore = breakFile("src/routes/api/catalog/get.ts", "pages: Math.ceil(total / limit)", "pages: 1");
    try {
      const run = npmTest(["test/routes/api/catalog/get.test.ts"]);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/FAIL\s+test\/routes\/api\/catalog\/get\.test\.ts(:\d+:\d+)? > GET \/api\/catalog > answers one page of records with the totals/);
    } finally {
      restore();
    }
  }, 120_000);

  it("a broken /auth/me (answers for a user who does not exist) turns the generated auth test red", () => {
    const restore = breakFile("src/routes/auth/me/get.ts", 'if (!user) return res.json({ error: "Unauthorized" }, 401);', "if (!user) return res.json({ user: null });");
    try {
      const run = npmTest(["test/auth.test.ts"]);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/FAIL\s+test\/auth\.test\.ts(:\d+:\d+)? > auth > \/auth\/me: 401 without a user/);
      expect(run.output).toMatch(/Tests\s+1 failed \| 4 passed/);
    } finally {
      restore();
    }
  }, 120_000);
});

describe("generate auth and CRUD in an app on another engine", () => {
  it("their tests still pass on the throwaway SQLite database (SQLite's form of the tables)", () => {
    const pgApp = join(work, "pg-app");
    expect(runCli(["init", pgApp, "--yes", "--db", "postgres"], process.cwd()).code).toBe(0);
    const auth = runCli(["generate", "auth"], pgApp);
    expect(auth.code, auth.stderr).toBe(0);
    expect(readFileSync(join(pgApp, "test", "auth.test.ts"), "utf8")).toContain("written for postgres");
    // `order`, an SQL keyword, as a field: SQLite's form of the table quotes it as the migrations do
    expect(runCli(["generate", "model", "Gadget", "--fields", "title:string:required,qty:int,active:bool,order:int,price:decimal"], pgApp).code).toBe(0);
    expect(runCli(["generate", "route", "gadgets", "--model", "Gadget"], pgApp).code).toBe(0);
    expect(readFileSync(join(pgApp, "test", "routes", "gadgets", "post.test.ts"), "utf8")).toContain("CREATE TABLE gadgets");
    expect(readFileSync(join(pgApp, "test", "routes", "gadgets", "post.test.ts"), "utf8")).toContain('"order" INTEGER');
    expect(readFileSync(join(pgApp, "test", "routes", "gadgets", "post.test.ts"), "utf8")).toContain("price DECIMAL(12,2)");
    for (const pkg of ["vitest", "@types/node"]) {
      mkdirSync(join(pgApp, "node_modules", pkg, ".."), { recursive: true });
      symlinkSync(join(repoRoot, "node_modules", pkg), join(pgApp, "node_modules", pkg), "dir");
    }
    const env = cliEnv({ NODE_OPTIONS: `--import ${noListen}`, CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "", NODE_ENV: "" });
    const run = spawnSync(process.execPath, [join(pgApp, "node_modules", "vitest", "vitest.mjs"), "run", "test/auth.test.ts", "test/routes/gadgets"], { cwd: pgApp, env, encoding: "utf8", timeout: 180_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Test Files\s+6 passed \(6\)/); // auth and the five CRUD route tests
  }, 180_000);
});

describe("init --example", () => {
  const example = join(work, "example-app");
  const chrome = useChromium();

  beforeAll(() => {
    const init = runCli(["init", example, "--yes", "--example"], process.cwd());
    expect(init.code, init.stderr).toBe(0);
    mkdirSync(join(example, "node_modules"), { recursive: true });
    for (const pkg of ["vitest", "@types"]) symlinkSync(join(repoRoot, "node_modules", pkg), join(example, "node_modules", pkg), "dir");
  });

  it("writes the example CRUD routes' tests and the products page's, and they pass", () => {
    const env = cliEnv({ NODE_OPTIONS: `--import ${noListen}`, CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "", NODE_ENV: "" });
    const run = spawnSync(process.execPath, [join(example, "node_modules", "vitest", "vitest.mjs"), "run"], { cwd: example, env, encoding: "utf8", timeout: 180_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    for (const file of ["get", "post", "[id:int]/get", "[id:int]/put", "[id:int]/delete"]) expect(run.stdout).toContain(`✓ test/routes/api/products/${file}.test.ts`);
    expect(run.stdout).toContain("✓ test/routes/products/page.test.ts"); // the page's forms, the DELETE button and the CSRF refusals
    expect(run.stdout).toMatch(/Test Files\s+7 passed \(7\)/);
  }, 180_000);

  it("in Chromium, the products page adds a product with its form, and its Delete button (a form with method_field('DELETE')) deletes it", async (test) => {
    const context = await chrome.context(test);
    const migrate = runCli(["migrate"], example);
    expect(migrate.code, migrate.stderr).toBe(0);
    const served = await startServe(example);
    try {
      const page = await context.newPage();
      await page.goto(`${served.url}/products`);
      expect(await page.locator("#empty").textContent()).toContain("No products yet");

      await page.fill('input[name="name"]', "Teapot");
      await page.fill('input[name="price"]', "12.5");
      await page.check('input[name="inStock"]');
      await page.click('button:text-is("Add")');
      await page.locator("#notice", { hasText: "Added Teapot" }).waitFor({ timeout: 10_000 });
      expect(page.url()).toBe(`${served.url}/products`);
      expect(await page.locator("#products tbody tr").allTextContents()).toEqual([expect.stringMatching(/Teapot\s+12\.50\s+yes\s+Delete/)]);

      const [sent] = await Promise.all([
        page.waitForRequest((request) => /\/products\/\d+$/.test(request.url())),
        page.click('button[aria-label="Delete Teapot"]'),
      ]);
      expect(sent.method()).toBe("POST"); // what a browser form can send; _method makes it the DELETE route
      expect(new URLSearchParams(sent.postData() ?? "").get("_method")).toBe("DELETE");
      await page.locator("#notice", { hasText: "Deleted Teapot" }).waitFor({ timeout: 10_000 });
      expect(await page.locator("#products").count()).toBe(0);
      expect(await page.locator("#empty").isVisible()).toBe(true);
      const api = (await (await fetch(`${served.url}/api/products`)).json()) as { total: number };
      expect(api.total).toBe(0); // gone from the database, not only from the page
    } finally {
      served.child.kill("SIGTERM");
    }
    expect(await served.exited).toBe(0);
  }, 60_000);
});
