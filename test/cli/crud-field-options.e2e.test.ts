/**
 * Field options end to end, as an app's owner uses them, with an empty HOME and no network:
 * `tina4 init`, `generate crud` with unique / index / default / nullable / required fields of
 * every indexable type, `generate model` + `generate route --model` for a model whose unique
 * field is read back from its file, `generate auth` + `generate route --model User` (its email is
 * unique), `tina4 migrate`, then the app's own `npm test` twice in a
 * row: the generated tests give every record its own value of a unique field, and the create
 * test checks a duplicate is answered 409. `generate crud Order` with foreign keys into members
 * and users (required ones and an optional one): its tests make the referenced Member and User
 * first (the User with its server-set password hash), and the migration refuses an orphan. A control shows the unique index is really there: the
 * same tests with the per-record values switched off fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, repoRoot, runCli, tempDir } from "../support/cli.js";
import { Database } from "../../runtime/db/index.js";

const work = tempDir("tina4-crud-opts-");
const home = join(work, "home");
const app = join(work, "app");
const env = { HOME: home };

/** What `npm install` would give the app's devDependencies, linked from this repo instead of downloaded. */
function linkDevDependencies(): void {
  for (const pkg of ["typescript", "vitest", "@types/node"]) {
    const target = join(app, "node_modules", pkg);
    mkdirSync(join(target, ".."), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", pkg), target, "dir");
  }
  mkdirSync(join(app, "node_modules", ".bin"), { recursive: true });
  symlinkSync(join("..", "vitest", "vitest.mjs"), join(app, "node_modules", ".bin", "vitest"));
}

function npmTest(files: string[] = []) {
  const result = spawnSync("npm", ["test", "--offline", ...(files.length ? ["--", ...files] : [])], {
    cwd: app,
    env: cliEnv({ ...env, CI: "", VITEST: "", VITEST_MODE: "", VITEST_POOL_ID: "", VITEST_WORKER_ID: "", NODE_ENV: "" }),
    encoding: "utf8",
    timeout: 180_000,
  });
  return { code: result.status, output: result.stdout + result.stderr };
}

const MEMBER_FIELDS = [
  "name:string:required",
  "email:string:unique:required",
  "handle:string:uniq",
  "slug:string:index",
  "age:int:default=18",
  "bio:text:nullable",
  "active:bool:default=true",
  "badge:int:unique",
  "fee:decimal:8:2:unique",
  "seenAt:datetime:unique",
];

beforeAll(() => {
  mkdirSync(home);
  const init = runCli(["init", app, "--yes"], work, env);
  expect(init.code, init.stderr).toBe(0);
  linkDevDependencies();
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("generate crud / model with field options, then the app's own tests", () => {
  it("generate crud writes the model, its migration, the routes and their tests, and says what next", () => {
    const crud = runCli(["generate", "crud", "Member", ...MEMBER_FIELDS], app, env);
    expect(crud.code, crud.stderr).toBe(0);
    for (const file of ["src/models/Member.ts", "src/routes/members/get.ts", "src/routes/members/[id:int]/delete.ts", "test/routes/members/get.test.ts", "test/routes/members/[id:int]/put.test.ts"]) {
      expect(crud.stdout).toContain(`created ${file}`);
    }
    expect(crud.stdout).toMatch(/Next:\s+tina4 migrate/);
    expect(crud.stdout).toMatch(/Test it:\s+npm test/);
    // the list route pages with Model.paginate() (one COUNT, one page query) and keeps its answer's shape
    const listRoute = readFileSync(join(app, "src/routes/members/get.ts"), "utf8");
    expect(listRoute).toContain('const { data, meta: { total } } = await Member.paginate({ page, perPage: limit, orderBy: "id" });');
    expect(listRoute).toContain("return res.json({ data, page, limit, total, pages: Math.ceil(total / limit) });");
    const list = readFileSync(join(app, "test/routes/members/get.test.ts"), "utf8");
    expect(list).toContain("function fresh() {");
    expect(list).toMatch(/await Member\.create\(fresh\(\)\);/);
    // a duplicate of a unique field is a 409 (the database's constraint error, as the app answers it)
    const create = readFileSync(join(app, "test/routes/members/post.test.ts"), "utf8");
    expect(create).toContain('it("answers 409 for a second Member with the same email (a unique field)"');
    expect(create).toContain("{ json: { ...fresh(), email: first.email } }");

    const model = runCli(["generate", "model", "Tag", "label:string:unique:required", "weight:int:default=1"], app, env);
    expect(model.code, model.stderr).toBe(0);
    const route = runCli(["generate", "route", "api/tags", "--model", "Tag"], app, env);
    expect(route.code, route.stderr).toBe(0);
    // read back from the model file: unique: true
    expect(readFileSync(join(app, "test/routes/api/tags/post.test.ts"), "utf8")).toContain("label: `Sample label-${tag}${made}`");

    // generate auth's User has a unique email (its migration's UNIQUE): CRUD tests for it make each user with its own
    expect(runCli(["generate", "auth"], app, env).code).toBe(0);
    const users = runCli(["generate", "route", "admin/users", "--model", "User", "--methods", "get,delete"], app, env);
    expect(users.code, users.stderr).toBe(0);
    const userList = readFileSync(join(app, "test/routes/admin/users/get.test.ts"), "utf8");
    expect(userList).toContain("await User.create({ ...fresh(), ...serverSide });");

    // foreign keys into members and users: the model declares the relations, the tests make the referenced records first
    const orders = runCli(["generate", "crud", "Order", "member_id:int:references:required", "buyer_id:int:references=users:required", "reviewer_id:int:references=users", "note:string:required"], app, env);
    expect(orders.code, orders.stderr).toBe(0);
    const order = readFileSync(join(app, "src/models/Order.ts"), "utf8");
    expect(order).toContain('member: belongsTo(() => Member, "memberId"),');
    expect(order).toContain('reviewer: belongsTo(() => User, "reviewerId"),');
    const orderCreate = readFileSync(join(app, "test/routes/orders/post.test.ts"), "utf8");
    expect(orderCreate).toMatch(/await Member\.create\(\{ name: "Sample name", email: "Sample email", .*\}\); \/\/ members row 1: memberId points at it/);
    expect(orderCreate).toMatch(/await User\.create\(\{ email: "Sample email", .*passwordHash: "Sample passwordHash".*\}\); \/\/ users row 1: buyerId points at it/);
    expect(orderCreate).toContain('const sample = { memberId: 1, buyerId: 1, note: "Sample note" };');
    // generate route --model on the existing Order reads its keys from its belongsTo relations
    const orderRoute = runCli(["generate", "route", "api/orders", "--model", "Order", "--methods", "post"], app, env);
    expect(orderRoute.code, orderRoute.stderr).toBe(0);
    const routeCreate = readFileSync(join(app, "test/routes/api/orders/post.test.ts"), "utf8");
    expect(routeCreate).toMatch(/await Member\.create\(.*\); \/\/ members row 1: memberId points at it/);
    expect(routeCreate).toContain('const sample = { memberId: 1, buyerId: 1, note: "Sample note" };');
  });

  it("tina4 migrate makes the constraints in the app's database", async () => {
    const up = runCli(["migrate"], app, env);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const db = await Database.connect(`sqlite:${join(app, "data", "app.db")}`);
    try {
      await db.execute("INSERT INTO members (name, email) VALUES (?, ?)", ["Ann", "ann@example.com"]);
      const row = await db.fetchOne("SELECT age, active, bio FROM members", [], { cache: false });
      expect(row).toMatchObject({ age: 18, active: true, bio: null });
      await expect(db.execute("INSERT INTO members (name, email) VALUES (?, ?)", ["Bob", "ann@example.com"])).rejects.toThrow(/UNIQUE/i);
      await expect(db.execute("INSERT INTO members (email) VALUES (?)", ["cy@example.com"])).rejects.toThrow(/NOT NULL/i);
      await expect(db.execute("INSERT INTO orders (member_id, buyer_id, note) VALUES (?, ?, ?)", [999999, 999999, "orphan"])).rejects.toThrow(/FOREIGN KEY/i);
    } finally {
      await db.close();
    }
  });

  it("the app's npm test passes, twice in a row, and tsc accepts the generated tests", () => {
    for (const round of [1, 2]) {
      const run = npmTest();
      expect(run.code, `round ${round}\n${run.output}`).toBe(0);
      expect(run.output).toContain("✓ test/routes/members/get.test.ts");
      expect(run.output).toContain("✓ test/routes/api/tags/post.test.ts");
      expect(run.output).toContain("✓ test/routes/admin/users/get.test.ts");
      expect(run.output).toContain("✓ test/auth.test.ts");
      for (const file of ["get", "post", "[id:int]/get", "[id:int]/put", "[id:int]/delete"]) expect(run.output).toContain(`✓ test/routes/orders/${file}.test.ts`);
      expect(run.output).toContain("✓ test/routes/api/orders/post.test.ts");
      expect(run.output).not.toMatch(/UNIQUE constraint failed/);
    }
    const tsc = spawnSync(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", join(app, "tsconfig.json")], { cwd: app, encoding: "utf8" });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  }, 400_000);

  it("control: without the referenced Member made first, the Order create test fails on the foreign key (409)", () => {
    const file = join(app, "test/routes/orders/post.test.ts");
    const original = readFileSync(file, "utf8");
    const line = /\n  await Member\.create\([^\n]*/.exec(original)?.[0];
    expect(line).toBeDefined();
    writeFileSync(file, original.replace(line!, ""));
    try {
      const run = npmTest(["test/routes/orders/post.test.ts"]);
      expect(run.code, run.output).not.toBe(0);
      // the database refuses the orphan; the app answers its constraint error 409
      expect(run.output).toMatch(/creates an Order for a signed-in user[\s\S]*expected 409 to be 201/);
    } finally {
      writeFileSync(file, original);
    }
  }, 120_000);

  it("control: with one value for every record the list test fails on the unique index", () => {
    const file = join(app, "test/routes/members/get.test.ts");
    const original = readFileSync(file, "utf8");
    expect(original).toContain("  made += 1;\n");
    writeFileSync(file, original.replace("  made += 1;\n", ""));
    try {
      const run = npmTest(["test/routes/members/get.test.ts"]);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/UNIQUE constraint failed: members\.(email|handle|badge|fee|seen_at)/);
    } finally {
      writeFileSync(file, original);
    }
  }, 120_000);
});
