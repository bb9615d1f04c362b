import { describe, expect, it } from "vitest";
import { modelSchema } from "../../runtime/orm/schema.js";
import { normalizeField, type ModelFields } from "../../runtime/orm/fields.js";
import { validateFields } from "../../runtime/orm/validation.js";

const fields: ModelFields = {
  id: { type: "int", primaryKey: true, autoIncrement: true },
  name: { type: "string", required: true, maxLength: 10 },
  code: { type: "string", pattern: "[A-Z]{3}" },
  price: { type: "float", min: 0 },
  stock: { type: "integer", required: true, default: 0, max: 1000 },
  active: { type: "bool" },
  releasedAt: { type: "datetime" },
  extra: { type: "json" },
};
const Product = { name: "Product", fields };

describe("modelSchema: one source of truth with the model's fields", () => {
  it("create: required fields (without a default) must be given; the primary key is left out, and sending it is an issue naming it", () => {
    const schema = modelSchema(Product, "create");
    const documented = (schema.toJSONSchema({ io: "input" }) as { $defs: Record<string, { properties: Record<string, unknown> }> }).$defs.ProductCreate!;
    expect(Object.keys(documented.properties)).toEqual(["name", "code", "price", "stock", "active", "releasedAt", "extra", "id"]);
    const result = schema.safeParse({});
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual(["name"]);
    expect(schema.parse({ name: "Lamp", unknown: 1 })).toEqual({ name: "Lamp" });
    const withKey = schema.safeParse({ name: "Lamp", id: 5 });
    expect(withKey.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["id: id is set by the server, not by a request: leave it out"]);
  });

  it("update: every field optional; record: every field present, optional ones nullable", () => {
    expect(modelSchema(Product, "update").parse({})).toEqual({});
    const record = modelSchema(Product, "record");
    const row = { id: 1, name: "Lamp", code: null, price: null, stock: 0, active: null, releasedAt: null, extra: null };
    expect(record.parse(row)).toEqual(row);
    expect(record.safeParse({ ...row, id: null }).success).toBe(false);
    expect(record.safeParse({ ...row, name: null }).success).toBe(false);
  });

  it("hidden fields: left out of the record schema (responses, OpenAPI) and of toJSON(); refused in create bodies (guarded)", async () => {
    const { Model } = await import("../../runtime/orm/model.js");
    class Account extends Model {
      static override tableName = "accounts";
      static override fields: ModelFields = {
        id: { type: "int", primaryKey: true, autoIncrement: true },
        email: { type: "string", required: true },
        passwordHash: { type: "string", required: true, hidden: true },
      };
    }
    expect(Object.keys(modelSchema(Account, "record").shape)).toEqual(["id", "email"]);
    expect(modelSchema(Account, "create").safeParse({ email: "a@example.com", passwordHash: "$argon2id$mine" }).error?.issues.map((i) => i.path.join("."))).toEqual(["passwordHash"]);
    const account = new Account({ email: "a@example.com", passwordHash: "$argon2id$secret" });
    expect(account.toJSON()).toEqual({ id: null, email: "a@example.com" });
    expect(JSON.stringify(account)).not.toContain("argon2id");
    expect(() => normalizeField("Account", "token", { type: "string", hidden: "yes" as unknown as boolean })).toThrow(/hidden must be true or false/);
  });

  it("accepts and rejects the same values the model's own validation does", () => {
    const normalized = Object.entries(fields).map(([property, def]) => normalizeField("Product", property, def));
    const schema = modelSchema(Product, "create");
    const cases: Array<Record<string, unknown>> = [
      { name: "Lamp" },
      { name: "" },
      { name: "   " },
      { name: "x".repeat(11) },
      { name: "Lamp", code: "ABC" },
      { name: "Lamp", code: "abc" },
      { name: "Lamp", price: -1 },
      { name: "Lamp", price: 2.5 },
      { name: "Lamp", price: "2.5" },
      { name: "Lamp", stock: 1.5 },
      { name: "Lamp", stock: 1001 },
      { name: "Lamp", active: "yes" },
      { name: "Lamp", active: true },
      { name: "Lamp", extra: { a: [1, "b", null] } },
      { name: "Lamp", price: null },
      { name: 42 },
    ];
    for (const input of cases) {
      const modelErrors = validateFields(normalized, { stock: 0, ...input }, true).map((e) => e.field);
      const result = schema.safeParse(input);
      const schemaErrors = result.success ? [] : result.error.issues.map((i) => String(i.path[0]));
      expect([...new Set(schemaErrors)], JSON.stringify(input)).toEqual(modelErrors);
    }
  });

  it("datetime fields take ISO 8601 text; max lengths and patterns reach the JSON Schema", () => {
    const schema = modelSchema(Product, "create");
    expect(schema.safeParse({ name: "Lamp", releasedAt: "2026-01-02T03:04:05Z" }).success).toBe(true);
    expect(schema.safeParse({ name: "Lamp", releasedAt: "next tuesday" }).success).toBe(false);
    // a named schema ("ProductCreate"): OpenAPI documents it as a component of that name
    const root = schema.toJSONSchema() as { $ref: string; $defs: Record<string, { properties: Record<string, Record<string, unknown>>; required: string[] }> };
    expect(root.$ref).toBe("#/$defs/ProductCreate");
    const json = root.$defs.ProductCreate!;
    expect(json.required).toEqual(["name"]);
    expect(json.properties.name).toMatchObject({ type: "string", maxLength: 10 });
    expect(json.properties.releasedAt).toMatchObject({ anyOf: [{ type: "string", pattern: expect.stringContaining("T") }, { type: "null" }] });
    expect(json.properties.code).toMatchObject({ anyOf: [{ type: "string", pattern: "^(?:[A-Z]{3})$" }, { type: "null" }] });
  });

  it("decimal fields: requests take decimal text or a number, refused with the model's own messages; records are the canonical text", () => {
    const Invoice = { name: "Invoice", fields: { id: { type: "int", primaryKey: true }, total: { type: "decimal", precision: 10, scale: 2, min: 0, required: true } } as ModelFields };
    const create = modelSchema(Invoice, "create");
    for (const total of ["19.50", "19.5", 19.5, 0.1, "0"]) expect(create.safeParse({ total }).success, String(total)).toBe(true);
    const messages = (total: unknown) => create.safeParse({ total }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages("19.505")).toEqual(["total: must have at most 2 decimals"]);
    expect(messages(0.1 + 0.2)).toEqual(["total: must have at most 2 decimals"]);
    expect(messages("100000000")).toEqual(["total: must have at most 8 digits before the decimal point (decimal(10,2): up to 99999999.99)"]);
    expect(messages("-0.01")).toEqual(["total: must be at least 0.00"]);
    expect(messages("1e3")).toEqual(['total: must be a decimal number like "19.50"']);
    expect(create.safeParse({ total: true }).success).toBe(false);
    expect(create.safeParse({}).success).toBe(false);
    const normalized = Object.entries(Invoice.fields).map(([property, def]) => normalizeField("Invoice", property, def));
    for (const total of ["19.505", "-0.01", "12", 7.25, "abc"]) {
      expect(create.safeParse({ total }).success, String(total)).toBe(validateFields(normalized, { total }, true).length === 0);
    }
    const record = modelSchema(Invoice, "record");
    expect(record.safeParse({ id: 1, total: "19.50" }).success).toBe(true);
    expect(record.safeParse({ id: 1, total: "19.5" }).success).toBe(false);
    expect(record.safeParse({ id: 1, total: 19.5 }).success).toBe(false);
    const json = (record.toJSONSchema() as { $defs: Record<string, { properties: Record<string, Record<string, unknown>> }> }).$defs.Invoice!;
    expect(json.properties.total).toMatchObject({ type: "string", pattern: "^-?\\d+\\.\\d{2}$" });
    const input = (create.toJSONSchema() as { $defs: Record<string, { properties: Record<string, Record<string, unknown>> }> }).$defs.InvoiceCreate!;
    expect(input.properties.total).toMatchObject({ type: ["string", "number"], description: expect.stringContaining("decimal(10,2)") });
  });

  it("is built once per model and mode", () => {
    expect(modelSchema(Product, "create")).toBe(modelSchema(Product, "create"));
    expect(modelSchema(Product, "create")).not.toBe(modelSchema(Product, "update"));
  });
});

describe("modelSchema: guarded fields are never taken from a request (mass assignment)", () => {
  const Member = {
    name: "Member",
    fields: {
      id: { type: "int", primaryKey: true, autoIncrement: true },
      email: { type: "string", required: true },
      role: { type: "string", required: true, default: "member", guarded: true },
      passwordHash: { type: "string", required: true, hidden: true, column: "password_hash" },
      apiKey: { type: "string", hidden: true, guarded: false },
      createdAt: { type: "datetime", column: "created_at" },
      updatedAt: { type: "datetime" },
      publishedAt: { type: "datetime", guarded: true },
      openedAt: { type: "datetime", column: "created_at_local" },
      nickname: { type: "string" },
    } as ModelFields,
  };
  const refused = (mode: "create" | "update", body: Record<string, unknown>) =>
    modelSchema(Member, mode).safeParse(body).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

  it("create and update refuse the key, guarded: true, hidden fields and the timestamp columns, each named (by property or column)", () => {
    for (const mode of ["create", "update"] as const) {
      const base = { email: "a@example.com" };
      expect(refused(mode, base), mode).toEqual([]);
      expect(refused(mode, { ...base, id: 7 }), mode).toEqual(["id: id is set by the server, not by a request: leave it out"]);
      expect(refused(mode, { ...base, role: "admin" }), mode).toEqual(["role: role is set by the server, not by a request: leave it out"]);
      expect(refused(mode, { ...base, passwordHash: "x" }), mode).toEqual(["passwordHash: passwordHash is set by the server, not by a request: leave it out"]);
      expect(refused(mode, { ...base, password_hash: "x" }), mode).toEqual(["password_hash: password_hash is set by the server, not by a request: leave it out"]);
      expect(refused(mode, { ...base, createdAt: "2020-01-01T00:00:00Z" }), mode).toEqual(["createdAt: createdAt is set by the server, not by a request: leave it out"]);
      expect(refused(mode, { ...base, updated_at: null }), mode).toEqual(["updated_at: updated_at is set by the server, not by a request: leave it out"]);
      expect(refused(mode, { ...base, publishedAt: "2020-01-01T00:00:00Z" }), mode).toEqual(["publishedAt: publishedAt is set by the server, not by a request: leave it out"]);
      // every one at once: one issue each
      expect(refused(mode, { ...base, id: 1, role: "admin", passwordHash: "x", createdAt: null }).length, mode).toBe(4);
    }
  });

  it("what is not guarded stays accepted: guarded: false opens a hidden field; a column merely starting like a timestamp is ordinary", () => {
    const parsed = modelSchema(Member, "create").parse({ email: "a@example.com", apiKey: "k-1", openedAt: "2020-01-01T00:00:00Z", nickname: "al", extra: 1 });
    expect(parsed).toEqual({ email: "a@example.com", apiKey: "k-1", openedAt: "2020-01-01T00:00:00Z", nickname: "al" });
    expect(() => normalizeField("Member", "role", { type: "string", guarded: "yes" as unknown as boolean })).toThrow(/guarded must be true or false/);
    // a key the client chooses (a country code) is opened the same way
    const Country = { name: "Country", fields: { code: { type: "string", primaryKey: true, guarded: false }, name: { type: "string" } } as ModelFields };
    expect(modelSchema(Country, "create").parse({ code: "NZ", name: "Aotearoa" })).toEqual({ code: "NZ", name: "Aotearoa" });
    expect(modelSchema(Country, "update").safeParse({ code: "AU" }).success).toBe(false); // the URL names the record: its key never changes
  });

  it("/openapi.json's request bodies leave guarded fields out; the record (response) keeps what is not hidden", async () => {
    const { convertSchema } = await import("../../runtime/openapi/json-schema.js");
    const input = convertSchema(modelSchema(Member, "create"), "input") as { $defs: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    expect(Object.keys(input.$defs.MemberCreate!.properties)).toEqual(["email", "apiKey", "openedAt", "nickname"]);
    expect(input.$defs.MemberCreate!.required).toEqual(["email"]);
    const record = convertSchema(modelSchema(Member, "record"), "output") as { $defs: Record<string, { properties: Record<string, unknown> }> };
    expect(Object.keys(record.$defs.Member!.properties)).toEqual(["id", "email", "role", "createdAt", "updatedAt", "publishedAt", "openedAt", "nickname"]);
  });
});
