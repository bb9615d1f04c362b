/**
 * `tina4 generate auth` end to end through the real CLI: the files, --dry-run and --force,
 * migrate, tsc and the generated tests inside the app, then the routes over HTTP on a
 * served app (tina4 routes shows which are secured).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runCli, startServe, tempDir } from "../support/cli.js";
import { CookieClient } from "../support/cookie-client.js";

let app: string;
const FILES = [
  "src/models/User.ts",
  "src/middleware/authGuard.ts",
  "src/routes/auth/register/post.ts",
  "src/routes/auth/login/post.ts",
  "src/routes/auth/logout/post.ts",
  "src/routes/auth/me/get.ts",
  "test/auth.test.ts",
];

beforeAll(() => {
  app = join(tempDir(), "auth-app");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
});

describe("tina4 generate auth", () => {
  it("--dry-run writes nothing; a run writes the model, migration, routes and test; a second run refuses without --force", () => {
    const dry = runCli(["generate", "auth", "--dry-run"], app);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("src/routes/auth/login/post.ts");
    expect(FILES.some((file) => existsSync(join(app, file)))).toBe(false);
    const made = runCli(["generate", "auth"], app);
    expect(made.code, made.stderr).toBe(0);
    for (const file of FILES) expect(existsSync(join(app, file)), file).toBe(true);
    expect(made.stdout + made.stderr).toMatch(/tina4 migrate/);
    const again = runCli(["generate", "auth"], app);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Refusing to overwrite .*src\/models\/User\.ts.*--force/);
    const forced = runCli(["generate", "auth", "--force"], app);
    expect(forced.code).toBe(0);
    expect(forced.stderr + forced.stdout).toMatch(/replaced src\/models\/User\.ts/);
    expect(forced.stderr + forced.stdout).toMatch(/replaced migrations\/\d{14}_create_users\.sql/); // one users migration, rewritten
    // (read from the folder: migrate:status no longer creates the database it reports on, b008cb8)
    const migrations = readdirSync(join(app, "migrations")).filter((name) => /^\d{14}_create_users\.sql$/.test(name));
    expect(migrations).toHaveLength(1);
    const migration = readFileSync(join(app, "migrations", migrations[0]!), "utf8");
    expect(migration).toMatch(/email VARCHAR\(255\) NOT NULL UNIQUE/);
    expect(migration).toMatch(/password_hash VARCHAR\(255\) NOT NULL/);
  });

  it("migrates; the generated tests pass inside the app and tsc accepts every file", () => {
    const migrated = runCli(["migrate"], app);
    expect(migrated.code, migrated.stderr + migrated.stdout).toBe(0);
    for (const pkg of ["typescript", "vitest", "@types/node"]) {
      const target = join(app, "node_modules", pkg);
      mkdirSync(join(target, ".."), { recursive: true });
      if (!existsSync(target)) symlinkSync(join(repoRoot, "node_modules", pkg), target, "dir");
    }
    const tsc = spawnSync(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", join(app, "tsconfig.json")], { cwd: app, encoding: "utf8" });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const vitest = spawnSync(process.execPath, [join(app, "node_modules", "vitest", "vitest.mjs"), "run"], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "", TINA4_SECRET: "" },
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/auth\.test\.ts \(5 tests\)/);
  }, 120_000);

  it("tina4 routes: the auth routes are open except /auth/me", () => {
    const listed = JSON.parse(runCli(["routes", "--json"], app).stdout) as Array<{ method: string; path: string; secured: boolean | string }>;
    const secured = Object.fromEntries(listed.filter((r) => r.path.startsWith("/auth")).map((r) => [`${r.method} ${r.path}`, r.secured]));
    expect(secured).toEqual({ "POST /auth/register": false, "POST /auth/login": false, "POST /auth/logout": false, "GET /auth/me": true });
    const table = runCli(["routes"], app).stdout;
    expect(table).toMatch(/METHOD\s+PATH\s+SECURED/);
    expect(table).toMatch(/GET\s+\/auth\/me\s+yes/);
  });

  it("over HTTP: a page asking /auth/me on every load never locks its user out of logging in; password guessing still gets 429", async () => {
    const served = await startServe(app);
    try {
      const post = (path: string, json: unknown) => fetch(`${served.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) });
      const json = { email: "ada@example.com", password: "analytical-engine-1843" };
      expect((await post("/auth/register", json)).status).toBe(201);
      const { token } = (await (await post("/auth/login", json)).json()) as { token: string };
      for (let i = 0; i < 25; i++) expect((await fetch(`${served.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await post("/auth/login", json)).status).toBe(200);
      let status = 0;
      for (let i = 0; i < 12 && status !== 429; i++) status = (await post("/auth/login", { ...json, password: "guessing-123" })).status;
      expect(status).toBe(429);
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
  });

  it("CRUD routes generated for its User (generate route --model User) never show the password hash: answers, response schemas and /openapi.json", async () => {
    const crud = runCli(["generate", "route", "api/users", "--model", "User"], app);
    expect(crud.code, crud.stderr).toBe(0);
    const served = await startServe(app);
    try {
      const json = { email: "hidden@example.com", password: "analytical-engine-1843" };
      await fetch(`${served.url}/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) });
      const { token, user } = (await (await fetch(`${served.url}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) })).json()) as { token: string; user: { id: number } };
      const one = await fetch(`${served.url}/api/users/${user.id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(one.status).toBe(200);
      const text = await one.text();
      expect(JSON.parse(text)).toMatchObject({ id: user.id, email: json.email });
      expect(text).not.toMatch(/passwordHash|argon2/);
      const doc = (await (await fetch(`${served.url}/openapi.json`)).json()) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
      expect(Object.keys(doc.components.schemas.User!.properties)).not.toContain("passwordHash");
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(served.output()).not.toMatch(/does not match its response schema/);
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
  });

  it("mass assignment: generated CRUD (route --model User) refuses the password hash, the key and the timestamp with a 422 naming each; a model's own 422 has the same shape; register still sets the hash", async () => {
    // the CRUD routes were generated by the test above
    const served = await startServe(app, [], { TINA4_AUTH_RATE_LIMIT: "100" });
    try {
      const send = (method: string, path: string, json: unknown, token?: string) =>
        fetch(`${served.url}${path}`, { method, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(json) });
      const json = { email: "mallory@example.com", password: "analytical-engine-1843" };
      expect((await send("POST", "/auth/register", json)).status).toBe(201);
      const { token, user } = (await (await send("POST", "/auth/login", json)).json()) as { token: string; user: { id: number } };
      type Failure = { error: string; code: string; errors: Array<{ in: string; path: string; message: string }> };
      const refusal = async (res: Response) => ({ status: res.status, body: (await res.json()) as Failure });
      const planted = await refusal(await send("POST", "/api/users", { email: "eve@example.com", passwordHash: "$argon2id$v=19$m=65536,t=3,p=4$planted" }, token));
      expect(planted.status).toBe(422);
      expect(planted.body).toMatchObject({ error: "Validation failed", code: "T4_ERR_VALIDATION_FAILED" });
      expect(planted.body.errors).toEqual([{ in: "body", path: "passwordHash", message: expect.stringMatching(/passwordHash is set by the server/) }]);
      const keyed = await refusal(await send("POST", "/api/users", { email: "eve@example.com", id: 999, created_at: "2000-01-01T00:00:00Z" }, token));
      expect(keyed.status).toBe(422);
      expect(keyed.body.errors.map((e) => e.path).sort()).toEqual(["created_at", "id"]);
      for (const method of ["PUT"]) {
        const changed = await refusal(await send(method, `/api/users/${user.id}`, { passwordHash: "x" }, token));
        expect(changed.status, method).toBe(422);
        expect(changed.body.errors.map((e) => e.path), method).toEqual(["passwordHash"]);
      }
      // nothing was written: the real password still logs in, no eve
      expect((await send("POST", "/auth/login", json)).status).toBe(200);
      // the model's own validation (save(): the hash is required and no request may give it) answers the route schema's shape
      const modelLevel = await refusal(await send("POST", "/api/users", { email: "eve@example.com" }, token));
      expect(modelLevel.status).toBe(422);
      expect(modelLevel.body).toMatchObject({ error: "Validation failed", code: "T4_ERR_VALIDATION_FAILED" });
      expect(modelLevel.body.errors).toEqual([{ in: "body", path: "passwordHash", message: "is required" }]);
      const schemaLevel = await refusal(await send("POST", "/auth/register", { email: "not an address", password: "analytical-engine-1843" }));
      expect(schemaLevel.status).toBe(422);
      expect(Object.keys(schemaLevel.body).sort()).toEqual(Object.keys(modelLevel.body).sort());
      expect(schemaLevel.body.errors).toEqual([{ in: "body", path: "email", message: "Invalid email address" }]);
      // /openapi.json: the request bodies leave the guarded fields out
      const doc = (await (await fetch(`${served.url}/openapi.json`)).json()) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
      for (const name of ["UserCreate", "UserUpdate"]) expect(Object.keys(doc.components.schemas[name]!.properties), name).toEqual(["email", "name"]);
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
  });

  it("the tests generated with User's CRUD routes: their records get the password hash server-side, and POST says a request alone cannot create a User", () => {
    // User.email is unique: true, so every record the tests make gets its own email (fresh()); the list, put and
    // delete tests used to make two Users with the same sample email, which the UNIQUE column refused
    const vitest = spawnSync(process.execPath, [join(app, "node_modules", "vitest", "vitest.mjs"), "run", "test/routes/api/users"], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "", TINA4_SECRET: "" },
    });
    const output = (vitest.stdout + vitest.stderr).replace(/\x1b\[[0-9;]*m/g, "");
    expect(vitest.status, output).toBe(0);
    expect(output).toMatch(/Test Files\s+5 passed \(5\)/);
    expect(readFileSync(join(app, "test", "routes", "api", "users", "post.test.ts"), "utf8")).toContain("answers 422 naming what only the server sets (passwordHash)");
    expect(readFileSync(join(app, "test", "routes", "api", "users", "[id:int]", "get.test.ts"), "utf8")).toContain("User.create({ ...fresh(), ...serverSide })");
  }, 120_000);

  it("international addresses register and log in (zoë@example.com, an IDN domain, NFD input); junk is still a 422", async () => {
    const served = await startServe(app, [], { TINA4_AUTH_RATE_LIMIT: "100" });
    try {
      const post = (path: string, json: unknown) => fetch(`${served.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) });
      const password = "analytical-engine-1843";
      for (const email of ["zoë@example.com", "josé@correo.es", "用户@例子.广告", "anna@bücher.example"]) {
        const registered = await post("/auth/register", { email, password });
        expect(registered.status, `${email}: ${await registered.clone().text()}`).toBe(201);
        expect(((await registered.json()) as { user: { email: string } }).user.email).toBe(email);
        expect((await post("/auth/login", { email, password })).status, email).toBe(200);
      }
      // the same address typed with a combining diaeresis and capitals is the same account
      expect((await post("/auth/register", { email: "ZOE\u0308@Example.com", password })).status).toBe(409);
      expect((await post("/auth/login", { email: "Zoe\u0308@example.com", password })).status).toBe(200);
      for (const email of ["zoë@", "zoë example@x.com", "a..b@example.com", "a@example", "<a>@example.com"]) {
        expect((await post("/auth/register", { email, password })).status, email).toBe(422);
      }
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
  });

  it("over HTTP on a served app: register, login (token + cookie), me, logout", async () => {
    const served = await startServe(app);
    try {
      const browser = new CookieClient(served.url);
      const json = { email: "grace@example.com", password: "cobol-1959-compiler", name: "Grace" };
      expect((await browser.request("/auth/register", { method: "POST", json })).status).toBe(201);
      expect((await browser.request("/auth/register", { method: "POST", json })).status).toBe(409);
      expect((await browser.request("/auth/login", { method: "POST", json: { email: json.email, password: "nope-nope-1" } })).status).toBe(401);
      // session fixation: a session id the browser had before login (here: one planted by an attacker) is not the one that logs in
      const attacker = new CookieClient(served.url);
      await attacker.request("/__csrf");
      const planted = attacker.jar.get("tina4_session")!;
      browser.jar.set("tina4_session", planted);
      const plantedCsrf = ((await (await browser.request("/__csrf")).json()) as { token: string }).token;
      const login = await browser.request("/auth/login", { method: "POST", json: { email: json.email, password: json.password }, headers: { "x-csrf-token": plantedCsrf } });
      expect(browser.jar.get("tina4_session")).not.toBe(planted);
      expect((await attacker.request("/auth/me")).status).toBe(401);
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      expect(browser.jar.has("tina4_session")).toBe(true);
      expect(((await (await browser.request("/auth/me")).json()) as { user: { email: string } }).user.email).toBe(json.email);
      expect((await fetch(`${served.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${served.url}/auth/me`)).status).toBe(401);
      const csrf = ((await (await browser.request("/__csrf")).json()) as { token: string }).token;
      expect((await browser.request("/auth/logout", { method: "POST", headers: { "x-csrf-token": csrf } })).status).toBe(200);
      expect((await browser.request("/auth/me")).status).toBe(401);
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
  });
});
