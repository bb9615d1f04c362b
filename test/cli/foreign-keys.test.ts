/**
 * The `references` field option (`customer_id:int:references`, `author_id:int:references=users`):
 * how it parses and names its table and relation, the SQL each engine gets (a named table
 * constraint, an index where the engine makes none, ALTER TABLE for an added column), the model's
 * `static relations` when the referenced model exists, the hint when it does not, and the CLI's
 * refusals (one line, exit 1, nothing written). The live engines run the SQL in
 * foreign-keys-engines.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseFields } from "../../cli/generate/fields.js";
import { foreignKeyConstraint, foreignKeyName, indexStatements, MAX_INDEX_NAME } from "../../cli/generate/ddl.js";
import { addColumnsSql, checkAddable, dropColumnsSql } from "../../cli/generate/add-columns.js";
import { CliError } from "../../cli/errors.js";
import { runCli, tempDir } from "../support/cli.js";

function refused(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).code).toBe("T4_ERR_CLI_BAD_FIELD");
    return (error as CliError).message;
  }
  throw new Error("expected a refusal");
}

describe("references: parsing", () => {
  it("takes the table from the key's name (Laravel's constrained()) or from references=<table>; the relation is the name before _id", () => {
    const [customer, author, line] = parseFields("customer_id:int:references:required,authorId:int:references=users,order_line_id:int:references");
    expect(customer).toEqual({ property: "customerId", column: "customer_id", type: "int", required: true, references: "customers", relation: "customer" });
    expect(author).toMatchObject({ property: "authorId", column: "author_id", references: "users", relation: "author" });
    expect(line).toMatchObject({ references: "order_lines", relation: "orderLine" });
  });

  it("refuses a key that is not an int, not named <thing>_id, a table name that is not snake_case, Rails' type form, and a relation hiding a field", () => {
    expect(refused(() => parseFields("customer_id:string:references"))).toBe('Field "customer_id": references needs an int field (it holds the INTEGER id of the row it points at), got string: write customer_id:int:references');
    expect(refused(() => parseFields("owner:int:references=users"))).toMatch(/^Field "owner": a foreign key is named after what it points at, ending in _id \(e\.g\. owner_id:int:references=users\)/);
    expect(refused(() => parseFields("customer_id:int:references=Customers"))).toMatch(/references=Customers must name a table in snake_case/);
    expect(refused(() => parseFields("customer_id:int:references=cust-omers"))).toMatch(/references=cust-omers must name a table in snake_case/);
    expect(refused(() => parseFields("customer_id:int:references=../x"))).toMatch(/must name a table in snake_case/);
    expect(refused(() => parseFields("customer:references"))).toMatch(/^Field "customer": a foreign key is an int field with the references option: customer_id:int:references/);
    expect(refused(() => parseFields("customer_id:int:references:references"))).toBe('Field "customer_id" has "references" twice');
    expect(refused(() => parseFields("customer_id:int:references,customer:string"))).toMatch(/its relation would be called "customer", which is another field/);
  });
});

describe("references: SQL per engine", () => {
  const [key] = parseFields("customer_id:int:references:required");
  const fields = [key!];

  it("a named table constraint on every engine; an index on SQLite, PostgreSQL and SQL Server (MySQL and Firebird make their own)", () => {
    for (const engine of ["sqlite", "postgres", "mysql", "firebird", "mssql"] as const) {
      expect(foreignKeyConstraint(engine, "orders", key!)).toBe("CONSTRAINT fk_orders_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id)");
    }
    for (const engine of ["sqlite", "postgres", "mssql"] as const) expect(indexStatements(engine, "orders", fields)).toEqual(["CREATE INDEX ix_orders_customer_id ON orders (customer_id);"]);
    for (const engine of ["mysql", "firebird"] as const) expect(indexStatements(engine, "orders", fields)).toEqual([]);
    // a referenced table that is an SQL keyword is quoted as the ORM quotes it
    const [group] = parseFields("group_id:int:references=groups,x_id:int:references=order");
    expect(foreignKeyConstraint("postgres", "members", group!)).toContain("REFERENCES \"groups\" (id)");
    const [, order] = parseFields("group_id:int:references=groups,x_id:int:references=order");
    expect(foreignKeyConstraint("mysql", "members", order!)).toContain("REFERENCES `order` (id)");
    expect(foreignKeyName("order_line_adjustments", "customer_billing_address_id").length).toBeLessThanOrEqual(MAX_INDEX_NAME);
  });

  it("an added key: SQLite's column REFERENCES (it cannot add a table constraint), ADD CONSTRAINT elsewhere; down drops the constraint first", () => {
    const [added] = parseFields("customer_id:int:references");
    expect(addColumnsSql("sqlite", "invoices", [added!])).toEqual([
      "ALTER TABLE invoices ADD COLUMN customer_id INTEGER REFERENCES customers (id);",
      "CREATE INDEX ix_invoices_customer_id ON invoices (customer_id);",
    ]);
    expect(addColumnsSql("postgres", "invoices", [added!])).toEqual([
      "ALTER TABLE invoices ADD COLUMN customer_id INTEGER;",
      "ALTER TABLE invoices ADD CONSTRAINT fk_invoices_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id);",
      "CREATE INDEX ix_invoices_customer_id ON invoices (customer_id);",
    ]);
    expect(addColumnsSql("firebird", "invoices", [added!])).toEqual([
      "ALTER TABLE invoices ADD customer_id INTEGER;",
      "ALTER TABLE invoices ADD CONSTRAINT fk_invoices_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id);",
    ]);
    expect(dropColumnsSql("mysql", "invoices", [added!])).toEqual(["ALTER TABLE invoices DROP FOREIGN KEY fk_invoices_customer_id;", "ALTER TABLE invoices DROP COLUMN customer_id;"]);
    expect(dropColumnsSql("mssql", "invoices", [added!])).toEqual([
      "ALTER TABLE invoices DROP CONSTRAINT fk_invoices_customer_id;",
      "DROP INDEX ix_invoices_customer_id ON invoices;",
      "ALTER TABLE invoices DROP COLUMN customer_id;",
    ]);
    expect(dropColumnsSql("sqlite", "invoices", [added!])).toEqual(["DROP INDEX ix_invoices_customer_id;", "ALTER TABLE invoices DROP COLUMN customer_id;"]);
    // SQLite adds a REFERENCES column only with a NULL default
    expect(refused(() => checkAddable(parseFields("customer_id:int:references:default=1")))).toMatch(/a foreign key added to an existing table must start empty .* leave out default=/);
    expect(refused(() => checkAddable(parseFields("customer_id:int:references:required:default=1")))).toMatch(/leave out required/);
  });
});

describe("generate model / migration with references", () => {
  let app: string;
  beforeAll(() => {
    app = tempDir("tina4-fkeys-");
    mkdirSync(join(app, "src", "routes"), { recursive: true });
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it("declares belongsTo for a key whose table has a model in src/models (imported), and itself for a key into its own table", () => {
    expect(runCli(["g", "model", "Customer", "name:string:required"], app).code).toBe(0);
    const made = runCli(["g", "model", "Order", "customer_id:int:references:required", "parent_id:int:references=orders"], app);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).not.toContain("no model in src/models");
    const model = readFileSync(join(app, "src/models/Order.ts"), "utf8");
    expect(model).toContain('import { belongsTo, Model, type ModelFields } from "tina4";\nimport Customer from "./Customer";\n');
    expect(model).toContain('    customer: belongsTo(() => Customer, "customerId"),\n    parent: belongsTo(() => Order, "parentId"),\n');
    expect(model).toContain("  declare customer?: Customer | null;\n  declare parent?: Order | null;");
    expect(model).not.toContain("import Order");
    const file = readdirSync(join(app, "migrations")).find((f) => f.endsWith("_create_orders.sql"))!;
    expect(readFileSync(join(app, "migrations", file), "utf8")).toContain(
      "  parent_id INTEGER,\n  CONSTRAINT fk_orders_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id),\n  CONSTRAINT fk_orders_parent_id FOREIGN KEY (parent_id) REFERENCES orders (id)\n);\nCREATE INDEX ix_orders_customer_id ON orders (customer_id);",
    );
    expect(readFileSync(join(app, "migrations", "mysql", file), "utf8")).not.toContain("CREATE INDEX");
    // a model with no foreign key keeps the plain import
    expect(readFileSync(join(app, "src/models/Customer.ts"), "utf8")).toMatch(/^import \{ Model, type ModelFields \} from "tina4";\n\n/);
  });

  it("says what to add when the referenced table has no model yet, and writes no relation for it", () => {
    const made = runCli(["g", "model", "Post", "author_id:int:references=users", "title:string"], app);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain("authorId references users, which no model in src/models uses yet (its table must exist before this migration runs).");
    expect(made.stdout).toContain('Once it has one, add to Post:  static relations = { author: belongsTo(() => <Model of users>, "authorId") };');
    const model = readFileSync(join(app, "src/models/Post.ts"), "utf8");
    expect(model).not.toContain("relations");
    expect(model).not.toContain("belongsTo");
  });

  it("generate migration add_..._to_...: prints the relation with the model it found", () => {
    writeFileSync(join(app, "src/models/Account.ts"), 'export default class Account { static tableName = "accounts"; }\n');
    const made = runCli(["g", "migration", "add_customer_to_accounts", "customer_id:int:references"], app);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('customerId: { type: "int", column: "customer_id" },');
    expect(made.stdout).toContain('static relations = { customer: belongsTo(() => Customer, "customerId") };');
  });

  it("bad references: one clear line, exit 1, nothing written", () => {
    const before = JSON.stringify([readdirSync(join(app, "migrations")).sort(), readdirSync(join(app, "src", "models")).sort()]);
    const cases: Array<[string[], RegExp]> = [
      [["g", "model", "Thing", "customer_id:string:references"], /references needs an int field/],
      [["g", "model", "Thing", "customer_id:int:references=Bad-Name"], /must name a table in snake_case/],
      [["g", "model", "Thing", "customer:references"], /customer_id:int:references/],
      [["g", "crud", "Thing", "owner:int:references=users"], /ending in _id/],
      [["g", "migration", "add_customer_to_things", "customer_id:int:references:required:default=1"], /a foreign key added to an existing table must start empty/],
    ];
    for (const [args, pattern] of cases) {
      const result = runCli(args, app);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toMatch(pattern);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(existsSync(join(app, "src/models/Thing.ts"))).toBe(false);
    expect(existsSync(join(app, "test"))).toBe(false);
    expect(JSON.stringify([readdirSync(join(app, "migrations")).sort(), readdirSync(join(app, "src", "models")).sort()])).toBe(before);
  });
});
