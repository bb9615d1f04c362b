/**
 * Field options of `generate model` (`email:string:unique`, `slug:string:index`,
 * `age:int:default=0`, `bio:text:nullable`, `name:string:required`): how they parse, the SQL
 * each engine gets for them, what the model file says, and the CLI's refusal of bad ones
 * (one line, exit 1, nothing written). The live engines run the SQL in field-options-engines.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseFields } from "../../cli/generate/fields.js";
import { columnDefinition, defaultLiteral, indexName, indexStatements, MAX_INDEX_NAME } from "../../cli/generate/ddl.js";
import { addColumnsSql, dropColumnsSql } from "../../cli/generate/add-columns.js";
import { createTables, modelInfoFromSpecs } from "../../cli/generate/crud-test.js";
import { uniqueValue } from "../../cli/generate/unique-sample.js";
import { CliError } from "../../cli/errors.js";
import { runCli, tempDir } from "../support/cli.js";

function refused(text: string): string {
  try {
    parseFields(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).code).toBe("T4_ERR_CLI_BAD_FIELD");
    return (error as CliError).message;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe("field options: parsing", () => {
  it("reads unique (and Rails' uniq), index, nullable, required and default=, keeping the plain forms as they were", () => {
    const [email, slug, age, bio, name, handle] = parseFields("email:string:unique,slug:string:index,age:int:default=0,bio:text:nullable,name:string:required,handle:string:uniq:required");
    expect(email).toEqual({ property: "email", column: "email", type: "string", required: false, unique: true });
    expect(slug).toEqual({ property: "slug", column: "slug", type: "string", required: false, index: true });
    expect(age).toEqual({ property: "age", column: "age", type: "int", required: false, default: { value: 0 } });
    expect(bio).toEqual({ property: "bio", column: "bio", type: "text", required: false, nullable: true });
    expect(name).toEqual({ property: "name", column: "name", type: "string", required: true });
    expect(handle).toMatchObject({ unique: true, required: true });
    expect(parseFields("title:string")).toEqual([{ property: "title", column: "title", type: "string", required: false }]);
  });

  it("typed defaults: numbers, booleans, canonical decimals, now for datetime; quoted text may hold commas and colons", () => {
    const fields = parseFields(`score:float:default=-1.5e2,on:bool:default=FALSE,total:decimal:10:2:default=3,at:datetime:default=now,note:string:default="a, b: c",empty:string:default=,q:string:default='say "hi"'`);
    expect(fields.map((f) => f.default)).toEqual([
      { value: -150 }, { value: false }, { value: "3.00" }, { now: true }, { value: "a, b: c" }, { value: "" }, { value: 'say "hi"' },
    ]);
    // the size still comes first for a decimal, then its options
    expect(parseFields("price:decimal:8:2:required:default=0.5")[0]).toMatchObject({ precision: 8, scale: 2, required: true, default: { value: "0.50" } });
    expect(parseFields('price:decimal(6,1):unique')[0]).toMatchObject({ precision: 6, scale: 1, unique: true });
  });

  it("refuses unknown, repeated and contradictory options and defaults that do not fit the type, naming the field", () => {
    expect(refused("email:string:uniqe")).toMatch(/^Field "email" has unknown option "uniqe" \(valid: required, nullable, unique, index, default=<value>, references\[=<table>\]\)$/);
    expect(refused("email:string:unique:unique")).toMatch(/"unique" twice/);
    expect(refused("email:string:unique:uniq")).toMatch(/"unique" twice/);
    expect(refused("email:string:required:nullable")).toMatch(/cannot be both required \(NOT NULL\) and nullable/);
    expect(refused("email:string:unique:index")).toMatch(/unique already makes an index/);
    expect(refused("email:unique")).toMatch(/"unique" is an option, not a type; the type comes first: email:string:unique/);
    expect(refused("age:int:default=abc")).toMatch(/^Field "age": default=abc is not a whole number/);
    expect(refused("age:int:default=1.5")).toMatch(/not a whole number/);
    expect(refused("age:int:default=3000000000")).toMatch(/INTEGER column's range/);
    expect(refused("score:float:default=1,5")).toMatch(/^Field "score": a default with a comma must be quoted \(default="1,5"\)$/);
    expect(refused("score:float:default=NaN")).toMatch(/not a number/);
    expect(refused("on:bool:default=yes")).toMatch(/not true or false/);
    expect(refused("total:decimal:4:2:default=123.45")).toMatch(/not a decimal\(4,2\) amount/);
    expect(refused("total:decimal:default=1.234")).toMatch(/not a decimal\(12,2\) amount/);
    expect(refused("at:datetime:default=2024-01-01")).toMatch(/not now/);
    expect(refused("meta:json:default={}")).toMatch(/a json field takes no default=/);
    expect(refused("age:int:default=null")).toMatch(/default=null is what a column without a default .* already gets/);
    expect(refused("age:int:default")).toMatch(/write its default as default=<value> \(e\.g\. age:int:default=0\)/);
    expect(refused(`note:string:default="open`)).toMatch(/unmatched quote/);
    expect(refused(`note:string:default=${"x".repeat(256)}`)).toMatch(/256 characters, longer than the column's 255/);
    expect(refused("name:string:required=yes")).toMatch(/unknown option "required=yes"/);
    expect(refused("name:string:required:default=")).toMatch(/an empty default does not satisfy required/);
  });

  it("refuses unique or index where an engine cannot index the column: text and json (MySQL, Firebird, SQL Server), unique bool", () => {
    expect(refused("bio:text:unique")).toMatch(/a text column cannot be unique on MySQL, Firebird and SQL Server .* use bio:string/);
    expect(refused("bio:text:index")).toMatch(/a text column cannot be indexed/);
    expect(refused("meta:json:unique")).toMatch(/a json column cannot be unique/);
    expect(refused("on:bool:unique")).toMatch(/at most two rows/);
    expect(parseFields("on:bool:index")[0]).toMatchObject({ index: true });
  });
});

describe("field options: the SQL per engine", () => {
  const [email, , , bio, name] = parseFields(`email:string:unique,x:int,y:int,bio:text:nullable:default="it's \\ here",name:string:required:default=anon`);

  it("default literals: quotes doubled, MySQL backslashes escaped and TEXT defaults as an expression, N'' on SQL Server, booleans per column type", () => {
    expect(defaultLiteral("postgres", bio!, bio!.default!)).toBe("'it''s \\ here'");
    expect(defaultLiteral("mysql", bio!, bio!.default!)).toBe("('it''s \\\\ here')");
    expect(defaultLiteral("mysql", name!, name!.default!)).toBe("'anon'");
    expect(defaultLiteral("mssql", bio!, bio!.default!)).toBe("N'it''s \\ here'");
    const on = { type: "bool" as const };
    expect(["sqlite", "postgres", "mysql", "firebird", "mssql"].map((e) => defaultLiteral(e as never, on, { value: true }))).toEqual(["1", "TRUE", "1", "TRUE", "1"]);
    expect(defaultLiteral("mysql", { type: "datetime" }, { now: true })).toBe("CURRENT_TIMESTAMP(3)");
    expect(defaultLiteral("firebird", { type: "datetime" }, { now: true })).toBe("CURRENT_TIMESTAMP");
  });

  it("DEFAULT before NOT NULL (Firebird's order); NULL written where it was asked (never on Firebird) and always on SQL Server", () => {
    expect(columnDefinition("firebird", name!)).toBe("name VARCHAR(255) DEFAULT 'anon' NOT NULL");
    expect(columnDefinition("postgres", bio!)).toBe("bio TEXT DEFAULT 'it''s \\ here' NULL");
    expect(columnDefinition("firebird", bio!)).toBe("bio BLOB SUB_TYPE TEXT DEFAULT 'it''s \\ here'");
    expect(columnDefinition("sqlite", email!)).toBe("email VARCHAR(255)");
    expect(columnDefinition("mssql", email!)).toBe("email NVARCHAR(255) NULL");
  });

  it("indexes: deterministic names within Firebird's 31 characters; a nullable unique column is filtered on SQL Server; keywords quoted", () => {
    expect(indexName("unique", "users", "email")).toBe("ux_users_email");
    const long = indexName("index", "customer_order_lines", "shipping_reference_code");
    expect(long).toHaveLength(MAX_INDEX_NAME);
    expect(long).toMatch(/^ix_customer_order_line_[0-9a-f]{8}$/);
    expect(indexName("index", "customer_order_lines", "shipping_reference_code")).toBe(long);
    expect(indexName("index", "customer_order_lines", "shipping_reference_kind")).not.toBe(long);
    expect(indexStatements("mssql", "users", [email!])).toEqual(["CREATE UNIQUE INDEX ux_users_email ON users (email) WHERE email IS NOT NULL;"]);
    expect(indexStatements("mssql", "users", parseFields("email:string:unique:required"))).toEqual(["CREATE UNIQUE INDEX ux_users_email ON users (email);"]);
    expect(indexStatements("postgres", "values", parseFields("order:int:index"))).toEqual(['CREATE INDEX ix_values_order ON "values" ("order");']);
    expect(indexStatements("mysql", "values", parseFields("order:int:index"))).toEqual(["CREATE INDEX ix_values_order ON `values` (`order`);"]);
  });
});

describe("generate model with field options", () => {
  let app: string;
  beforeAll(() => {
    app = tempDir("tina4-fieldopts-");
    mkdirSync(join(app, "src", "routes"), { recursive: true });
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it("writes the options into the model (required, default, unique) and the migrations of every engine; the down file drops the table with its indexes", () => {
    const made = runCli(["g", "model", "Account", "email:string:unique:required", "slug:string:index", "age:int:default=0", "bio:text:nullable", "joined:datetime:default=now"], app);
    expect(made.code, made.stderr).toBe(0);
    const model = readFileSync(join(app, "src/models/Account.ts"), "utf8");
    expect(model).toContain('email: { type: "string", required: true, unique: true, maxLength: 255 },');
    expect(model).toContain('age: { type: "int", default: 0 },');
    expect(model).toContain('joined: { type: "datetime", default: () => new Date() },');
    expect(model).toContain('bio: { type: "text" },');
    const file = readdirSync(join(app, "migrations")).find((f) => f.endsWith("_create_accounts.sql"))!;
    const sql = readFileSync(join(app, "migrations", file), "utf8");
    expect(sql).toMatch(/email VARCHAR\(255\) NOT NULL,\s+slug VARCHAR\(255\),\s+age INTEGER DEFAULT 0,\s+bio TEXT NULL,\s+joined TIMESTAMP DEFAULT CURRENT_TIMESTAMP\s+\);/);
    expect(sql).toContain("CREATE UNIQUE INDEX ux_accounts_email ON accounts (email);\nCREATE INDEX ix_accounts_slug ON accounts (slug);");
    expect(readFileSync(join(app, "migrations", "mysql", file), "utf8")).toContain("joined DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3)");
    expect(readFileSync(join(app, "migrations", "firebird", file), "utf8")).toContain("CREATE UNIQUE INDEX ux_accounts_email ON accounts (email);");
    const down = readFileSync(join(app, "migrations", file.replace(/\.sql$/, ".down.sql")), "utf8");
    expect(down).toContain("-- Its indexes (ux_accounts_email, ix_accounts_slug) go with the table on every engine.");
    expect(down).toContain("DROP TABLE accounts;");
  });

  it("a bad option: one clear line, exit 1, nothing written", () => {
    const before = JSON.stringify([existsSync(join(app, "migrations")) ? readdirSync(join(app, "migrations")) : [], readdirSync(join(app, "src"))]);
    const cases: Array<[string[], RegExp]> = [
      [["g", "model", "Thing", "email:string:uniqe"], /Field "email" has unknown option "uniqe" \(valid: required, nullable, unique, index, default=<value>, references\[=<table>\]\)/],
      [["g", "model", "Thing", "--fields", "age:int:default=ten"], /Field "age": default=ten is not a whole number/],
      [["g", "model", "Thing", "bio:text:unique"], /a text column cannot be unique on MySQL, Firebird and SQL Server/],
      [["g", "model", "Thing", "name:string:required:nullable"], /cannot be both required \(NOT NULL\) and nullable/],
      // generate crud checks the same way, before anything (model, migrations, routes, tests) is written
      [["g", "crud", "Thing", "email:string:uniqe"], /Field "email" has unknown option "uniqe"/],
      [["g", "crud", "Thing", "meta:json:index"], /a json column cannot be indexed/],
      [["g", "crud", "Thing", "name:string", "--path", "../out"], /must not contain/],
    ];
    for (const [args, pattern] of cases) {
      const result = runCli(args, app);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toMatch(pattern);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(existsSync(join(app, "src/models/Thing.ts"))).toBe(false);
    expect(existsSync(join(app, "src/routes/things"))).toBe(false);
    expect(existsSync(join(app, "test"))).toBe(false);
    expect(JSON.stringify([readdirSync(join(app, "migrations")), readdirSync(join(app, "src"))])).toBe(before);
  });
});

describe("generate migration add_<what>_to_<table> with fields", () => {
  let app: string;
  beforeAll(() => {
    app = tempDir("tina4-addcols-");
    mkdirSync(join(app, "src", "routes"), { recursive: true });
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it("per engine: ADD (Firebird and SQL Server without COLUMN), SQL Server's default named so the down file can drop it; down drops indexes, defaults, then columns", () => {
    const fields = parseFields("phone:string:unique,points:int:required:default=0");
    expect(addColumnsSql("sqlite", "members", fields)).toEqual([
      "ALTER TABLE members ADD COLUMN phone VARCHAR(255);",
      "ALTER TABLE members ADD COLUMN points INTEGER DEFAULT 0 NOT NULL;",
      "CREATE UNIQUE INDEX ux_members_phone ON members (phone);",
    ]);
    expect(addColumnsSql("mssql", "members", fields)[1]).toBe("ALTER TABLE members ADD points INT CONSTRAINT df_members_points DEFAULT 0 NOT NULL;");
    expect(dropColumnsSql("mssql", "members", fields)).toEqual([
      "DROP INDEX ux_members_phone ON members;",
      "ALTER TABLE members DROP CONSTRAINT df_members_points;",
      "ALTER TABLE members DROP COLUMN points;",
      "ALTER TABLE members DROP COLUMN phone;",
    ]);
    expect(dropColumnsSql("firebird", "members", fields)).toEqual(["DROP INDEX ux_members_phone;", "ALTER TABLE members DROP points;", "ALTER TABLE members DROP phone;"]);
    expect(dropColumnsSql("mysql", "members", fields)[0]).toBe("DROP INDEX ux_members_phone ON members;");
  });

  it("writes the up and down files for every engine and prints the model lines to add", () => {
    const made = runCli(["g", "migration", "add email to accounts", "email:string:unique", "--fields", "score:int:default=5"], app);
    expect(made.code, made.stderr).toBe(0);
    const file = readdirSync(join(app, "migrations")).find((f) => f.endsWith("_add_email_to_accounts.sql"))!;
    expect(readFileSync(join(app, "migrations", file), "utf8")).toBe(
      "-- Adds score, email to accounts (sqlite).\nALTER TABLE accounts ADD COLUMN score INTEGER DEFAULT 5;\nALTER TABLE accounts ADD COLUMN email VARCHAR(255);\nCREATE UNIQUE INDEX ux_accounts_email ON accounts (email);\n",
    );
    for (const engine of ["postgres", "mysql", "firebird", "mssql"]) {
      expect(existsSync(join(app, "migrations", engine, file)), engine).toBe(true);
      expect(existsSync(join(app, "migrations", engine, file.replace(/\.sql$/, ".down.sql"))), engine).toBe(true);
    }
    expect(made.stdout).toContain('email: { type: "string", unique: true, maxLength: 255 },');
    expect(made.stdout).toMatch(/Then: tina4 migrate/);
    // --table names the table when the description does not
    expect(runCli(["g", "migration", "contact details", "phone:string", "--table", "accounts"], app).code).toBe(0);
    expect(readdirSync(join(app, "migrations")).some((f) => f.endsWith("_contact_details.sql"))).toBe(true);
  });

  it("refuses, one line, exit 1, nothing written: no table named, a required column without a default, default=now, --table without fields", () => {
    const before = JSON.stringify(readdirSync(join(app, "migrations")));
    const cases: Array<[string[], RegExp]> = [
      [["g", "migration", "more stuff", "phone:string"], /Which table do the columns go into\? Name it in the description \(add_<what>_to_<table>/],
      [["g", "migration", "add_code_to_accounts", "code:string:required"], /Field "code": a required column added to an existing table needs a default/],
      [["g", "migration", "add_seen_to_accounts", "seen:datetime:default=now"], /SQLite cannot add a column with default=now to an existing table/],
      [["g", "migration", "anything", "--table", "accounts"], /--table needs the columns to add/],
      [["g", "migration", "add_x_to_accounts", "x:int:uniq:index"], /unique already makes an index/],
      [["g", "migration", "x", "y:int", "--table", "Bad-Table"], /Table "Bad-Table" must be a snake_case name/],
    ];
    for (const [args, pattern] of cases) {
      const result = runCli(args, app);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toMatch(pattern);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(JSON.stringify(readdirSync(join(app, "migrations")))).toBe(before);
  });
});

describe("unique fields in the generated CRUD tests", () => {
  const info = modelInfoFromSpecs("Member", "members", parseFields("email:string:unique:required,code:string,age:int:default=3"));

  it("the model info knows unique and default; an app on another engine gets SQLite's table with the UNIQUE", () => {
    expect(info.fields.find((f) => f.property === "email")).toMatchObject({ unique: true, required: true });
    expect(info.fields.find((f) => f.property === "age")).toMatchObject({ unique: false, hasDefault: true });
    const setup = createTables(info, "postgres", '".."');
    expect(setup).toContain("email VARCHAR(255) NOT NULL UNIQUE,");
    expect(setup).toMatch(/code VARCHAR\(255\),\n/);
  });

  it("per-record values keep the field's rules: the tag and counter survive a cut to maxLength; numbers stay within min..max", () => {
    const field = { ...info.fields.find((f) => f.property === "email")!, maxLength: 10 };
    const expression = uniqueValue(field, "Sample ema");
    expect(expression).toBe("`Sample ema-${tag}${made}`.slice(-10)");
    const values = [1, 2, 3].map((made) => new Function("tag", "made", `return ${expression};`)("k3x9qa", made) as string);
    expect(new Set(values).size).toBe(3);
    for (const value of values) expect(value.length).toBeLessThanOrEqual(10);
    const bounded = { ...info.fields.find((f) => f.property === "age")!, min: 10, max: 12 };
    const numbers = [1, 2, 3, 4].map((made) => new Function("seed", "made", `return ${uniqueValue(bounded, 10)};`)(987654, made) as number);
    for (const n of numbers) expect(n >= 10 && n <= 12).toBe(true);
    expect(new Set(numbers.slice(0, 3)).size).toBe(3);
  });
});
