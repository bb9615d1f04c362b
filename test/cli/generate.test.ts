import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../support/cli.js";

let app: string;
const list = (dir: string) => (existsSync(join(app, dir)) ? readdirSync(join(app, dir)).sort() : []);

beforeAll(() => {
  app = join(tempDir(), "gen");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
});

describe("tina4 generate", () => {
  it("route: one file per method, served at the folder path", () => {
    const result = runCli(["generate", "route", "admin/stats", "--methods", "get,post"], app);
    expect(result.code, result.stderr).toBe(0);
    expect(list("src/routes/admin/stats")).toEqual(["get.ts", "post.ts"]);
    expect(list("test/routes/admin/stats")).toEqual(["get.test.ts", "post.test.ts"]);
    expect(result.stdout).toMatch(/created test\/routes\/admin\/stats\/post\.test\.ts/);
    expect(result.stdout).toMatch(/Test it:\s+npm test/);
    const routes = JSON.parse(runCli(["routes", "--json"], app).stdout) as Array<{ method: string; path: string }>;
    expect(routes).toContainEqual(expect.objectContaining({ method: "POST", path: "/admin/stats" }));
  });

  it("route tests: the sample request fills typed params; writes get a 401 case unless TINA4_SECURE_WRITES=false", () => {
    expect(runCli(["g", "route", "shop/[sku:slug]/[qty:int]", "--methods", "get,patch"], app).code).toBe(0);
    const get = readFileSync(join(app, "test/routes/shop/[sku:slug]/[qty:int]/get.test.ts"), "utf8");
    expect(get).toContain('await client.get("/shop/a-slug/42")');
    expect(get).toContain('toEqual({ method: "GET", path: "/shop/a-slug/42", params: { sku: "a-slug", qty: 42 } })');
    expect(get).not.toContain("401");
    // an untyped [param] gets a value no typed sibling folder ([x:alpha], [x:slug], ...) would take
    expect(runCli(["g", "route", "shop/[sku:slug]/[qty:int]/[note]"], app).code).toBe(0);
    expect(readFileSync(join(app, "test/routes/shop/[sku:slug]/[qty:int]/[note]/get.test.ts"), "utf8")).toContain('params: { sku: "a-slug", qty: 42, note: "sample_1" }');
    const patch = readFileSync(join(app, "test/routes/shop/[sku:slug]/[qty:int]/patch.test.ts"), "utf8");
    expect(patch).toMatch(/answers 401 without a signed-in user/);
    expect(patch).toContain("await client.as(");
    expect(runCli(["g", "route", "open-writes", "--methods", "post"], app, { TINA4_SECURE_WRITES: "false" }).code).toBe(0);
    const open = readFileSync(join(app, "test/routes/open-writes/post.test.ts"), "utf8");
    expect(open).not.toContain("401");
    expect(open).toContain('await client.post("/open-writes")');
    expect(open).toContain("toBe(201)");
  });

  it("route --dry-run shows the test too; a second run refuses (naming the test) unless --force", () => {
    const dry = runCli(["g", "route", "reports", "--dry-run"], app);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("test/routes/reports/get.test.ts");
    expect(dry.stdout).toContain("testClient()");
    expect(existsSync(join(app, "test/routes/reports"))).toBe(false);
    expect(runCli(["g", "route", "reports"], app).code).toBe(0);
    const test = join(app, "test/routes/reports/get.test.ts");
    writeFileSync(test, "// edited by hand\n");
    const again = runCli(["g", "route", "reports"], app);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Refusing to overwrite src/routes/reports/get.ts, test/routes/reports/get.test.ts (use --force)");
    expect(readFileSync(test, "utf8")).toBe("// edited by hand\n");
    const forced = runCli(["g", "route", "reports", "--force"], app);
    expect(forced.code).toBe(0);
    expect(forced.stdout + forced.stderr).toMatch(/replaced test\/routes\/reports\/get\.test\.ts/);
    expect(readFileSync(test, "utf8")).toContain('await client.get("/reports")');
  });

  it("--dry-run prints paths and contents and writes nothing", () => {
    const result = runCli(["g", "middleware", "Audit", "--dry-run"], app);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("src/middleware/Audit.ts");
    expect(result.stdout).toContain("static async beforeRequest");
    expect(existsSync(join(app, "src/middleware/Audit.ts"))).toBe(false);
  });

  it("never overwrites without --force, and overwrites with it", () => {
    expect(runCli(["g", "middleware", "Guard"], app).code).toBe(0);
    const file = join(app, "src/middleware/Guard.ts");
    writeFileSync(file, "// edited by hand\n");
    const again = runCli(["g", "middleware", "Guard"], app);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Refusing to overwrite src/middleware/Guard.ts");
    expect(readFileSync(file, "utf8")).toBe("// edited by hand\n");
    expect(runCli(["g", "middleware", "Guard", "--force"], app).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("export default class Guard");
  });

  it("middleware --function writes the onion style and prints how to use it", () => {
    const result = runCli(["g", "middleware", "timing", "--function"], app);
    expect(result.code).toBe(0);
    expect(readFileSync(join(app, "src/middleware/Timing.ts"), "utf8")).toContain("const timing: MiddlewareFunction = async (req, res, next)");
    expect(result.stdout).toContain("export const middleware = [Timing];");
  });

  it("middleware: the printed src/app.ts line works as it is pasted (it imports use)", () => {
    const result = runCli(["g", "middleware", "Stamp"], app);
    expect(result.code, result.stderr).toBe(0);
    const line = /globally in src\/app\.ts:\s+(.+)$/m.exec(result.stdout)?.[1];
    expect(line, result.stdout).toBeDefined();
    writeFileSync(join(app, "src/app.ts"), `${line}\n`);
    try {
      const routes = runCli(["routes"], app);
      expect(routes.code, routes.stderr).toBe(0);
      expect(routes.stderr).toBe(""); // before: "Could not load src/app.ts: use is not defined"
      expect(routes.stdout).toMatch(/GET\s+\/api\/hello\s.*\bStamp\b/);
    } finally {
      rmSync(join(app, "src/app.ts"));
    }
  });

  it("migration: timestamped up and down files that sort in creation order", () => {
    expect(runCli(["g", "migration", "add price index"], app).code).toBe(0);
    expect(runCli(["g", "migration", "second change"], app).code).toBe(0);
    const files = list("migrations").filter((f) => !f.endsWith(".down.sql"));
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{14}_add_price_index\.sql$/);
    expect(files[1]).toMatch(/^\d{14}_second_change\.sql$/);
    expect(list("migrations")).toContain(files[0]!.replace(".sql", ".down.sql"));
  });

  it("model: the class and a create-table migration with engine column types", () => {
    const result = runCli(["g", "model", "Category", "--fields", "title:string:required,weight:float,active:bool,meta:json"], app, { TINA4_DATABASE_URL: "postgres://u:p@127.0.0.1/db" });
    expect(result.code, result.stderr).toBe(0);
    const model = readFileSync(join(app, "src/models/Category.ts"), "utf8");
    expect(model).toContain('static tableName = "categories";');
    expect(model).toContain('title: { type: "string", required: true, maxLength: 255 }');
    const migration = list("migrations").find((f) => f.endsWith("_create_categories.sql"))!;
    const sql = readFileSync(join(app, "migrations", migration), "utf8");
    expect(sql).toContain("id SERIAL PRIMARY KEY");
    expect(sql).toContain("title VARCHAR(255) NOT NULL");
    expect(sql).toContain("weight DOUBLE PRECISION");
    expect(sql).toContain("active BOOLEAN");
    expect(sql).toContain("meta JSONB");
    expect(readFileSync(join(app, "migrations", migration.replace(".sql", ".down.sql")), "utf8")).toContain("DROP TABLE categories;");
    expect(runCli(["g", "model", "Tag", "--no-migration"], app).code).toBe(0);
    expect(list("migrations").some((f) => f.includes("create_tags"))).toBe(false);
  });

  it("model: Rails-style field arguments after the name (was: \"too many arguments\"), merged after --fields; --help shows both", () => {
    const result = runCli(["g", "model", "Article", "title:string:required", "price:float", "order:int"], app, { TINA4_DATABASE_URL: "postgres://u:p@127.0.0.1/db" });
    expect(result.code, result.stderr).toBe(0);
    const model = readFileSync(join(app, "src/models/Article.ts"), "utf8");
    expect(model).toContain('title: { type: "string", required: true, maxLength: 255 }');
    expect(model).toContain('price: { type: "float" }');
    expect(model).toContain("declare order: number | null;");
    const migration = list("migrations").find((f) => f.endsWith("_create_articles.sql"))!;
    const sql = readFileSync(join(app, "migrations", migration), "utf8");
    expect(sql).toMatch(/id SERIAL PRIMARY KEY,\s+title VARCHAR\(255\) NOT NULL,\s+price DOUBLE PRECISION,\s+"order" INTEGER\s/);
    expect(readFileSync(join(app, "migrations", "mysql", migration), "utf8")).toContain("`order` INT");
    expect(readFileSync(join(app, "migrations", "firebird", migration), "utf8")).toContain('"ORDER" INTEGER');

    const both = runCli(["g", "model", "Review", "--fields", "stars:int", "body:text,author:string"], app);
    expect(both.code, both.stderr).toBe(0);
    const review = readFileSync(join(app, "src/models/Review.ts"), "utf8");
    expect(review.indexOf("stars:")).toBeGreaterThan(0);
    expect(review.indexOf("stars:")).toBeLessThan(review.indexOf("body:"));
    expect(review.indexOf("body:")).toBeLessThan(review.indexOf("author:"));

    const help = runCli(["g", "model", "--help"], app);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("model [options] <Name> [fields...]");
    expect(help.stdout).toContain("$ tina4 generate model Post title:string:required body:text order:int");
    expect(help.stdout).toContain("$ tina4 generate model OrderItem --fields quantity:int,price:float");
    expect(help.stdout).toContain("they merge");
  });

  it("model: decimal fields (money) as price:decimal, price:decimal:10:2 and \"price:decimal(10,2)\" → exact DECIMAL columns in every engine's migration", () => {
    const result = runCli(["g", "model", "Invoice", "total:decimal:10:2:required", "tax:decimal", "--fields", "rate:decimal(6,4),note:string"], app);
    expect(result.code, result.stderr).toBe(0);
    const model = readFileSync(join(app, "src/models/Invoice.ts"), "utf8");
    expect(model).toContain('rate: { type: "decimal", precision: 6, scale: 4 },');
    expect(model).toContain('total: { type: "decimal", precision: 10, scale: 2, required: true },');
    expect(model).toContain('tax: { type: "decimal", precision: 12, scale: 2 },');
    expect(model).toContain("declare total: string;");
    expect(model).toContain("declare tax: string | null;");
    const migration = list("migrations").find((f) => f.endsWith("_create_invoices.sql"))!;
    // this app is on SQLite: DECIMAL has NUMERIC affinity there, so values compare and sort as numbers
    expect(readFileSync(join(app, "migrations", migration), "utf8")).toMatch(/id INTEGER PRIMARY KEY AUTOINCREMENT,\s+rate DECIMAL\(6,4\),\s+note VARCHAR\(255\),\s+total DECIMAL\(10,2\) NOT NULL,\s+tax DECIMAL\(12,2\)\s/);
    for (const engine of ["postgres", "mysql", "mssql", "firebird"]) {
      const variant = readFileSync(join(app, "migrations", engine, migration), "utf8");
      expect(variant, engine).toContain("total DECIMAL(10,2) NOT NULL");
      expect(variant, engine).toContain("rate DECIMAL(6,4)");
      expect(variant, engine).toContain("tax DECIMAL(12,2)");
    }

    // Firebird's 18 digits are the most a generated (every-engine) migration may ask; an app on SQLite keeps 15 exactly
    const onPostgres = runCli(["g", "model", "Ledger", "amount:decimal:18:2"], app, { TINA4_DATABASE_URL: "postgres://u:p@127.0.0.1/db" });
    expect(onPostgres.code, onPostgres.stderr).toBe(0);
    const ledger = list("migrations").find((f) => f.endsWith("_create_ledgers.sql"))!;
    expect(readFileSync(join(app, "migrations", ledger), "utf8")).toContain("amount DECIMAL(18,2)");
    expect(readFileSync(join(app, "migrations", "firebird", ledger), "utf8")).toContain("amount DECIMAL(18,2)");
    const onSqlite = runCli(["g", "model", "Wallet", "balance:decimal:16:2"], app);
    expect(onSqlite.code).toBe(1);
    expect(onSqlite.stderr).toMatch(/Field "balance": decimal\(16,2\) has more digits than sqlite, this app's database, keeps exactly \(15: SQLite has no exact decimal type/);
    const tooWide = runCli(["g", "model", "Wallet", "balance:decimal:19:2"], app, { TINA4_DATABASE_URL: "postgres://u:p@127.0.0.1/db" });
    expect(tooWide.code).toBe(1);
    expect(tooWide.stderr).toMatch(/decimal precision must be 1 to 18 \(Firebird's limit/);
    expect(existsSync(join(app, "src/models/Wallet.ts"))).toBe(false);
    expect(list("migrations").some((f) => f.includes("create_wallets"))).toBe(false);
  });

  it("model: reads the engine from TINA4_DATABASE_URL as the runtime does (aliases, .env files; a bad URL is an error)", () => {
    const viaEnv = runCli(["g", "model", "Gadget", "--fields", "active:bool"], app, { TINA4_DATABASE_URL: "pgsql://u:secret@127.0.0.1/db" });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const gadgets = list("migrations").find((f) => f.endsWith("_create_gadgets.sql"))!;
    expect(readFileSync(join(app, "migrations", gadgets), "utf8")).toMatch(/id SERIAL PRIMARY KEY,\s+active BOOLEAN/);

    const other = join(tempDir(), "envfile");
    expect(runCli(["init", other, "--yes"], process.cwd()).code).toBe(0);
    writeFileSync(join(other, ".env.local"), "TINA4_DATABASE_URL=mariadb://root:pw@127.0.0.1:3306/shop\n");
    expect(runCli(["g", "model", "Order", "--fields", "total:float"], other).code).toBe(0);
    const orders = readdirSync(join(other, "migrations")).find((f) => f.endsWith("_create_orders.sql"))!;
    expect(readFileSync(join(other, "migrations", orders), "utf8")).toMatch(/id INT AUTO_INCREMENT PRIMARY KEY,\s+total DOUBLE/);

    const bad = runCli(["g", "model", "Crate"], other, { TINA4_DATABASE_URL: "oracle://u:secret@db/x" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown engine "oracle"');
    expect(bad.stderr).not.toContain("secret");
    expect(existsSync(join(other, "src/models/Crate.ts"))).toBe(false);
  });

  it("route --model of a model that does not exist: exit 1, nothing written, says how to create it", () => {
    const result = runCli(["generate", "route", "gadgets", "--model", "Nope"], app);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Model "Nope" not found');
    expect(result.stderr).toContain("tina4 generate model Nope");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(app, "src/routes/gadgets"))).toBe(false);
  });

  it("route --model with --methods writes only the CRUD operations asked for", () => {
    expect(runCli(["g", "model", "Widget", "--no-migration"], app).code).toBe(0);
    const readOnly = runCli(["g", "route", "widgets", "--model", "Widget", "--methods", "get"], app);
    expect(readOnly.code, readOnly.stderr).toBe(0);
    expect(list("src/routes/widgets")).toEqual(["[id:int]", "get.ts"]);
    expect(list("src/routes/widgets/[id:int]")).toEqual(["get.ts"]);
    const patch = runCli(["g", "route", "widgets", "--model", "Widget", "--methods", "patch,delete"], app);
    expect(patch.code, patch.stderr).toBe(0);
    expect(list("src/routes/widgets/[id:int]")).toEqual(["delete.ts", "get.ts", "patch.ts"]);
    expect(readFileSync(join(app, "src/routes/widgets/[id:int]/patch.ts"), "utf8")).toContain("PATCH /widgets/{id}");
    // one test per CRUD route file, mirroring it, so the second run added tests beside the first run's
    expect(list("test/routes/widgets")).toEqual(["[id:int]", "get.test.ts"]);
    expect(list("test/routes/widgets/[id:int]")).toEqual(["delete.test.ts", "get.test.ts", "patch.test.ts"]);
    const any = runCli(["g", "route", "things", "--model", "Widget", "--methods", "get,any"], app);
    expect(any.code).toBe(1);
    expect(any.stderr).toContain('"any"');
    expect(existsSync(join(app, "src/routes/things"))).toBe(false);
  });

  it("route --model: summaries and comments say \"an Item\", \"an Order\" but \"a User\", \"a Unicorn\"", () => {
    // an app of its own: other tests make some of these models with other fields
    const app = join(tempDir(), "articles");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    for (const [model, article] of [["Item", "an"], ["Order", "an"], ["Invoice", "an"], ["Umbrella", "an"], ["User", "a"], ["Unicorn", "a"], ["Euro", "a"], ["Product", "a"]] as const) {
      expect(runCli(["g", "model", model, "--no-migration"], app).code).toBe(0);
      const path = `articles/${model.toLowerCase()}s`;
      const made = runCli(["g", "route", path, "--model", model, "--methods", "get,post,patch,delete"], app);
      expect(made.code, made.stderr).toBe(0);
      const route = (file: string) => readFileSync(join(app, "src/routes", path, file), "utf8");
      expect(route("post.ts")).toContain(`summary: "Create ${article} ${model}"`);
      expect(route("post.ts")).toContain(`create ${article} ${model}; 201`);
      expect(route("[id:int]/get.ts")).toContain(`summary: "Get ${article} ${model}"`);
      expect(route("[id:int]/patch.ts")).toContain(`summary: "Update ${article} ${model}"`);
      expect(route("[id:int]/delete.ts")).toContain(`summary: "Delete ${article} ${model}"`);
      expect(readFileSync(join(app, "test/routes", path, "post.test.ts"), "utf8")).toContain(`creates ${article} ${model} for a signed-in user`);
    }
  });

  it("route --model: the tests take the model's fields (samples within its rules, 422 only with required fields)", () => {
    writeFileSync(
      join(app, "src/models/Gizmo.ts"),
      'import { Model, type ModelFields } from "tina4";\nexport default class Gizmo extends Model {\n  static tableName = "gizmo_things";\n' +
        '  static fields: ModelFields = { id: { type: "int", primaryKey: true }, code: { type: "string", required: true, minLength: 12, maxLength: 20 }, stock: { type: "int", min: 10, max: 20 }, madeAt: { type: "datetime", column: "made_at" } };\n}\n',
    );
    const made = runCli(["g", "route", "gizmos", "--model", "Gizmo", "--methods", "post,patch"], app);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/Test it:\s+npm test/);
    const create = readFileSync(join(app, "test/routes/gizmos/post.test.ts"), "utf8");
    expect(create).toContain('const sample = { code: "Sample codex", stock: 10, madeAt: "2026-01-02T03:04:05.000Z" };');
    expect(create).toContain("answers 422 without the required fields");
    expect(create).toContain("answers 401 without a signed-in user");
    const patch = readFileSync(join(app, "test/routes/gizmos/[id:int]/patch.test.ts"), "utf8");
    expect(patch).toContain('{ json: { code: "Changed code" } }');
    expect(patch).toContain('import Gizmo from "../../../../src/models/Gizmo"');
    expect(patch).toContain('join(import.meta.dirname, "..", "..", "..", "..", "migrations")'); // this app is on SQLite: its own migrations
    // a [param] folder above the resource is filled with a value of its type in the requests
    expect(runCli(["g", "route", "shops/[shopId:int]/gizmos", "--model", "Gizmo", "--methods", "get"], app).code).toBe(0);
    const nested = readFileSync(join(app, "test/routes/shops/[shopId:int]/gizmos/[id:int]/get.test.ts"), "utf8");
    expect(nested).toContain('describe("GET /shops/{shopId}/gizmos/{id}"');
    expect(nested).toContain("await client.get(`/shops/42/gizmos/${record.id}`)");
  });

  it("route --model of a model file that does not load: exit 1 naming it, nothing written", () => {
    writeFileSync(join(app, "src/models/Broken.ts"), "export default class Broken {\n");
    const result = runCli(["g", "route", "broken-things", "--model", "Broken"], app);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Could not load Broken from .*src\/models\/Broken\.ts to write its tests/);
    expect(existsSync(join(app, "src/routes/broken-things"))).toBe(false);
    expect(existsSync(join(app, "test/routes/broken-things"))).toBe(false);
  });

  it("hostile names and field specs: one clear line, exit 1, nothing written", () => {
    const before = JSON.stringify([list("src/models"), list("migrations"), list("src/middleware"), list("src/routes"), list("test"), list("test/routes")]);
    const cases: Array<[string[], RegExp]> = [
      [["g", "model", "../../etc/passwd"], /path separators/],
      [["g", "model", "Évil"], /ASCII/],
      [["g", "model", ""], /must not be empty/],
      [["g", "model", "class"], /reserved word/],
      [["g", "model", "Item", "--fields", "save:string"], /Field name "save" clashes with the member "save" every model record inherits/],
      [["g", "model", "Item", "title:string", "is_new:bool"], /Field name "is_new" clashes with the member "isNew"/],
      [["g", "model", "Item", "title:"], /Field "title" has no type: write it as title:<type>/],
      [["g", "model", "Item", "--fields", "title:string", "title:text"], /Field "title" is listed twice/],
      [["g", "model", "Item", "--fields", "", "title:string"], /--fields must not be empty/],
      [["g", "model", "Item", "--fields", "name:blob"], /unknown type/],
      [["g", "model", "Post", "--fields", "title:"], /Field "title" has no type: write it as title:<type>, e\.g\. title:string \(valid: string, text, int, float, bool, datetime, json/],
      [["g", "model", "Item", "--fields", "../x:int"], /must start with a letter/],
      [["g", "route", "../outside"], /must not contain/],
      [["g", "route", "a/b\\c"], /must not contain/],
      [["g", "route", "ok", "--methods", "get,fetch"], /Unknown method "fetch"/],
      [["g", "route", "ok", "--model", "../Bad"], /path separators/],
      [["g", "middleware", "a/b"], /path separators/],
      [["g", "migration", "../../x"], /path separators/],
      [["g", "migration", ""], /must not be empty/],
    ];
    for (const [args, pattern] of cases) {
      const result = runCli(args, app);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toMatch(pattern);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(JSON.stringify([list("src/models"), list("migrations"), list("src/middleware"), list("src/routes"), list("test"), list("test/routes")])).toBe(before);
  });
});
