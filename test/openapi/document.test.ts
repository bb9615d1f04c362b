import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { buildOpenApiDocument, PARAM_SCHEMAS, type OpenApiDocument } from "../../runtime/openapi/document.js";
import { paramType } from "../../runtime/router/param-types.js";
import { loadRouteFiles } from "../../runtime/router/file-routes.js";
import { z } from "../../runtime/validation/zod.js";
import { startApp } from "../support/http.js";
import { expectValidOpenApi } from "./validate.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  delete process.env.TINA4_OPENAPI;
});

type Operation = Record<string, unknown> & {
  operationId: string;
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
};

const Product = z.object({ name: z.string().max(40), price: z.number().positive() }).meta({ id: "Product", description: "A product" });

async function sampleApp(): Promise<App> {
  const app = new App({ publicDir: null });
  app.get("/products", () => [], {
    schema: { query: z.object({ page: z.coerce.number().int().min(1).default(1), q: z.string().optional() }), response: { 200: z.array(Product) } },
    meta: { summary: "List products", description: "Paged.", tags: ["products"] },
  });
  app.post("/products", () => ({}), { schema: { body: Product, response: { 201: Product } }, meta: { tags: ["products"], operationId: "createProduct" } });
  app.get("/products/{id:int}", () => ({}));
  app.get("/orders/{orderId:uuid}/lines/{n:float}", () => ({}), { meta: { deprecated: true } });
  app.get("/pages/{slug:slug}", () => ({}), { schema: { headers: z.object({ "x-tenant": z.string() }) } });
  app.any("/echo/{...rest}", () => ({}));
  await loadRouteFiles(app, [{ source: "src/routes/files/[name]/put.ts", absolute: "/x", method: "PUT", pattern: "/files/{name}" }], async () => ({
    default: () => ({}),
    schema: { params: z.object({ name: z.string().min(3) }), body: z.object({ content: z.string() }).optional() },
    meta: { summary: "Store a file" },
  }));
  const Tree: z.ZodType<{ name: string; children: unknown[] }> = z.object({ name: z.string(), get children() { return z.array(Tree); } });
  app.post("/trees", () => ({}), { schema: { body: Tree } });
  return app;
}

describe("the OpenAPI 3.1 document", () => {
  it("validates against the OpenAPI 3.1 schema, with every $ref resolvable", async () => {
    await expectValidOpenApi(buildOpenApiDocument(await sampleApp()));
  });

  it("lists every app route, file and programmatic, with {id} templates; leaves out tina4's own", async () => {
    const doc = buildOpenApiDocument(await sampleApp());
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/echo/{rest}",
      "/files/{name}",
      "/orders/{orderId}/lines/{n}",
      "/pages/{slug}",
      "/products",
      "/products/{id}",
      "/trees",
    ]);
    expect(Object.keys(doc.paths["/products"]!)).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/echo/{rest}"]!)).toEqual(["get", "post", "put", "patch", "delete"]);
    expect(JSON.stringify(doc)).not.toContain("__health");
  });

  it("types path parameters from the pattern, refined by a params schema", async () => {
    const doc = buildOpenApiDocument(await sampleApp());
    const params = (path: string, method = "get") => (doc.paths[path]![method] as Operation).parameters!;
    expect(params("/products/{id}")).toEqual([{ name: "id", in: "path", required: true, schema: { type: "integer" } }]);
    // zod's int() adds the safe-integer range to every integer: left out, a real bound kept
    expect(JSON.stringify(doc)).not.toContain(String(Number.MAX_SAFE_INTEGER));
    expect(params("/orders/{orderId}/lines/{n}").map((p) => p.schema)).toEqual([{ type: "string", format: "uuid" }, { type: "number" }]);
    expect(params("/pages/{slug}")[0]!.schema).toEqual(PARAM_SCHEMAS.slug);
    expect(params("/files/{name}", "put")[0]).toMatchObject({ name: "name", in: "path", required: true, schema: { type: "string", minLength: 3 } });
    expect(params("/pages/{slug}")[1]).toMatchObject({ name: "x-tenant", in: "header", required: true, schema: { type: "string" } });
  });

  it("query parameters, request bodies and responses come from zod's JSON Schema", async () => {
    const doc = buildOpenApiDocument(await sampleApp());
    const list = doc.paths["/products"]!.get as Operation;
    expect(list.parameters).toEqual([
      { name: "page", in: "query", required: false, schema: expect.objectContaining({ type: "integer", minimum: 1, default: 1 }) },
      { name: "q", in: "query", required: false, schema: { type: "string" } },
    ]);
    expect(list.responses["200"]!.content!["application/json"]!.schema).toEqual({ type: "array", items: { $ref: "#/components/schemas/Product" } });
    const create = doc.paths["/products"]!.post as Operation;
    // A named schema is one component when the request and the answer have one shape: what
    // clients send (unknown keys allowed, they are stripped) and what the API answers (the
    // handler's value as returned: JSON.stringify keeps keys the schema does not name, see
    // docs/decisions.md), so neither forbids other keys.
    expect(create.requestBody).toEqual({ required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Product" } } } });
    expect(create.responses["201"]!.content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/Product" });
    expect(doc.components.schemas.Product).toMatchObject({ type: "object", description: "A product", required: ["name", "price"], properties: { name: { type: "string", maxLength: 40 } } });
    expect(doc.components.schemas.Product).not.toHaveProperty("additionalProperties");
    expect(doc.components.schemas).not.toHaveProperty("ProductInput");
    const file = doc.paths["/files/{name}"]!.put as Operation;
    expect(file.requestBody!.required).toBe(false);
  });

  it("documents the 422 answer of every route with an input schema, and only those", async () => {
    const doc = buildOpenApiDocument(await sampleApp());
    const create = doc.paths["/products"]!.post as Operation;
    expect(create.responses["422"]!.content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/ValidationError" });
    expect(doc.components.schemas.ValidationError).toMatchObject({ properties: { errors: { type: "array" } } });
    expect((doc.paths["/products/{id}"]!.get as Operation).responses).toEqual({ "2XX": { description: "Success" } });
  });

  it("meta: summary, description, tags, deprecated, operationId (unique, derived when absent)", async () => {
    const doc = buildOpenApiDocument(await sampleApp());
    expect(doc.paths["/products"]!.get).toMatchObject({ summary: "List products", description: "Paged.", tags: ["products"], operationId: "getProducts" });
    expect(doc.paths["/products"]!.post).toMatchObject({ operationId: "createProduct" });
    expect(doc.paths["/products/{id}"]!.get).toMatchObject({ operationId: "getProductsById" });
    expect(doc.paths["/orders/{orderId}/lines/{n}"]!.get).toMatchObject({ deprecated: true });
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => (op as Operation).operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("security: schemes in components, a route's meta.security on its operation", async () => {
    const app = new App({ publicDir: null });
    app.get("/me", () => ({}), { meta: { security: [{ bearer: [] }] } });
    app.get("/open", () => ({}));
    const doc = buildOpenApiDocument(app, { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } });
    await expectValidOpenApi(doc);
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } });
    expect(doc.paths["/me"]!.get).toMatchObject({ security: [{ bearer: [] }] });
    expect(doc.paths["/open"]!.get).not.toHaveProperty("security");
  });

  it("a recursive schema becomes a component that refers to itself", async () => {
    const doc = buildOpenApiDocument(await sampleApp());
    const ref = (doc.paths["/trees"]!.post as Operation).requestBody!.content["application/json"]!.schema.$ref as string;
    const name = ref.replace("#/components/schemas/", "");
    expect((doc.components.schemas[name] as { properties: { children: { items: unknown } } }).properties.children.items).toEqual({ $ref: ref });
  });

  it("the typed-parameter schemas agree with the router's own parameter types", () => {
    const samples = ["42", "-7", "3.5", "abc", "abc123", "my-post-1", "-bad-", "550e8400-e29b-41d4-a716-446655440000", "a b"];
    for (const [name, schema] of Object.entries(PARAM_SCHEMAS)) {
      if (!schema.pattern) continue;
      const pattern = new RegExp(schema.pattern as string);
      for (const sample of samples) expect(pattern.test(sample), `${name} on ${sample}`).toBe(paramType(name, "/x").test(sample));
    }
  });
});

describe("GET /openapi.json and /docs", () => {
  const fetchDoc = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
  };

  it("dev: served, tina4's own routes and the document itself left out", async () => {
    const server = await startApp((app) => app.get("/hello", () => "hi"), { dev: true });
    close = server.close;
    const res = await fetchDoc(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    const doc = JSON.parse(res.body) as OpenApiDocument;
    expect(Object.keys(doc.paths)).toEqual(["/hello"]);
    expect((await fetchDoc(`${server.url}/docs`)).status).toBe(200);
  });

  it("production: 404 for both unless TINA4_OPENAPI=true", async () => {
    const off = await startApp((app) => app.get("/hello", () => "hi"), { dev: false });
    close = off.close;
    expect((await fetchDoc(`${off.url}/openapi.json`)).status).toBe(404);
    expect((await fetchDoc(`${off.url}/docs`)).status).toBe(404);
    expect((await fetchDoc(`${off.url}/docs/swagger-ui-bundle.js`)).status).toBe(404);
    await off.close();
    process.env.TINA4_OPENAPI = "true";
    const on = await startApp((app) => app.get("/hello", () => "hi"), { dev: false });
    close = on.close;
    expect((await fetchDoc(`${on.url}/openapi.json`)).status).toBe(200);
    expect((await fetchDoc(`${on.url}/docs`)).status).toBe(200);
  });

  it("dev with TINA4_OPENAPI=false: off", async () => {
    process.env.TINA4_OPENAPI = "false";
    const server = await startApp(() => undefined, { dev: true });
    close = server.close;
    expect((await fetchDoc(`${server.url}/openapi.json`)).status).toBe(404);
  });

  it("paths are configurable; an app route on the same path wins", async () => {
    const server = await startApp((app) => app.get("/docs", () => "mine"), { dev: true, openapi: { path: "/api/spec.json", docsPath: "/api/docs/" } });
    close = server.close;
    expect((await fetchDoc(`${server.url}/openapi.json`)).status).toBe(404);
    const spec = await fetchDoc(`${server.url}/api/spec.json`);
    expect(Object.keys((JSON.parse(spec.body) as OpenApiDocument).paths)).toEqual(["/docs"]);
    const page = await fetchDoc(`${server.url}/api/docs`);
    expect(page.body).toContain('src="/api/docs/swagger-ui-bundle.js"');
    expect((await fetchDoc(`${server.url}/api/docs/init.js`)).body).toContain('"/api/spec.json"');
    expect((await fetchDoc(`${server.url}/docs`)).body).toBe("mine");
  });

  it("serves only Swagger UI's listed files below the docs path", async () => {
    const server = await startApp(() => undefined, { dev: true });
    close = server.close;
    const css = await fetchDoc(`${server.url}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.type).toMatch(/^text\/css/);
    expect((await fetchDoc(`${server.url}/docs/package.json`)).status).toBe(404);
    expect((await fetchDoc(`${server.url}/docs/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetchDoc(`${server.url}/docs/index.html`)).status).toBe(404);
  });

  it("a bad configured path is an error", () => {
    expect(() => new App({ publicDir: null, openapi: { path: "openapi.json" } })).toThrow(/must be a path starting with "\/"/);
  });
});
